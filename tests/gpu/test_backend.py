"""Backend choice: NumPy without a usable GPU, and a clear error when forced."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.gpu import backend


@pytest.fixture(autouse=True)
def fresh_choice():
    backend.array_module.cache_clear()
    yield
    backend.array_module.cache_clear()


def test_cpu_forced(monkeypatch):
    monkeypatch.setenv("DEMARCATE_DEVICE", "cpu")
    assert backend.array_module() is np
    assert backend.describe_backend()["backend"] == "numpy"


def test_auto_without_gpu_falls_back_to_numpy(monkeypatch):
    monkeypatch.setenv("DEMARCATE_DEVICE", "auto")
    monkeypatch.setattr(backend, "_try_cupy", lambda: (None, "no CUDA device here"))
    assert backend.array_module() is np
    assert backend.describe_backend()["why_not_gpu"] == "no CUDA device here"


def test_gpu_forced_without_gpu_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("DEMARCATE_DEVICE", "gpu")
    monkeypatch.setattr(backend, "_try_cupy", lambda: (None, "no CUDA device here"))
    with pytest.raises(backend.BackendError, match="no CUDA device here"):
        backend.array_module()
    assert backend.describe_backend()["backend"] == "none"


def test_bad_value_is_refused(monkeypatch):
    monkeypatch.setenv("DEMARCATE_DEVICE", "tpu")
    with pytest.raises(backend.BackendError, match="cpu, gpu or auto"):
        backend.array_module()


def test_to_host_accepts_numpy():
    array = np.arange(3)
    assert backend.to_host(array) is not None and backend.to_host(array).tolist() == [0, 1, 2]
