"""The job runner: progress, a Cancel that stops the work, latest wins, clear failures."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from demarcate import formats
from demarcate.model import Geometry, Label, LabelGroup, Segmentation
from demarcate.session import Cancelled, JobRunner, JobState

TIMEOUT_S = 30.0


def test_result_lands_on_the_polling_thread_with_progress_reports():
    runner = JobRunner()
    landed = []
    seen = []

    def work(job):
        for step in range(5):
            job.report(step / 5, f"step {step}")
            seen.append(job.progress)
        return "result"

    job = runner.submit("counting", work, on_done=lambda r: landed.append(
        (r, threading.current_thread().name)) or "applied")
    assert runner.wait(job, TIMEOUT_S) == "applied"
    assert landed == [("result", threading.current_thread().name)]
    assert seen == [0.0, 0.2, 0.4, 0.6, 0.8] and job.state is JobState.DONE
    assert runner.jobs == []


def test_cancel_stops_the_work_at_its_next_report():
    runner = JobRunner()
    started, steps = threading.Event(), []

    def work(job):
        started.set()
        for step in range(10_000):
            job.report(step / 10_000)
            steps.append(step)
            time.sleep(0.001)
        return "never"

    landed = []
    job = runner.submit("long", work, on_done=landed.append)
    assert started.wait(TIMEOUT_S)
    job.cancel()
    with pytest.raises(Cancelled):
        runner.wait(job, TIMEOUT_S)
    assert job.state is JobState.CANCELLED and landed == []
    assert len(steps) < 10_000, "the work must stop, not run to its end"


def test_latest_wins_for_jobs_of_one_key():
    runner = JobRunner()
    release = threading.Event()
    landed = []

    def slow(job):
        release.wait(TIMEOUT_S)
        return "old"

    old = runner.submit("preview", slow, on_done=landed.append, key="preview")
    new = runner.submit("preview", lambda job: "new", on_done=landed.append, key="preview")
    release.set()
    runner.wait(new, TIMEOUT_S)
    runner.drain(TIMEOUT_S)
    assert landed == ["new"]
    assert old.state is JobState.CANCELLED and old.cancel_requested


def test_jobs_run_at_the_same_time():
    runner = JobRunner()
    first_running, second_running = threading.Event(), threading.Event()

    def first(job):
        first_running.set()
        return second_running.wait(TIMEOUT_S)

    def second(job):
        second_running.set()
        return first_running.wait(TIMEOUT_S)

    jobs = [runner.submit("a", first, on_done=bool), runner.submit("b", second, on_done=bool)]
    assert [runner.wait(job, TIMEOUT_S) for job in jobs] == [True, True]


def test_a_failing_job_reports_its_error_and_lands_nothing():
    runner = JobRunner()
    errors, landed = [], []

    def fail(job):
        raise OSError("disk full")

    job = runner.submit("saving", fail, on_done=landed.append, on_error=errors.append)
    with pytest.raises(OSError, match="disk full"):
        runner.wait(job, TIMEOUT_S)
    assert job.state is JobState.FAILED and landed == []
    assert [str(e) for e in errors] == ["disk full"]


def test_a_result_refused_when_applied_counts_as_a_failure():
    runner = JobRunner()
    errors = []

    def refuse(result):
        raise ValueError(f"{result} does not fit")

    job = runner.submit("opening", lambda job: "segmentation", on_done=refuse,
                        on_error=errors.append)
    with pytest.raises(ValueError, match="does not fit"):
        runner.wait(job, TIMEOUT_S)
    assert job.state is JobState.FAILED and len(errors) == 1


def test_cancelling_a_save_leaves_the_old_file_and_no_temporary_file(tmp_path):
    """Cancel reaches into the writer: it stops between planes and removes its temp."""
    target = tmp_path / "seg.nrrd"
    target.write_bytes(b"the previous file")
    seg = Segmentation((64, 64, 64), Geometry())
    rng = np.random.default_rng(0)
    seg.groups.append(LabelGroup("Group 0", rng.integers(0, 3, (1, 64, 64, 64), np.uint16),
                                 [Label(1, "a"), Label(2, "b")]))
    runner = JobRunner()
    planes = []

    def save(job):
        def progress(fraction):
            planes.append(fraction)
            if len(planes) == 10:
                job.cancel()
            job.report(fraction)
        return formats.write_segmentation(seg, target, progress=progress)

    job = runner.submit("saving", save)
    with pytest.raises(Cancelled):
        runner.wait(job, TIMEOUT_S)
    assert len(planes) == 10
    assert target.read_bytes() == b"the previous file"
    assert [p.name for p in tmp_path.iterdir()] == ["seg.nrrd"]
