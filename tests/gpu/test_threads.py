"""Thread set-up of the kernels: OpenMP's workers sleep when idle unless the user says
otherwise, and a slice-sized distance map never wakes them."""

from __future__ import annotations

import os
import subprocess
import sys

import numba
import numpy as np
import pytest

import demarcate.gpu.distance as distance


def wait_policy(environment: dict[str, str]) -> str:
    """OMP_WAIT_POLICY as a fresh process that imported demarcate.gpu sees it."""
    return subprocess.run(
        [sys.executable, "-c", "import os, demarcate.gpu; print(os.environ['OMP_WAIT_POLICY'])"],
        env=environment, capture_output=True, text=True, check=True).stdout.strip()


def test_openmp_workers_sleep_unless_the_environment_says_otherwise():
    environment = {k: v for k, v in os.environ.items() if k != "OMP_WAIT_POLICY"}
    assert wait_policy(environment) == "passive"
    assert wait_policy({**environment, "OMP_WAIT_POLICY": "active"}) == "active"


def refuse(*args):
    raise AssertionError("this kernel must not run here")


def test_small_maps_run_on_the_calling_thread(monkeypatch):
    monkeypatch.setattr(distance, "_envelope_pass_parallel", refuse)
    strip = np.zeros((20, 512), bool)
    strip[5:15, 100:400] = True
    assert distance.signed_distance(strip, (0.7, 0.7))[10, 250] < 0
    cube = np.zeros((16, 16, 16), bool)
    cube[4:12, 4:12, 4:12] = True
    assert distance.signed_distance(cube)[8, 8, 8] < 0


@pytest.mark.parametrize("shape", [(512, 512), (48, 48, 48)])
def test_large_maps_use_every_thread(shape, monkeypatch):
    if numba.get_num_threads() < 2:
        pytest.skip("numba has one thread: every pass runs on the calling thread")
    monkeypatch.setattr(distance, "_envelope_pass", refuse)
    mask = np.zeros(shape, bool)
    mask[tuple(slice(n // 4, n // 2) for n in shape)] = True
    assert distance.signed_distance(mask)[tuple(n // 3 for n in shape)] < 0
