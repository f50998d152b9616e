"""Long work off the UI thread: a modal progress window with Cancel.

File reading and writing give no progress figures, so the bar sweeps while the work
runs; Cancel closes the window at once and the result, when it arrives, is dropped,
which leaves the session exactly as it was.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import dearpygui.dearpygui as dpg

WINDOW = "task_window"


@dataclass
class BackgroundTask:
    title: str
    work: Callable[[], object]
    on_done: Callable[[object], None]
    on_error: Callable[[BaseException], None]
    started_s: float = field(default_factory=time.perf_counter)
    result: object = None
    error: BaseException | None = None
    cancelled: bool = False
    _done: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        try:
            self.result = self.work()
        except BaseException as error:  # noqa: BLE001 - reported on the UI thread
            self.error = error
        self._done.set()

    @property
    def finished(self) -> bool:
        return self._done.is_set()


class TaskRunner:
    """Runs one background task at a time and lands its result on the UI thread."""

    def __init__(self) -> None:
        self.task: BackgroundTask | None = None

    @property
    def busy(self) -> bool:
        return self.task is not None

    def start(self, task: BackgroundTask) -> None:
        if self.task is not None:
            task.on_error(RuntimeError(f"please wait: '{self.task.title}' is still running"))
            return
        self.task = task
        threading.Thread(target=task.run, daemon=True, name=task.title).start()
        with dpg.window(label=task.title, modal=True, tag=WINDOW, no_close=True, width=420,
                        autosize=True, pos=(500, 380)):
            dpg.add_text(task.title)
            dpg.add_progress_bar(tag="task_progress", width=380, default_value=0.0)
            dpg.add_button(label="Cancel", tag="task_cancel", callback=self.cancel)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancelled = True
            self._close()

    def poll(self) -> bool:
        """Call every frame; returns True when a result landed (so the window redraws)."""
        task = self.task
        if task is None:
            return False
        if not task.finished:
            if dpg.does_item_exist("task_progress"):
                elapsed = time.perf_counter() - task.started_s
                dpg.set_value("task_progress", (elapsed * 0.7) % 1.0)
            return False
        self._close()
        if task.cancelled:
            return False
        if task.error is not None:
            task.on_error(task.error)
        else:
            task.on_done(task.result)
        return True

    def _close(self) -> None:
        if dpg.does_item_exist(WINDOW):
            dpg.delete_item(WINDOW)
        self.task = None
