"""A fake AI model: an adapter file for the worker (loaded by its absolute path) that
thresholds the image into two named labels, and misbehaves on request so the tests can
see every way a real model can end.

``params["behaviour"]``:
- "threshold" (default): label 1 where channel 0 > ``lower``, label 2 where the last
  channel > ``upper`` (2 wins), with progress at each step;
- "slow": ``steps`` progress reports ``step_s`` apart, then the threshold (cancel is
  honoured at each report);
- "noisy": prints to stdout from Python and from C level (``os.write(1, ...)``) and to
  stderr, then the threshold;
- "exit": ``os._exit(3)``; "raise": a ValueError; "runtime": a RuntimeError with a
  message for the user; "missing_package": imports a package that does not exist;
- "oom": the worker kills itself with SIGKILL, as the kernel's OOM killer does; with
  ``orphan_pid_file`` it first forks a child that sleeps holding the worker's pipes (as
  a data-loader process would) and writes the child's pid there;
- "hang": reports "hanging", then sleeps for ever and never reports again (cancel can
  only be forced); with ``ignore_term`` it also ignores SIGTERM, so only SIGKILL ends it;
- "bad_shape": returns a label map of the wrong shape;
- "fork_pool": runs a multiprocessing pool of forked processes first (nnU-Net's file
  reading does), which closes each child's sys.stdin.
Only the standard library and numpy, like a real adapter's module level.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time

import numpy as np

NAMES = {1: "bright", 2: "brightest"}


def threshold(image: np.ndarray, lower: float, upper: float) -> np.ndarray:
    """The reference result (the tests compute it the same way in the test process)."""
    labels = (image[0] > lower).astype(np.uint16)
    np.copyto(labels, 2, where=image[-1] > upper)
    return labels


def _misbehave(behaviour: str, params: dict, progress) -> None:
    if behaviour == "exit":
        print("about to exit with code 3", file=sys.stderr, flush=True)
        os._exit(3)
    if behaviour == "raise":
        raise ValueError("the fake model broke")
    if behaviour == "runtime":
        raise RuntimeError("weights missing: place them in /nowhere/fold_0")
    if behaviour == "missing_package":
        import demarcate_no_such_package  # noqa: F401
    if behaviour == "oom":
        if params.get("orphan_pid_file"):
            child = os.fork()
            if child == 0:
                time.sleep(3600)
                os._exit(0)
            with open(params["orphan_pid_file"], "w") as pid_file:
                pid_file.write(str(child))
        os.kill(os.getpid(), signal.SIGKILL)
    if behaviour == "hang":
        if params.get("ignore_term"):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        progress(None, "hanging")
        while True:
            time.sleep(3600)
    if behaviour == "slow":
        steps = int(params.get("steps", 1000))
        for step in range(steps):
            progress(step / steps, f"step {step + 1}/{steps}")
            time.sleep(float(params.get("step_s", 0.02)))
    if behaviour == "noisy":
        print("python print to stdout")
        sys.stdout.flush()
        os.write(1, b"C-level write to fd 1\n")
        print("a line on stderr", file=sys.stderr, flush=True)
    if behaviour == "fork_pool":
        with multiprocessing.get_context("fork").Pool(2) as pool:
            assert pool.map(abs, [-1, -2]) == [1, 2]


def run(image: np.ndarray, spacing_zyx: tuple[float, float, float], params: dict,
        progress) -> tuple[np.ndarray, dict[int, str]]:
    assert image.dtype == np.float32 and image.ndim == 4 and image.flags.c_contiguous
    assert len(spacing_zyx) == 3
    behaviour = params.get("behaviour", "threshold")
    progress(0.0, "starting")
    _misbehave(behaviour, params, progress)
    if behaviour == "bad_shape":
        return np.zeros((1, 2, 3), np.uint16), NAMES
    progress(0.5, "thresholding")
    labels = threshold(image, float(params.get("lower", 0.5)), float(params.get("upper", 0.8)))
    progress(1.0, "done")
    return labels, NAMES
