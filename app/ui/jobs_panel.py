"""The job area beside the status bar: every running job with its progress and Cancel.

Non-modal: the user keeps working while files load or suggestions are computed. A job
appears only once it has run for a moment, so quick work does not flicker there.
"""

from __future__ import annotations

from collections.abc import Callable

import dearpygui.dearpygui as dpg

from ..session import Job, Session

SHOW_AFTER_S = 0.25
SWEEP_PER_S = 0.7  # the bar's sweep speed for work that reports no fraction


class JobsPanel:
    """Job widgets placed in the status row before the status text (``before``), so
    their Cancel buttons stay put while the text changes with the mouse."""

    def __init__(self, parent: int | str, before: int | str, session: Session,
                 act: Callable) -> None:
        self.parent = parent
        self.before = before
        self.session = session
        self.act = act
        self._shown: tuple[int, ...] = ()
        self._items: list[int | str] = []

    def _visible_jobs(self) -> list[Job]:
        return [job for job in self.session.jobs.jobs
                if not job.finished and not job.cancel_requested
                and job.elapsed_s >= SHOW_AFTER_S]

    def update(self) -> bool:
        """Refresh the bars; returns whether any job is shown (the frame is not idle)."""
        jobs = self._visible_jobs()
        ids = tuple(job.id for job in jobs)
        if ids != self._shown:
            self._shown = ids
            for item in self._items:
                dpg.delete_item(item)
            self._items = []
            place = {"parent": self.parent, "before": self.before}
            for job in jobs:
                self._items += [
                    dpg.add_text(job.title, tag=f"job_title_{job.id}", **place),
                    dpg.add_progress_bar(width=160, tag=f"job_progress_{job.id}", **place),
                    dpg.add_button(label="Cancel", tag=f"job_cancel_{job.id}", **place,
                                   callback=lambda s, a, u: self.act(self.session.cancel_job,
                                                                     u),
                                   user_data=job),
                ]
        for job in jobs:
            fraction = job.progress
            if fraction is None:
                value, overlay = (job.elapsed_s * SWEEP_PER_S) % 1.0, job.message
            else:
                value, overlay = fraction, f"{fraction * 100:.0f} %"
            dpg.configure_item(f"job_progress_{job.id}", default_value=value, overlay=overlay)
        return bool(jobs)
