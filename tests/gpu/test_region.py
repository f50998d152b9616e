"""Region growing and connected components against SimpleITK, skimage and scipy."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from scipy import ndimage

from demarcate.gpu.components import component_at, label_components
from demarcate.gpu.region import _grow_by_labelling, majority_2d, region_grow, structure

from ._volumes import ct_like, real_image

SEEDS = [(8, 15, 17), (20, 35, 40), (0, 0, 0)]


def labelling_reference(image, seeds, lower, upper, connectivity):
    """scipy: label the thresholded image, keep the components that hold a seed."""
    labels, _ = ndimage.label((image >= lower) & (image <= upper),
                              structure(image.ndim, connectivity))
    hit = {labels[tuple(s)] for s in seeds} - {0}
    return np.isin(labels, list(hit))


@pytest.fixture(params=["fill", "labelling"])
def grow_path(request, monkeypatch):
    """Run region growing as a flood fill only, or hand over to labelling at once."""
    import demarcate.gpu.region as module

    monkeypatch.setattr(module, "FILL_BUDGET_SHARE", 1.0 if request.param == "fill" else 0.0)
    return request.param


@pytest.mark.parametrize("connectivity", [6, 18, 26])
@pytest.mark.parametrize("lower, upper", [(200, 2000), (-150, 150), (-3000, 3000)])
def test_3d_equals_labelling_reference(connectivity, lower, upper, grow_path):
    image = ct_like()
    ours = region_grow(image, SEEDS, lower, upper, connectivity)
    assert np.array_equal(ours, labelling_reference(image, SEEDS, lower, upper, connectivity))
    alone = _grow_by_labelling(image, np.array(SEEDS), lower, upper, connectivity)
    assert np.array_equal(ours, alone)


@pytest.mark.parametrize("connectivity", [4, 8])
def test_2d_paths_equal_labelling_reference(connectivity, grow_path):
    plane = ct_like()[10]
    seeds = [(15, 17), (30, 5)]
    ours = region_grow(plane, seeds, -150, 150, connectivity)
    assert np.array_equal(ours, labelling_reference(plane, seeds, -150, 150, connectivity))


@pytest.mark.parametrize("full", [False, True])
def test_3d_equals_simpleitk_connected_threshold(full):
    image = ct_like()
    ours = region_grow(image, SEEDS[:2], -150, 150, 26 if full else 6)
    peer = sitk.ConnectedThreshold(sitk.GetImageFromArray(image), [s[::-1] for s in SEEDS[:2]],
                                   -150, 150, 1, sitk.ConnectedThresholdImageFilter.FullConnectivity
                                   if full else sitk.ConnectedThresholdImageFilter.FaceConnectivity)
    assert np.array_equal(ours, sitk.GetArrayFromImage(peer).astype(bool))


@pytest.mark.parametrize("connectivity", [4, 8])
def test_2d_equals_skimage_flood(connectivity):
    from skimage.segmentation import flood

    plane = ct_like()[10].astype(np.float32)
    seed = (15, 17)
    lower, upper = plane[seed] - 150, plane[seed] + 150
    expected = flood(((plane >= lower) & (plane <= upper)).astype(np.uint8), seed,
                     connectivity=connectivity // 4)
    assert np.array_equal(region_grow(plane, seed, lower, upper, connectivity), expected)


def test_seed_outside_interval_grows_nothing_and_bad_connectivity_is_refused():
    image = ct_like()
    value = int(image[SEEDS[0]])
    assert not region_grow(image, SEEDS[0], value + 1, value + 100).any()
    with pytest.raises(ValueError, match="connectivity"):
        region_grow(image, SEEDS[0], 0, 1, 4)


def test_real_mr_region_equals_simpleitk():
    image, _ = real_image("mr/brain1_image.nrrd")
    seed = tuple(int(n // 2) for n in image.shape)
    value = int(image[seed])
    peer = sitk.ConnectedThreshold(sitk.GetImageFromArray(image), [seed[::-1]],
                                   value - 60, value + 60)
    assert np.array_equal(region_grow(image, seed, value - 60, value + 60),
                          sitk.GetArrayFromImage(peer).astype(bool))


def test_majority_2d_is_a_5x5_vote():
    rng = np.random.default_rng(0)
    mask = rng.random((30, 40)) > 0.45
    counts = ndimage.uniform_filter(mask.astype(float), 5, mode="constant") * 25
    assert np.array_equal(majority_2d(mask), np.rint(counts) >= 13)


@pytest.mark.parametrize("connectivity", [6, 18, 26])
def test_components_equal_scipy_label_exactly(connectivity):
    mask = ct_like() > 150
    labels, count = label_components(mask, connectivity)
    expected, expected_count = ndimage.label(mask, structure(3, connectivity))
    assert count == expected_count
    assert np.array_equal(labels, expected)


def test_components_2d_and_real_segmentation():
    seg, _ = real_image("ct/example_seg.nii.gz")
    mask = seg > 0
    labels, count = label_components(mask)
    expected, expected_count = ndimage.label(mask)
    assert count == expected_count and np.array_equal(labels, expected)
    plane_labels, _ = label_components(mask[15], 8)
    assert np.array_equal(plane_labels, ndimage.label(mask[15], np.ones((3, 3)))[0])


def test_component_at_picks_the_clicked_island():
    mask = ct_like() > 150
    labels, _ = ndimage.label(mask)
    click = tuple(int(i) for i in np.argwhere(labels == 1)[0])
    assert np.array_equal(component_at(mask, click), labels == 1)
    seg = np.zeros((3, 5, 5), np.uint16)
    seg[1, 1:3, 1:3] = 7
    seg[1, 4, 4] = 7
    assert component_at(seg, (1, 1, 1)).sum() == 4
