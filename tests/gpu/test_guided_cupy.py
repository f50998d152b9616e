"""The image-aware mode and the scribbles' implied background on CuPy against NumPy;
skipped where no usable NVIDIA GPU exists."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.gpu import backend
from demarcate.gpu.guided_segmentation import segment_from_contours
from demarcate.gpu.scribble_seeds import implied_background, keep_seeded, region_of_interest

from .test_guided_segmentation import contours, dice, noisy_blob

_, WHY_NOT = backend._try_cupy()
pytestmark = pytest.mark.skipif(bool(WHY_NOT), reason=f"no usable GPU: {WHY_NOT}")


def test_segment_from_contours_on_gpu_matches_the_cpu():
    import cupy

    image, blob, _ = noisy_blob()
    axes, indices, masks = contours(blob, ((0, 16), (1, 20), (2, 18)))
    on_cpu = segment_from_contours(image, axes, indices, masks, (1.0, 1.0, 1.0),
                                   shape_prior=blob)
    on_gpu = segment_from_contours(cupy.asarray(image), axes, indices,
                                   [cupy.asarray(m) for m in masks], (1.0, 1.0, 1.0),
                                   shape_prior=cupy.asarray(blob))
    # Smoothing in float32 on either device may move a path cost by one level.
    assert dice(on_gpu.get(), on_cpu) >= 0.99


def test_implied_background_and_cleanup_on_gpu_match_the_cpu():
    import cupy

    image, blob, _ = noisy_blob()
    seeds = np.zeros(blob.shape, bool)
    seeds[16, 18:21, 15:20] = True
    box = region_of_interest(seeds, (1.0, 1.0, 1.0), 8.0)
    assert region_of_interest(cupy.asarray(seeds), (1.0, 1.0, 1.0), 8.0) == box
    image = image.astype(np.float32)
    expected = implied_background(image, seeds, box, 10.0)
    found = implied_background(cupy.asarray(image), cupy.asarray(seeds), box, 10.0)
    assert np.array_equal(found.get(), expected)
    assert np.array_equal(keep_seeded(cupy.asarray(blob), cupy.asarray(seeds)).get(),
                          keep_seeded(blob, seeds))
