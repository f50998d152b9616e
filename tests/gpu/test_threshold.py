"""Threshold, histogram and percentiles against the NumPy expressions they replace."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from demarcate.gpu.threshold import histogram, percentiles, threshold

from ._volumes import ct_like, real_image


@pytest.mark.parametrize("lower, upper", [(-100, 250), (10.5, 20.5), (-1e9, 1e9), (5, 4),
                                          (40000, 50000), (-50, np.inf)])
def test_threshold_equals_numpy_expression_on_int16(lower, upper):
    image = ct_like()
    expected = (image >= lower) & (image <= upper)
    assert np.array_equal(threshold(image, lower, upper), expected)


def test_threshold_reuses_out_and_handles_float_nan():
    image = ct_like().astype(np.float32)
    image[0, 0, :3] = np.nan
    out = np.ones(image.shape, bool)
    result = threshold(image, 12.25, 300.0, out=out)
    assert result is out
    assert np.array_equal(out, (image >= 12.25) & (image <= 300.0))
    assert not out[0, 0, :3].any()


def test_single_threshold_is_greater_or_equal():
    image = np.arange(10, dtype=np.uint8).reshape(1, 2, 5)
    assert np.array_equal(threshold(image, 7), image >= 7)


@settings(max_examples=40, deadline=None)
@given(arrays(np.int16, (3, 4, 5)), st.integers(-40000, 40000), st.integers(-40000, 40000))
def test_threshold_property(image, lower, upper):
    assert np.array_equal(threshold(image, lower, upper), (image >= lower) & (image <= upper))


def test_histogram_equals_numpy():
    image = ct_like()
    counts, edges = histogram(image, 128)
    expected, expected_edges = np.histogram(image, 128)
    assert np.array_equal(counts, expected)
    assert np.allclose(edges, expected_edges)


def test_percentiles_are_exact_voxel_values():
    image = ct_like()
    qs = [0, 0.5, 25, 50, 99.5, 100]
    assert np.array_equal(percentiles(image, qs), np.percentile(image, qs, method="inverted_cdf"))
    floats = image.astype(np.float32) / 7
    assert np.allclose(percentiles(floats, qs), np.percentile(floats, qs, method="inverted_cdf"))


def test_threshold_on_real_ct():
    image, _ = real_image("ct/example_ct_sm.nii.gz")
    assert np.array_equal(threshold(image, -200, 300), (image >= -200) & (image <= 300))


@pytest.fixture(params=["serial", "parallel"])
def pass_kind(request, monkeypatch):
    """Run the kernels on the calling thread, or split over numba's threads even for a
    small test array, so both code paths are checked against the reference."""
    import demarcate.gpu.threshold as module

    if request.param == "parallel":
        monkeypatch.setattr(module, "PARALLEL_MIN_VOXELS", 1)
    return request.param


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.uint16, np.bool_])
def test_value_counts_equal_unique_counts(dtype, pass_kind):
    from demarcate.gpu.threshold import distinct_values, value_counts

    rng = np.random.default_rng(3)
    info = np.iinfo(dtype) if dtype != np.bool_ else np.iinfo(np.uint8)
    image = rng.integers(info.min, min(info.max, 1) if dtype == np.bool_ else info.max,
                         (7, 9, 11), endpoint=True).astype(dtype)
    counts, first = value_counts(image)
    values, expected = np.unique(image, return_counts=True)
    assert np.array_equal(np.flatnonzero(counts) + first, values.astype(np.int64))
    assert np.array_equal(counts[counts > 0], expected)
    assert np.array_equal(distinct_values(image), values.astype(np.int64))


def test_value_counts_refuses_wide_types():
    from demarcate.gpu.threshold import distinct_values, value_counts

    with pytest.raises(TypeError, match="16 bits"):
        value_counts(np.zeros(3, np.int32))
    with pytest.raises(TypeError, match="16 bits"):
        distinct_values(np.zeros(3, np.float32))


@pytest.mark.parametrize("dtype", [np.int16, np.uint8, np.float32])
def test_histogram_and_threshold_equal_numpy_on_both_paths(dtype, pass_kind):
    image = ct_like()
    image = (image // 8 + 100).clip(0, 255).astype(dtype) if dtype == np.uint8 else \
        image.astype(dtype)
    for bins, value_range in ((128, None), (37, (-100.0, 90.5))):
        counts, edges = histogram(image, bins, value_range)
        expected, expected_edges = np.histogram(image, bins, range=value_range)
        assert np.array_equal(counts, expected)
        assert np.allclose(edges, expected_edges)
    assert np.array_equal(threshold(image, 20, 120), (image >= 20) & (image <= 120))
    qs = [0, 3, 50, 97.5, 100]
    assert np.array_equal(percentiles(image, qs), np.percentile(image, qs, method="inverted_cdf"))
