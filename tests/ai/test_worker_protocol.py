"""The AI worker protocol end to end: a real worker process running the fake model, driven
by the client, for every way a run can end. The autouse fixture in conftest checks after
each case that both shared-memory blocks are gone from /dev/shm and no worker is left.

No case sleeps to wait: each waits on the run itself, or cancels on a condition (a
progress message seen). Timeouts are generous so the cases pass with both CPUs busy.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from demarcate.ai import client
from demarcate.ai.client import run_prediction
from demarcate.ai.errors import AiCancelled, AiError

from .conftest import FAKE_MODEL

SPACING = (2.0, 0.5, 0.5)


def reference(image: np.ndarray, lower: float = 0.5, upper: float = 0.8) -> np.ndarray:
    """What the fake model must return: 1 above ``lower`` in the first channel, 2 above
    ``upper`` in the last."""
    channels = image if image.ndim == 4 else image[np.newaxis]
    return np.select([channels[-1] > upper, channels[0] > lower], [2, 1], 0).astype(np.uint16)


class Recorder:
    """Collects progress reports; ``saw(text)`` is a cancel condition."""

    def __init__(self) -> None:
        self.reports: list[tuple[float | None, str | None]] = []

    def __call__(self, fraction: float | None, message: str | None) -> None:
        self.reports.append((fraction, message))

    def saw(self, text: str) -> bool:
        return any(message == text for _, message in self.reports)


def predict(python, image, params=None, **options):
    return run_prediction(python, FAKE_MODEL, image, SPACING, params or {}, **options)


def test_progress_arrives_and_the_result_matches_numpy(python, image):
    recorder = Recorder()
    prediction = predict(python, image, progress=recorder)
    assert recorder.reports == [(0.0, "starting"), (0.5, "thresholding"), (1.0, "done")]
    assert prediction.labels.dtype == np.uint16 and prediction.labels.shape == image.shape
    np.testing.assert_array_equal(prediction.labels, reference(image))
    assert prediction.names == {1: "bright", 2: "brightest"}
    assert not prediction.from_cache and prediction.seconds > 0


def test_parameters_reach_the_model(python, image):
    prediction = predict(python, image, {"lower": 0.2, "upper": 0.9})
    np.testing.assert_array_equal(prediction.labels, reference(image, 0.2, 0.9))


def test_paths_and_numpy_values_are_parameters_too(python, image, tmp_path):
    prediction = predict(python, image, {"lower": np.float64(0.2), "upper": np.float32(0.9),
                                         "model_folder": tmp_path, "folds": np.arange(2)})
    np.testing.assert_array_equal(prediction.labels, reference(image, 0.2, np.float32(0.9)))


def test_a_parameter_json_cannot_carry_is_refused_before_any_worker(image, tmp_path):
    with pytest.raises(TypeError, match="an AI parameter cannot be object"):
        predict(str(tmp_path / "no-python"), image, {"model": object()})


def test_a_worker_that_attached_and_died_leaves_the_blocks_to_the_client(python):
    """The worker's resource tracker must not unlink what the client owns (Python < 3.13
    registers attached blocks and unlinks them at exit, with a warning)."""
    with client.shared_blocks(64) as (block,):
        script = ("import sys; sys.path.insert(0, sys.argv[1]); from main import attach; "
                  "attach(sys.argv[2]).close()")
        done = subprocess.run([python, "-c", script, str(client.WORKER_SCRIPT.parent),
                               block.name], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert "leaked shared_memory" not in done.stderr
        assert (Path("/dev/shm") / block.name).exists()


def test_two_channels_arrive_in_order(python, image):
    second = np.random.default_rng(8).random(image.shape, dtype=np.float32)
    both = np.stack([image, second])
    prediction = predict(python, both)
    np.testing.assert_array_equal(prediction.labels, reference(both))
    assert np.any(reference(both) != reference(image))  # the second channel mattered


def test_other_dtypes_are_handed_over_as_float32(python):
    volume = np.arange(4 * 5 * 6, dtype=np.int16).reshape(4, 5, 6)
    prediction = predict(python, volume, {"lower": 40, "upper": 100})
    np.testing.assert_array_equal(prediction.labels, reference(volume, 40, 100))


def test_prints_from_python_and_from_c_do_not_break_the_protocol(python, image, caplog):
    caplog.set_level("INFO", logger="demarcate.ai.client")
    prediction = predict(python, image, {"behaviour": "noisy"})
    np.testing.assert_array_equal(prediction.labels, reference(image))
    logged = caplog.text
    for line in ("python print to stdout", "C-level write to fd 1", "a line on stderr",
                 f"adapter {FAKE_MODEL} from {FAKE_MODEL}"):
        assert line in logged


def test_a_model_may_fork_a_pool(python, image):
    """Forked children close sys.stdin, which the worker's command thread is reading:
    they must not wait for its lock (a pool of them hung for ever before)."""
    prediction = predict(python, image, {"behaviour": "fork_pool"}, timeout_s=60)
    np.testing.assert_array_equal(prediction.labels, reference(image))


def test_cancel_is_honoured_by_the_model(python, image):
    recorder = Recorder()
    started = time.perf_counter()
    with pytest.raises(AiCancelled):
        # A grace far longer than the test: only a worker that stops by itself is quick.
        predict(python, image, {"behaviour": "slow", "steps": 100000}, progress=recorder,
                cancelled=lambda: recorder.saw("step 3/100000"), grace_s=300)
    assert time.perf_counter() - started < 120
    assert not recorder.saw("done")


@pytest.mark.parametrize("ignore_term", [False, True], ids=["terminated", "killed"])
def test_cancel_is_forced_when_the_model_ignores_it(python, image, ignore_term):
    recorder = Recorder()
    with pytest.raises(AiCancelled):
        predict(python, image, {"behaviour": "hang", "ignore_term": ignore_term},
                progress=recorder, cancelled=lambda: recorder.saw("hanging"), grace_s=0.2)
    assert recorder.saw("hanging")


def test_a_hang_past_the_timeout_is_stopped(python, image):
    with pytest.raises(AiError, match="did not finish within 4 s .* hang"):
        predict(python, image, {"behaviour": "hang"}, grace_s=0.2, timeout_s=4)


def test_a_crash_says_the_exit_code_and_the_last_output(python, image):
    with pytest.raises(AiError, match="exit code 3") as caught:
        predict(python, image, {"behaviour": "exit"})
    assert "about to exit with code 3" in str(caught.value)


def test_an_oom_kill_is_named(python, image):
    with pytest.raises(AiError, match="killed, likely out of memory"):
        predict(python, image, {"behaviour": "oom"})


def gone(pid: int) -> bool:
    """No such process, or only its zombie (reaped by whoever adopted it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError):
        return True


