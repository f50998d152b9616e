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
