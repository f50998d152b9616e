"""Region growing 2D on a synthetic slice and a real CT slice."""

from __future__ import annotations

import numpy as np
import SimpleITK as sitk

from demarcate.tools.region_growing import RegionGrowing, grow_region
from demarcate.tools.slicing import SlicePosition

from ..model.helpers import make_document


def test_grows_the_bright_square_only():
    plane = np.zeros((40, 40), np.float32)
    plane[10:30, 10:30] = 100
    plane[5, 5] = 100  # a bright pixel not connected to the square
    region = grow_region(plane, (20, 20), 90, 110)
    square = np.zeros_like(region)
    square[10:30, 10:30] = True
    assert not (region & ~square).any()  # nothing outside, the lone pixel excluded
    assert region[11:29, 11:29].all()  # the 5x5 majority only rounds the corners
    assert region.sum() >= 400 - 4 * 3


def test_seed_outside_range_grows_nothing():
    plane = np.zeros((10, 10), np.float32)
    assert not grow_region(plane, (5, 5), 10, 20).any()


def test_drag_up_widens_and_confirm_writes_one_step(shared_data):
    image = sitk.GetArrayFromImage(sitk.ReadImage(str(shared_data / "ct/example_ct_sm.nii.gz")))
    document = make_document(image.shape, labels_per_group=1)
    position = SlicePosition(0, 15)
    tool = RegionGrowing.start(document, image, position, (60, 40), window_width=400)
    first = tool.preview.sum()
    wider = tool.drag(offset_up=80, offset_right=0).sum()
    assert wider >= first > 0
    assert tool.confirm(document, position) == wider
    assert document.history.undo_depth == 1