def test_a_killed_worker_is_noticed_while_its_child_holds_the_pipes(python, image, tmp_path):
    pid_file = tmp_path / "orphan.pid"
    with pytest.raises(AiError, match="killed, likely out of memory"):
        predict(python, image, {"behaviour": "oom", "orphan_pid_file": str(pid_file)},
                timeout_s=120)  # without the fix the run would end only here, as a hang
    orphan = int(pid_file.read_text())
    deadline = time.monotonic() + 60
    while not gone(orphan) and time.monotonic() < deadline:
        time.sleep(0.05)  # waiting on the condition: the leftover child was killed
    assert gone(orphan)


@pytest.mark.parametrize(("behaviour", "message"), [
    ("raise", "^ValueError: the fake model broke$"),
    ("runtime", "^weights missing: place them in /nowhere/fold_0$"),
    ("missing_package", "'demarcate_no_such_package' is not installed in "),
    ("bad_shape", r"label map of shape \(1, 2, 3\) for an image of shape \(12, 20, 24\)"),
])
def test_model_failures_become_one_message(python, image, behaviour, message):
    with pytest.raises(AiError, match=message):
        predict(python, image, {"behaviour": behaviour})


@pytest.mark.parametrize(("adapter", "message"), [
    ("no_such_adapter", "no AI adapter 'no_such_adapter'"),
    ("/no/such/model.py", "no AI adapter '/no/such/model.py'"),
    ("../escape", "not an adapter name"),
])
def test_a_missing_adapter_is_named(python, image, adapter, message):
    with pytest.raises(AiError, match=message):
        run_prediction(python, adapter, image, SPACING, {})


def test_a_progress_callback_that_raises_stops_the_worker(python, image):
    def progress(fraction, message):
        if message == "step 2/100000":
            raise KeyError("the job was dropped")

    with pytest.raises(KeyError):
        predict(python, image, {"behaviour": "slow", "steps": 100000}, progress=progress)


def test_a_path_that_does_not_exist_is_not_a_python(image, tmp_path):
    missing = tmp_path / "python"
    with pytest.raises(AiError, match=f"{missing} is not a Python"):
        predict(str(missing), image)


def test_a_program_that_is_not_python_is_named(image, tmp_path):
    script = tmp_path / "python"
    script.write_text("#!/bin/sh\necho 'not python' >&2\nexit 1\n")
    script.chmod(0o755)
    with pytest.raises(AiError, match=f"{script} is not a Python .*not python"):
        predict(str(script), image)


def test_a_python_without_numpy_is_named(image, tmp_path):
    env = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    with pytest.raises(AiError, match=f"{python} has no numpy .*No module named 'numpy'"):
        predict(str(python), image)


def test_a_python_whose_numpy_is_broken_is_named(image, tmp_path):
    fake = tmp_path / "site" / "numpy"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('numpy is half installed')\n")
    wrapper = tmp_path / "python"
    wrapper.write_text(f"#!/bin/sh\nPYTHONPATH={fake.parent} exec {sys.executable} \"$@\"\n")
    wrapper.chmod(0o755)
    with pytest.raises(AiError, match="has no numpy .*ImportError: numpy is half installed"):
        predict(str(wrapper), image)


def test_an_image_larger_than_the_shared_memory_room_is_refused(python, image, tmp_path,
                                                                 monkeypatch):
    tiny = tmp_path / "small-shm"
    tiny.mkdir()
    free = os.statvfs(tiny).f_bavail * os.statvfs(tiny).f_frsize
    monkeypatch.setattr(client, "SHM_FOLDER", str(tiny))
    huge = np.broadcast_to(np.float32(0), (free // 4 // (20 * 24) + 1, 20, 24))
    with pytest.raises(AiError, match="of shared memory but .* MB free"):
        predict(python, huge)


def test_a_cancel_during_start_up_stops_the_worker_at_once(python, image):
    with pytest.raises(AiCancelled):
        predict(python, image, cancelled=lambda: True, grace_s=300)


def test_a_python_that_never_starts_the_worker_is_named(image, tmp_path, monkeypatch):
    stuck = tmp_path / "python"
    stuck.write_text("#!/bin/sh\nexec sleep 1000\n")
    stuck.chmod(0o755)
    monkeypatch.setattr(client, "READY_TIMEOUT_S", 1.0)
    with pytest.raises(AiError, match=f"{stuck} did not start the AI worker within 1 s"):
        predict(str(stuck), image)
