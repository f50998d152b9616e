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


def test_bounding_box_and_crop():
    mask = np.zeros((4, 5, 6), bool)
    assert backend.bounding_box(mask) is None and backend.crop_to_bounding_box(mask) is None
    mask[1, 2:4, 3] = True
    assert backend.bounding_box(mask) == (slice(1, 2), slice(2, 4), slice(3, 4))
    crop, box = backend.crop_to_bounding_box(mask)
    assert crop.shape == (1, 2, 1) and crop.all() and box == backend.bounding_box(mask)


def test_map_slabs_equals_one_go_with_a_halo(monkeypatch):
    from scipy import ndimage

    monkeypatch.setenv("DEMARCATE_DEVICE", "cpu")
    volume = np.random.default_rng(0).normal(size=(23, 8, 9))
    expected = ndimage.median_filter(volume, 3)
    slabbed = backend.map_slabs(lambda v: ndimage.median_filter(v, 3), volume, halo_z=1,
                                bytes_per_voxel=24, free_bytes=int(8 * 9 * 24 * 7 / 0.7))
    assert np.array_equal(slabbed, expected)
    with pytest.warns(RuntimeWarning, match="CPU"):
        tiny = backend.map_slabs(lambda v: v + 1, volume, 1, 24, free_bytes=10)
    assert np.array_equal(tiny, volume + 1)


def test_device_or_host_falls_back_when_too_large():
    volume = np.zeros((10, 10, 10))
    with pytest.warns(RuntimeWarning, match="does not fit"):
        assert backend.device_or_host(volume, 8, free_bytes=100) is not None
    assert backend.get_array_module(volume) is np
