"""Signed distance maps against SimpleITK's Maurer filter, and shape-based interpolation."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import ndimage

from demarcate.gpu.distance import (
    edge_distance,
    interpolate_masks,
    interpolate_series,
    signed_distance,
)

from ._volumes import ct_like, real_image


@pytest.fixture(autouse=True, params=["calling thread", "parallel"])
def pass_kind(request, monkeypatch):
    """Run the distance passes on the calling thread, or split over numba's threads even
    for the small test masks, so both code paths are checked against the peers."""
    import demarcate.gpu.distance as module

    monkeypatch.setattr(module, "PARALLEL_MIN_VOXELS", 1 if request.param == "parallel"
                        else 1 << 40)
    return request.param


def maurer(mask, spacing):
    image = sitk.GetImageFromArray(mask.astype(np.uint8))
    image.SetSpacing(tuple(float(s) for s in spacing[::-1]))
    return sitk.GetArrayFromImage(sitk.SignedMaurerDistanceMap(
        image, insideIsPositive=False, squaredDistance=False, useImageSpacing=True))


@pytest.mark.parametrize("spacing", [(1.0, 1.0, 1.0), (2.5, 0.8, 0.7)])
def test_3d_equals_simpleitk(spacing):
    mask = ct_like() > 100
    assert np.abs(signed_distance(mask, spacing) - maurer(mask, spacing)).max() < 1e-3


def test_2d_equals_simpleitk_and_touches_border():
    mask = ct_like()[6] > 0
    mask[:, :3] = True
    assert np.abs(signed_distance(mask, (0.8, 0.6)) - maurer(mask, (0.8, 0.6))).max() < 1e-3


def test_agrees_with_scipy_edt_within_one_voxel_diagonal():
    """scipy measures inside voxels to the background, we (and ITK) to the contour."""
    mask = ct_like(seed=2) > 50
    inside = ndimage.distance_transform_edt(mask)
    outside = ndimage.distance_transform_edt(~mask)
    assert np.abs(signed_distance(mask) - np.where(mask, -inside, outside)).max() <= 3**0.5 + 1e-6


def test_real_segmentation_label_equals_simpleitk():
    seg, spacing = real_image("ct/example_seg.nii.gz")
    mask = seg == np.bincount(seg.ravel())[1:].argmax() + 1
    assert np.abs(signed_distance(mask, spacing) - maurer(mask, spacing)).max() < 1e-3


def test_empty_and_full_masks():
    assert np.all(signed_distance(np.zeros((4, 5), bool)) == np.inf)
    assert np.all(signed_distance(np.ones((2, 4, 5), bool)) == -np.inf)


def test_interpolation_reproduces_ends_and_morphs_between():
    yy, xx = np.ogrid[:64, :64]
    lower = (yy - 20) ** 2 + (xx - 20) ** 2 < 100
    upper = (yy - 28) ** 2 + (xx - 30) ** 2 < 144
    assert np.array_equal(interpolate_masks(lower, upper, 0.0), lower)
    assert np.array_equal(interpolate_masks(lower, upper, 1.0), upper)
    middle = interpolate_masks(lower, upper, 0.5, (0.7, 0.7))
    centre = np.argwhere(middle).mean(axis=0)
    assert np.allclose(centre, (24, 25), atol=1.5)
    assert 0.6 * lower.sum() < middle.sum() < upper.sum()
    with pytest.raises(ValueError, match="non-empty"):
        interpolate_masks(lower, np.zeros_like(lower), 0.5)


@pytest.mark.parametrize("ratio", [0.2, 0.5, 0.9])
def test_interpolation_on_the_box_equals_the_whole_slice(ratio):
    """Cropping to the masks' box changes nothing, also where a shape touches the border
    or the two shapes are far apart."""
    rng = np.random.default_rng(int(ratio * 10))
    for _ in range(5):
        lower = np.zeros((70, 90), bool)
        upper = np.zeros((70, 90), bool)
        for mask in (lower, upper):
            y, x = rng.integers(0, 60), rng.integers(0, 80)
            mask[y:y + rng.integers(3, 25), x:x + rng.integers(3, 25)] = True
            mask[rng.integers(0, 70, 6), rng.integers(0, 90, 6)] = True
        expected = (edge_distance(lower, (0.7, 0.9)) * (1 - ratio)
                    + edge_distance(upper, (0.7, 0.9)) * ratio) <= 0
        assert np.array_equal(interpolate_masks(lower, upper, ratio, (0.7, 0.9)), expected)


@pytest.mark.parametrize("spacing", [(1.0, 1.0), (0.7, 0.9)])
def test_edge_distance_puts_the_boundary_half_way_between_pixels(spacing):
    mask = ct_like()[6] > 0
    inside = ndimage.distance_transform_edt(mask, sampling=spacing)
    outside = ndimage.distance_transform_edt(~mask, sampling=spacing)
    half = min(spacing) / 2
    expected = np.where(mask, half - inside, outside - half)
    assert np.abs(edge_distance(mask, spacing) - expected).max() < 1e-4
    assert np.all(edge_distance(np.zeros((4, 5), bool)) == np.inf)
    assert np.all(edge_distance(np.ones((4, 5), bool)) == -np.inf)


def test_a_series_equals_one_mask_at_a_time():
    yy, xx = np.ogrid[:40, :50]
    lower, upper = (yy - 15) ** 2 + (xx - 15) ** 2 < 60, (yy - 22) ** 2 + (xx - 30) ** 2 < 90
    series = interpolate_series(lower, upper, [0.25, 0.5, 0.75], (0.8, 0.6))
    for ratio, mask in zip([0.25, 0.5, 0.75], series, strict=True):
        assert np.array_equal(mask, interpolate_masks(lower, upper, ratio, (0.8, 0.6)))
