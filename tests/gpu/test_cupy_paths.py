"""CuPy paths against the NumPy reference; skipped where no usable NVIDIA GPU exists."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.gpu import backend

from ._volumes import ct_like

_, WHY_NOT = backend._try_cupy()
pytestmark = pytest.mark.skipif(bool(WHY_NOT), reason=f"no usable GPU: {WHY_NOT}")


@pytest.fixture
def pair():
    import cupy

    image = ct_like()
    return image, cupy.asarray(image)


def test_threshold_otsu_region_components_on_gpu(pair):
    from demarcate.gpu.components import label_components
    from demarcate.gpu.otsu import otsu_regions, otsu_thresholds
    from demarcate.gpu.region import region_grow
    from demarcate.gpu.threshold import threshold

    image, device = pair
    assert np.array_equal(threshold(device, -50, 300).get(), threshold(image, -50, 300))
    thresholds = otsu_thresholds(image, 3)
    assert np.abs(otsu_thresholds(device, 3) - thresholds).max() <= np.ptp(image) / 128
    assert np.array_equal(otsu_regions(device, thresholds).get(), otsu_regions(image, thresholds))
    seeds = [(8, 15, 17)]
    assert np.array_equal(region_grow(device, seeds, -150, 150, 26).get(),
                          region_grow(image, seeds, -150, 150, 26))
    assert np.array_equal(label_components(device > 150, 26)[0].get(),
                          label_components(image > 150, 26)[0])


def test_distance_morphology_growcut_on_gpu(pair):
    from demarcate.gpu.distance import signed_distance
    from demarcate.gpu.growcut import growcut
    from demarcate.gpu.morphology import fill_holes, median3

    image, device = pair
    mask = image > 100
    assert np.abs(signed_distance(device > 100, (2.0, 1.0, 1.0)).get()
                  - signed_distance(mask, (2.0, 1.0, 1.0))).max() < 1e-3
    assert np.array_equal(fill_holes(device > 100).get(), fill_holes(mask))
    assert np.array_equal(median3(device > 100).get(), median3(mask))
    seeds = np.zeros(image.shape, np.uint8)
    seeds[9, 15, 17], seeds[1, :, 2] = 1, 2
    import cupy

    on_gpu = growcut(device, cupy.asarray(seeds)).labels.get()
    assert np.array_equal(on_gpu, growcut(image, seeds).labels)
