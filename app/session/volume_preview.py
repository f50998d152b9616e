"""Keeps the armed 3D tool's preview current without blocking the window.

Every request (a slider moved, the time step changed, a scribble finished) gets a
generation number. The tool's ``quick`` answer (the planes in view) lands at once on
the UI thread; a coarse pass (GrowCut) and the exact volume run on the job runner,
where a newer request supersedes an older one (latest wins). A result lands only if it
is for the newest generation seen so far and is not a rough answer arriving after the
exact one, so the screen never steps back to an older or coarser preview.
"""

from __future__ import annotations

from collections.abc import Callable

from ..tools.volume import VolumeResult, VolumeSource, VolumeTool
from .jobs import Job, JobRunner

JOB_KEY = "volume-preview"
COARSE_JOB_KEY = "volume-preview-coarse"


class VolumePreviewUpdater:
    def __init__(self, jobs: JobRunner, on_updated: Callable[[], None],
                 on_error: Callable[[BaseException], None]) -> None:
        self._jobs = jobs
        self._on_updated = on_updated
        self._on_error = on_error
        self._generation = 0
        self._shown: tuple[int, bool] = (0, True)  # generation and exactness on screen
        self._tool: VolumeTool | None = None
        self._pending: list[Job] = []

    @property
    def pending(self) -> bool:
        """The exact preview is still being computed."""
        return any(not job.finished and not job.cancel_requested for job in self._pending)

    @property
    def current(self) -> bool:
        """The tool's result is the exact answer to the newest request."""
        return self._shown == (self._generation, True) and not self.pending

    @property
    def progress(self) -> tuple[float | None, str] | None:
        """(fraction, message) of the exact run in progress; None when none is."""
        running = [job for job in self._pending
                   if job.key == JOB_KEY and not job.finished and not job.cancel_requested]
        return (running[-1].progress, running[-1].message) if running else None

    def stop(self) -> None:
        """Forget the tool: running work is cancelled and nothing more lands."""
        for job in self._pending:
            job.cancel()
        self._pending = []
        self._tool = None
        self._generation += 1

    def refresh(self, tool: VolumeTool, source: VolumeSource) -> Job:
        """Recompute ``tool``'s preview for ``source`` with its current options; returns
        the job of the exact answer."""
        self._tool = tool
        self._generation += 1
        generation = self._generation
        tool.prepare(source)
        options = dict(tool.options)
        quick = tool.quick(source)
        if quick is not None:
            self._land(tool, generation, quick)
        for job in self._pending:
            job.cancel()
        self._pending = []
        title = f"{tool.info.title} preview"
        coarse = None
        if tool.has_coarse:
            coarse = self._jobs.submit(
                title, lambda job: tool.compute_coarse(source, options, job.report),
                on_done=lambda result: self._land(tool, generation, result),
                on_error=self._on_error, key=COARSE_JOB_KEY)
            self._pending.append(coarse)

        def exact(job: Job) -> VolumeResult:
            # The coarse pass first, alone on the cores: on a laptop's two cores the
            # exact run beside it would delay the first picture by seconds.
            if coarse is not None:
                coarse.wait_finished()
                job.check_cancelled()
            return tool.compute(source, options, job.report)

        job = self._jobs.submit(
            title, exact, on_done=lambda result: self._land(tool, generation, result),
            on_error=self._on_error, key=JOB_KEY)
        self._pending.append(job)
        return job

    def _land(self, tool: VolumeTool, generation: int, result: VolumeResult | None) -> None:
        if result is None or tool is not self._tool:
            return
        shown_generation, shown_exact = self._shown
        if generation < shown_generation or (generation == shown_generation and shown_exact
                                             and not result.exact):
            return
        self._shown = (generation, result.exact)
        tool.accept(result)
        self._on_updated()
