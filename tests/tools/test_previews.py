"""Previews as the views ask for them: the part of a 2D or 3D preview on one slice."""

from __future__ import annotations

import numpy as np

from demarcate.tools.base import SlicePreview, VolumePreview


def test_a_slice_preview_is_only_on_its_slice():
    mask = np.ones((4, 5), bool)
    preview = SlicePreview(1, 7, mask)
    assert preview.crosses(1, 7) and not preview.crosses(0, 7) and not preview.crosses(1, 6)
    assert preview.mask_on(1, 7, (9, 9, 9)) is mask
    assert preview.mask_on(2, 7, (9, 9, 9)) is None


def test_a_volume_preview_is_cut_into_full_size_planes_of_each_orientation():
    regions = np.zeros((2, 3, 4), np.uint8)
    regions[0, 1, 2] = 1
    regions[1, :, :] = 2  # a second region
    preview = VolumePreview(regions, (slice(5, 7), slice(1, 4), slice(3, 7)))
    axial = preview.mask_on(0, 5, (10, 8, 9))
    assert axial.shape == (8, 9) and axial[2, 5] == 1 and axial.sum() == 1
    assert (preview.mask_on(0, 6, (10, 8, 9))[1:4, 3:7] == 2).all()
    coronal = preview.mask_on(1, 2, (10, 8, 9))
    assert coronal.shape == (10, 9) and coronal[5, 5] == 1 and coronal[6, 3] == 2
    sagittal = preview.mask_on(2, 5, (10, 8, 9))
    assert sagittal.shape == (10, 8) and sagittal[5, 2] == 1
    assert preview.mask_on(0, 7, (10, 8, 9)) is None and not preview.crosses(2, 2)
