"""Actions that must wait until a frame has been drawn.

Dear PyGui's modal windows are Dear ImGui modal popups: a modal opened before a frame
has been drawn since another one closed is opened inside the closed one and never
shows. A dialog whose button leads to another dialog (Save in "unsaved changes" asking
for a file name) therefore closes itself and puts the action off by one frame.
"""

from __future__ import annotations

from collections.abc import Callable

_queued: list[Callable[[], None]] = []  # put off in this frame
_due: list[Callable[[], None]] = []  # put off in the frame before: run now


def later(action: Callable[[], None]) -> None:
    _queued.append(action)


def run_pending() -> bool:
    """Call once per frame, before it is drawn: runs what was put off a frame ago.

    Returns whether anything is still waiting or ran (the frame is not idle).
    """
    due = list(_due)
    _due[:] = _queued
    _queued.clear()
    for action in due:
        action()
    return bool(due or _due)
