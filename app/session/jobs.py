"""The job runner: every piece of long work (file I/O, 3D tools, interpolation, meshing,
AI) runs here, off the UI thread, several at once.

A job's work function gets its ``Job`` and calls ``job.report(fraction, message)``
between chunks of work; each report is also a cancel point, so Cancel stops the work at
the next chunk instead of only discarding its result. Results are never applied by the
worker: ``poll`` (called by the UI thread every frame, or by ``wait`` in headless use)
hands them to the job's ``on_done`` on the calling thread, which applies them through
the session. A job submitted with a ``key`` supersedes the unfinished jobs of that key
("latest wins": a new slider value replaces the preview being computed), and a
superseded job's result is dropped even if it finished first.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from enum import Enum
from typing import Any

DEFAULT_WORKERS = 4


class Cancelled(Exception):
    """Raised inside a job's work at a cancel point once Cancel was asked for."""


class JobState(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class Job:
    """One piece of long work: what it is, how far it got, and how to stop it."""

    _ids = itertools.count(1)

    def __init__(self, title: str, work: Callable[[Job], Any],
                 on_done: Callable[[Any], Any] | None, on_error: Callable[[BaseException],
                                                                           None] | None,
                 key: str | None) -> None:
        self.id = next(self._ids)
        self.title = title
        self.key = key
        self.progress: float | None = None  # None: no figure (the bar sweeps)
        self.message = ""
        self.state = JobState.QUEUED
        self.result: Any = None  # what the work returned
        self.landed: Any = None  # what on_done returned (e.g. the document it attached)
        self.error: BaseException | None = None
        self.started_s = time.perf_counter()
        self._work = work
        self._on_done = on_done
        self._on_error = on_error
        self._cancel = threading.Event()
        self._finished = threading.Event()

    # --- called by the work (worker thread) ----------------------------------------------
    def report(self, fraction: float | None = None, message: str | None = None) -> None:
        """Progress so far (0..1, None: unknown); raises Cancelled once cancel was asked."""
        self.check_cancelled()
        if fraction is not None:
            self.progress = min(max(float(fraction), 0.0), 1.0)
        if message is not None:
            self.message = message

    def check_cancelled(self) -> None:
        if self._cancel.is_set():
            raise Cancelled(self.title)

    # --- called by anyone ----------------------------------------------------------------
    def cancel(self) -> None:
        """Ask the work to stop at its next cancel point; its result will be dropped."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()

    @property
    def finished(self) -> bool:
        return self._finished.is_set()

    def wait_finished(self, timeout_s: float | None = None) -> bool:
        """Block until the work ended (done, failed or cancelled); False on timeout. For
        a job whose work must follow another's, without delivering anything."""
        return self._finished.wait(timeout_s)

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.started_s

    def _run(self) -> None:
        try:
            if self._cancel.is_set():
                raise Cancelled(self.title)
            self.state = JobState.RUNNING
            self.started_s = time.perf_counter()
            self.result = self._work(self)
            self.state = JobState.CANCELLED if self._cancel.is_set() else JobState.DONE
        except Cancelled:
            self.state = JobState.CANCELLED
        except BaseException as error:  # noqa: BLE001 - reported on the UI thread
            self.error = error
            self.state = JobState.FAILED
        finally:
            self._finished.set()


class JobRunner:
    """Runs jobs on a small thread pool and lands their results on the polling thread.

    ``on_finished`` is called from the worker thread whenever a job ends: a window that
    sleeps until input uses it to wake up and deliver the result.
    """

    def __init__(self, workers: int = DEFAULT_WORKERS,
                 on_finished: Callable[[], None] | None = None) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="job")
        self._jobs: list[Job] = []  # submitted and not yet delivered, oldest first
        self._lock = threading.Lock()
        self.on_finished = on_finished

    def submit(self, title: str, work: Callable[[Job], Any],
               on_done: Callable[[Any], Any] | None = None,
               on_error: Callable[[BaseException], None] | None = None,
               key: str | None = None) -> Job:
        """Start ``work(job)``; ``on_done(result)`` / ``on_error(error)`` run at a poll.

        With ``key``, unfinished jobs of the same key are cancelled (latest wins).
        """
        job = Job(title, work, on_done, on_error, key)
        with self._lock:
            if key is not None:
                for other in self._jobs:
                    if other.key == key:
                        other.cancel()
            self._jobs.append(job)
        self._executor.submit(self._run, job)
        return job

    def _run(self, job: Job) -> None:
        job._run()
        if self.on_finished is not None:
            self.on_finished()

    @property
    def jobs(self) -> list[Job]:
        """Jobs not yet delivered (running, queued, or finished since the last poll)."""
        with self._lock:
            return list(self._jobs)

    def poll(self) -> list[Job]:
        """Deliver every finished job, in submission order, on the calling thread.

        A job whose ``on_done`` raises counts as failed (its ``on_error`` is called), so
        applying a result can refuse it like the work itself can.
        """
        with self._lock:
            finished = [job for job in self._jobs if job.finished]
            self._jobs = [job for job in self._jobs if not job.finished]
        for job in finished:
            _deliver(job)
        return finished

    def wait(self, job: Job, timeout_s: float | None = None) -> Any:
        """Block until ``job`` finished, deliver finished jobs, and return what the job
        landed; raises the job's error, or Cancelled (headless use and tests)."""
        if not job._finished.wait(timeout_s):
            raise TimeoutError(f"'{job.title}' did not finish in {timeout_s} s")
        self.poll()
        if job.state is JobState.FAILED:
            raise job.error
        if job.state is JobState.CANCELLED:
            raise Cancelled(job.title)
        return job.landed

    def drain(self, timeout_s: float = 60.0) -> None:
        """Wait for every job submitted so far (and those they submit) and deliver them."""
        deadline = time.monotonic() + timeout_s
        while True:
            pending = self.jobs
            if not pending:
                return
            for job in pending:
                if not job._finished.wait(max(deadline - time.monotonic(), 0.0)):
                    raise TimeoutError(f"'{job.title}' did not finish in {timeout_s} s")
            self.poll()

    def shutdown(self) -> None:
        """Cancel everything and let the workers end (at their next cancel point)."""
        for job in self.jobs:
            job.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)


def _deliver(job: Job) -> None:
    if job.state is JobState.DONE and not job.cancel_requested:
        if job._on_done is None:
            return
        try:
            job.landed = job._on_done(job.result)
            return
        except Exception as error:  # noqa: BLE001 - applying the result failed
            job.error, job.state = error, JobState.FAILED
    elif job.state is JobState.DONE:
        job.state = JobState.CANCELLED  # superseded or cancelled after the work ended
    if job.state is JobState.FAILED and job._on_error is not None:
        job._on_error(job.error)
