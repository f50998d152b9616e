"""Progress reports from readers and writers.

A reader or writer calls ``progress(fraction)`` between chunks of its work. The job
runner's report raises when the user cancelled, so a long read or write stops at the
next chunk (a writer's temporary file is removed, the target stays as it was).
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[float], None]


def report(progress: Progress | None, fraction: float) -> None:
    if progress is not None:
        progress(fraction)


def part(progress: Progress | None, start: float, stop: float) -> Progress | None:
    """A callback for one part of the work that maps its 0..1 onto ``start``..``stop``."""
    if progress is None:
        return None
    return lambda fraction: progress(start + (stop - start) * fraction)
