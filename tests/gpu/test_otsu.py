"""Multiple Otsu thresholds against SimpleITK and scikit-image (within one bin)."""

from __future__ import annotations

import time

import numpy as np
import pytest
import SimpleITK as sitk
from skimage.filters import threshold_multiotsu

from demarcate.gpu.otsu import otsu_regions, otsu_thresholds

from ._volumes import ct_like, real_image


def sitk_thresholds(image, regions, valley_emphasis=False):
    otsu = sitk.OtsuMultipleThresholdsImageFilter()
    otsu.SetNumberOfThresholds(regions - 1)
    otsu.SetNumberOfHistogramBins(128)
    otsu.SetValleyEmphasis(valley_emphasis)
    otsu.Execute(sitk.GetImageFromArray(image))
    return np.array(otsu.GetThresholds())


def bin_width(image):
    return (float(image.max()) - float(image.min())) / 128


@pytest.mark.parametrize("regions", [2, 3, 4])
@pytest.mark.parametrize("valley_emphasis", [False, True])
def test_matches_simpleitk_within_one_bin(regions, valley_emphasis):
    image = ct_like()
    ours = otsu_thresholds(image, regions, 128, valley_emphasis)
    assert np.abs(ours - sitk_thresholds(image, regions, valley_emphasis)).max() <= bin_width(image)


@pytest.mark.parametrize("regions", [2, 3])
def test_matches_skimage_within_one_bin(regions):
    image = ct_like(seed=3)
    ours = otsu_thresholds(image, regions, 128)
    expected = threshold_multiotsu(image, regions, nbins=128)
    assert np.abs(ours - expected).max() <= bin_width(image)


def test_real_ct_matches_simpleitk():
    image, _ = real_image("ct/example_ct_sm.nii.gz")
    ours = otsu_thresholds(image, 3)
    assert np.abs(ours - sitk_thresholds(image, 3)).max() <= bin_width(image)


def test_thirty_two_regions_by_dynamic_programming_is_fast():
    image = ct_like()
    start = time.perf_counter()
    thresholds = otsu_thresholds(image, 32, 128)
    assert time.perf_counter() - start < 1.0
    assert thresholds.size == 31 and np.all(np.diff(thresholds) > 0)


@pytest.mark.parametrize("dtype", [np.int16, np.float32, np.uint16])
@pytest.mark.parametrize("parallel", [False, True])
def test_region_map_is_digitize(dtype, parallel, monkeypatch):
    import demarcate.gpu.threshold as threshold_module

    if parallel:  # split even this small array over the threads
        monkeypatch.setattr(threshold_module, "PARALLEL_MIN_VOXELS", 1)
    image = (ct_like() + 1000).astype(dtype)
    thresholds = otsu_thresholds(image, 4)
    regions = otsu_regions(image, thresholds)
    assert regions.dtype == np.uint8
    assert np.array_equal(regions, np.digitize(image, thresholds))


def test_regions_out_of_range_is_an_error():
    with pytest.raises(ValueError, match="regions"):
        otsu_thresholds(ct_like(), 1)
