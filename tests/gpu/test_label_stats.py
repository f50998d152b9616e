"""The fused per-label pass against the NumPy expressions it replaces."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.gpu import threshold
from demarcate.gpu.label_stats import label_moments

from ._volumes import ct_like


def labels_like(shape, seed: int = 1) -> np.ndarray:
    """Blocks of values 0..6 with some noise, and no voxel of value 5."""
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 7, size=tuple(-(-n // 6) for n in shape))
    labels = np.kron(coarse, np.ones((6, 6, 6), int))[tuple(slice(0, n) for n in shape)]
    labels[rng.random(shape) < 0.1] = 0
    labels[labels == 5] = 3
    return labels.astype(np.uint16)


def reference(labels: np.ndarray, image: np.ndarray, value: int) -> tuple:
    """(count, sum, sum of squares, min, max, box low, box high) the NumPy way."""
    inside = labels == value
    values = image[inside].astype(np.float64)
    where = np.argwhere(inside)
    if not values.size:
        return 0, 0.0, 0.0, np.inf, -np.inf, None, None
    return (values.size, values.sum(), (values * values).sum(), values.min(), values.max(),
            where.min(axis=0).tolist(), where.max(axis=0).tolist())


@pytest.mark.parametrize("parallel", [False, True])
@pytest.mark.parametrize("dtype", [np.int16, np.float32])
def test_moments_equal_numpy_per_value(monkeypatch, parallel, dtype):
    if parallel:  # the chunked path on a small volume
        monkeypatch.setattr(threshold, "PARALLEL_MIN_VOXELS", 1)
    image = ct_like().astype(dtype)
    labels = labels_like(image.shape)
    wanted = [1, 2, 3, 5, 6]  # 4 is left out, 5 holds no voxel
    moments = label_moments(labels, image, wanted)
    assert moments.values.tolist() == wanted
    for i, value in enumerate(wanted):
        count, total, squares, low, high, first, last = reference(labels, image, value)
        assert moments.count[i] == count
        assert moments.total[i] == pytest.approx(total, rel=1e-12, abs=1e-6)
        assert moments.squares[i] == pytest.approx(squares, rel=1e-12)
        assert (moments.low[i], moments.high[i]) == (low, high)
        if count:
            assert moments.box_low[i].tolist() == first
            assert moments.box_high[i].tolist() == last


def test_crops_and_unsorted_repeated_values():
    image = ct_like()
    labels = labels_like(image.shape)
    box = (slice(3, 17), slice(5, 30), slice(2, 41))
    moments = label_moments(labels[box], image[box], [3, 1, 3])
    assert moments.values.tolist() == [1, 3]
    assert moments.count.tolist() == [int((labels[box] == v).sum()) for v in (1, 3)]


def test_bad_input_is_refused():
    image = ct_like((4, 5, 6))
    with pytest.raises(ValueError, match="one"):
        label_moments(np.zeros((4, 5, 7), np.uint16), image, [1])
    with pytest.raises(TypeError, match="unsigned"):
        label_moments(np.zeros(image.shape, np.int32), image, [1])
    with pytest.raises(ValueError, match="within"):
        label_moments(np.zeros(image.shape, np.uint16), image, [70000])


def test_nan_voxels_make_the_sum_nan_but_not_the_range():
    image = np.array([[[1.0, np.nan, 3.0]]], np.float32)
    moments = label_moments(np.ones(image.shape, np.uint8), image, [1])
    assert np.isnan(moments.total[0])
    assert (moments.low[0], moments.high[0]) == (1.0, 3.0)
