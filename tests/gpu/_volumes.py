"""Small synthetic volumes and the real-data location shared by the kernel tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


def ct_like(shape=(24, 40, 48), seed: int = 0) -> np.ndarray:
    """int16 smoothed noise with one bright and one dark box: a tiny CT stand-in."""
    rng = np.random.default_rng(seed)
    image = ndimage.gaussian_filter(rng.normal(0.0, 300.0, shape), 1.5)
    depth, height, width = shape
    image[depth // 4: depth // 2, height // 4: height // 2, width // 4: width // 2] += 800
    image[depth // 2:, height // 2:, width // 2:] -= 500
    return image.astype(np.int16)


def real_image(relative: str) -> tuple[np.ndarray, tuple[float, ...]]:
    """A volume of shared/data as a (z, y, x) array and its spacing; skips if absent."""
    import SimpleITK as sitk

    path = DATA / relative
    if not path.exists():
        pytest.skip(f"real test data not found: shared/data/{relative}")
    image = sitk.ReadImage(str(path))
    return sitk.GetArrayFromImage(image), tuple(image.GetSpacing()[::-1])
