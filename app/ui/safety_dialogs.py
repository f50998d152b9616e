"""The two questions that keep work from being lost: save before closing, and restore
what a crashed run left behind.

Both are modal: the views and shortcuts take no input while they are open.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import dearpygui.dearpygui as dpg

from ..model.document import SegmentationDocument
from ..session import RecoveredDocument
from .next_frame import later

UNSAVED_WINDOW = "unsaved_dialog"
RESTORE_WINDOW = "restore_dialog"


def _close(tag: str) -> None:
    if dpg.does_item_exist(tag):
        dpg.delete_item(tag)


def _choices(window: str, choices: list[tuple[str, str, Callable[[], None] | None]]) -> None:
    """A row of buttons (label, tag, action) that close the dialog; an action runs a
    frame later, since it may open another modal dialog. None only closes."""

    def choose(action: Callable[[], None] | None) -> None:
        _close(window)
        if action is not None:
            later(action)

    with dpg.group(horizontal=True):
        for label, tag, action in choices:
            dpg.add_button(label=label, tag=tag, width=130,
                           callback=lambda s, a, u: choose(u), user_data=action)


def ask_unsaved(documents: list[SegmentationDocument], what: str,
                save: Callable[[], None], discard: Callable[[], None]) -> None:
    """Save / Discard / Cancel for closing (``what``: "Close", "Quit") with unsaved edits.

    Cancel keeps everything as it is.
    """
    _close(UNSAVED_WINDOW)
    names = "\n".join(f"  {d.segmentation.name}" + (f"  ({d.path})" if d.path else
                                                    "  (never saved)") for d in documents)
    with dpg.window(label=f"{what}: unsaved changes", tag=UNSAVED_WINDOW, modal=True,
                    width=560, autosize=True, no_close=True, pos=(420, 300)):
        dpg.add_text(f"These segmentations have changes that are not saved:\n{names}",
                     wrap=520, tag="unsaved_text")
        _choices(UNSAVED_WINDOW, [("Save", "unsaved_save", save),
                                  ("Discard changes", "unsaved_discard", discard),
                                  ("Cancel", "unsaved_cancel", None)])


def offer_restore(recovered: list[RecoveredDocument], restore: Callable[[], None],
                  discard: Callable[[], None]) -> None:
    """After a crash: bring the autosaved segmentations back, delete them, or decide on
    the next start ("Later" keeps them)."""
    _close(RESTORE_WINDOW)
    with dpg.window(label="Restore unsaved work", tag=RESTORE_WINDOW, modal=True,
                    width=600, autosize=True, no_close=True, pos=(400, 280)):
        dpg.add_text("Demarcate did not close properly last time. These segmentations had "
                     "unsaved changes, autosaved at the time shown:", wrap=560)
        for document in recovered:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(document.saved_at))
            image = document.image_path or "unknown image"
            dpg.add_text(f"  {document.name}  ({when}, on {image})", wrap=560)
        _choices(RESTORE_WINDOW, [("Restore", "restore_accept", restore),
                                  ("Discard them", "restore_discard", discard),
                                  ("Later", "restore_later", None)])
