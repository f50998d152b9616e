"""Which array module the kernels use: CuPy on a usable NVIDIA GPU, NumPy otherwise.

Decided once per process. CuPy can be installed on a machine without a GPU, where the
first allocation raises a CUDA runtime error; that must select NumPy, not crash, so the
check allocates a tiny array. ``DEMARCATE_DEVICE=cpu|gpu`` forces the choice; forcing
the GPU where none is usable is an error that says why.

Kernels never consult the choice themselves: they run on the module their input arrays
belong to (:func:`get_array_module`). Tools move arrays with :func:`to_device` when a
tool starts and :func:`to_host` when its result lands, and only the bounding box of a
preview travels back (:func:`crop_to_bounding_box`), so a click does not copy a volume
over the bus twice.
"""

from __future__ import annotations

import functools
import os
import sys
import warnings
from collections.abc import Callable
from types import ModuleType

import numpy as np

DEVICE_ENV = "DEMARCATE_DEVICE"

#: Fraction of the free GPU memory a kernel may plan to use; the rest is headroom for
#: CuPy's memory pool fragmentation and temporaries we do not count exactly.
DEVICE_MEMORY_SHARE = 0.7


class BackendError(RuntimeError):
    """The requested compute device cannot be used."""


def _try_cupy() -> tuple[ModuleType | None, str]:
    """CuPy if a tiny allocation on the GPU works, else None and the reason."""
    try:
        import cupy
    except ImportError:
        return None, "CuPy is not installed (pip install 'demarcate[gpu]')"
    try:
        if not cupy.is_available():
            return None, "CuPy found no usable CUDA device"
        cupy.zeros(1).sum().item()
    except Exception as error:  # noqa: BLE001 - any CUDA failure means: use the CPU
        return None, f"CUDA is not usable ({type(error).__name__}: {error})"
    return cupy, ""


def _requested_device() -> str:
    requested = os.environ.get(DEVICE_ENV, "auto").strip().lower()
    if requested not in ("auto", "cpu", "gpu"):
        raise BackendError(f"{DEVICE_ENV} must be cpu, gpu or auto, not '{requested}'")
    return requested


@functools.cache
def array_module() -> ModuleType:
    """NumPy or CuPy, as chosen by the environment variable or by what works."""
    requested = _requested_device()
    if requested == "cpu":
        return np
    cupy, reason = _try_cupy()
    if cupy is not None:
        return cupy
    if requested == "gpu":
        raise BackendError(f"{DEVICE_ENV}=gpu, but the GPU cannot be used: {reason}")
    return np


def describe_backend() -> dict:
    """What ``demarcate info --system`` reports: backend, and the GPU when there is one.

    Keys: ``backend`` ("numpy", "cupy", or "none" with ``error`` when the forced
    choice is impossible); for NumPy ``why_not_gpu``; for CuPy ``gpu`` (device name),
    ``gpu_memory_total_bytes`` and ``gpu_memory_free_bytes``.
    """
    try:
        module = array_module()
    except BackendError as error:
        return {"backend": "none", "error": str(error)}
    if module is np:
        if _requested_device() == "cpu":
            reason = f"{DEVICE_ENV}=cpu"
        else:
            reason = _try_cupy()[1]
        return {"backend": "numpy", "numpy": np.__version__, "why_not_gpu": reason}
    free, total = module.cuda.runtime.memGetInfo()
    properties = module.cuda.runtime.getDeviceProperties(module.cuda.Device().id)
    name = properties["name"]
    return {
        "backend": "cupy",
        "cupy": module.__version__,
        "gpu": name.decode() if isinstance(name, bytes) else str(name),
        "gpu_memory_total_bytes": int(total),
        "gpu_memory_free_bytes": int(free),
    }


def get_array_module(array) -> ModuleType:
    """The module (NumPy or CuPy) that owns ``array``; kernels follow their input."""
    cupy = sys.modules.get("cupy")
    if cupy is not None and isinstance(array, cupy.ndarray):
        return cupy
    return np


def ndimage_module(xp: ModuleType) -> ModuleType:
    """``scipy.ndimage`` for NumPy, ``cupyx.scipy.ndimage`` (same API) for CuPy."""
    if xp is np:
        from scipy import ndimage
    else:
        from cupyx.scipy import ndimage
    return ndimage


def to_device(array) -> object:
    """``array`` on the chosen backend (a no-op copy-free view on NumPy)."""
    return array_module().asarray(array)


def to_host(array) -> np.ndarray:
    """A NumPy array from either backend (tool boundaries move data only here)."""
    return array.get() if hasattr(array, "get") else np.asarray(array)


def free_device_bytes() -> int | None:
    """Free GPU memory in bytes, or None when the kernels run on the CPU."""
    module = array_module()
    if module is np:
        return None
    free, _ = module.cuda.runtime.memGetInfo()
    return int(free) + int(module.get_default_memory_pool().free_bytes())


def bounding_box(mask) -> tuple[slice, ...] | None:
    """Slices of the smallest box holding every nonzero element of ``mask``; None if empty.

    Works on either backend and reads the mask once per axis through ``any`` on the
    other axes, which is cheaper than ``nonzero`` for large, dense masks.
    """
    xp = get_array_module(mask)
    box = []
    for axis in range(mask.ndim):
        others = tuple(a for a in range(mask.ndim) if a != axis)
        hits = xp.flatnonzero(mask.any(axis=others) if others else mask)
        if hits.size == 0:
            return None
        box.append(slice(int(hits[0]), int(hits[-1]) + 1))
    return tuple(box)


def crop_to_bounding_box(mask) -> tuple[np.ndarray, tuple[slice, ...]] | None:
    """The host copy of ``mask`` cropped to its bounding box, and the box; None if empty.

    This is how a preview travels back from the GPU: only the box crosses the bus.
    """
    box = bounding_box(mask)
    if box is None:
        return None
    return to_host(mask[box]), box


def map_slabs(kernel: Callable, volume_zyx, halo_z: int, bytes_per_voxel: float,
              free_bytes: int | None = None):
    """Apply a *local* kernel to a volume on the GPU, in Z slabs that fit in memory.

    ``kernel`` maps a NumPy or CuPy (z, y, x) array to an array of the same shape and
    must only look ``halo_z`` slices up and down (a 3x3x3 median needs 1). The host
    volume is cut into slabs of as many slices as ``bytes_per_voxel`` (input, output and
    temporaries of the kernel together) allows in the free device memory, each slab is
    sent with its halo, and the slab's own slices come back. With no GPU, or when even a
    single slice with its halo does not fit, the kernel runs on the host array in one
    go (with a warning in the latter case): slower, never an out-of-memory crash.
    """
    free = free_device_bytes() if free_bytes is None else free_bytes
    if free is None:
        return kernel(volume_zyx)
    volume_zyx = to_host(volume_zyx)
    depth, rows, cols = volume_zyx.shape
    slice_bytes = rows * cols * bytes_per_voxel
    slab = int(free * DEVICE_MEMORY_SHARE // slice_bytes) - 2 * halo_z
    if slab < 1:
        warnings.warn("volume slices do not fit in GPU memory; running on the CPU",
                      RuntimeWarning, stacklevel=2)
        return kernel(volume_zyx)
    pieces = []
    for start in range(0, depth, slab):
        stop = min(depth, start + slab)
        low, high = max(0, start - halo_z), min(depth, stop + halo_z)
        result = kernel(to_device(volume_zyx[low:high]))
        pieces.append(to_host(result[start - low: start - low + stop - start]))
    return np.concatenate(pieces)


def device_or_host(volume, bytes_per_voxel: float, free_bytes: int | None = None):
    """``volume`` on the GPU if a *global* kernel needing ``bytes_per_voxel`` fits, else
    on the host (with a warning when a GPU is there but too small).

    Global kernels (components, distance transforms, GrowCut) cannot run in slabs, so a
    volume too large for the GPU falls back to the CPU path instead of crashing.
    """
    free = free_device_bytes() if free_bytes is None else free_bytes
    if free is None:
        return to_host(volume)
    if volume.size * bytes_per_voxel > free * DEVICE_MEMORY_SHARE:
        warnings.warn(f"{volume.nbytes / 2**20:.0f} MiB volume does not fit in GPU memory; "
                      "running on the CPU", RuntimeWarning, stacklevel=2)
        return to_host(volume)
    return to_device(volume)
