"""2D tools on synthetic slices in each orientation: exact voxels, locks, undo."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.tools.brush import BrushStroke, capsule
from demarcate.tools.contour import apply_contour, polygon_mask
from demarcate.tools.region_tools import close, erase, fill
from demarcate.tools.slicing import SlicePosition, label_plane

from ..model.helpers import assert_same, make_document, snapshot

AXES = [0, 1, 2]


def empty_document(shape=(12, 14, 16)):
    document = make_document(shape, labels_per_group=3)
    document.segmentation.active_label_value = 1
    return document


def plane(document, position):
    return label_plane(document.segmentation, 0, position)


@pytest.mark.parametrize("axis", AXES)
def test_paint_stroke_has_no_gaps_and_is_one_undo_step(axis):
    document = empty_document()
    before = snapshot(document)
    position = SlicePosition(axis, 5)
    stroke = BrushStroke(document, position, radius=1.5)
    stroke.to((5, 1))
    stroke.to((5, 10))  # one far jump, like a fast mouse
    stroke.finish()
    painted = plane(document, position)
    assert (painted[5, 1:11] == 1).all()
    assert document.history.undo_depth == 1
    others = document.segmentation.groups[0].array[0].copy()
    index = [slice(None)] * 3
    index[axis] = 5
    others[tuple(index)] = 0
    assert not others.any(), "only the stroke's slice changes"
    document.undo()
    assert_same(snapshot(document), before)


def test_wipe_clears_only_the_active_label():
    document = empty_document()
    position = SlicePosition(0, 3)
    plane(document, position)[:, :] = 2
    plane(document, position)[:, :8] = 1
    stroke = BrushStroke(document, position, radius=20, erase=True)
    stroke.to((6, 6))
    stroke.finish()
    result = plane(document, position)
    assert not (result == 1).any() and (result[:, 8:] == 2).all()


def test_capsule_is_a_disk_for_a_click():
    mask, offset = capsule((10, 10), (10, 10), 3)
    assert offset == (7, 7) and mask.sum() == 29 and mask[3, 3]


@pytest.mark.parametrize("axis", AXES)
def test_add_square_respects_locked_neighbour(axis):
    document = empty_document()
    position = SlicePosition(axis, 4)
    plane(document, position)[:, 6:] = 2  # locked label 2 (odd values are locked)
    document.segmentation.label(2).locked = True
    apply_contour(document, position, [(1, 1), (1, 9), (9, 9), (9, 1)])
    result = plane(document, position)
    assert (result[1:10, 1:6] == 1).all()
    assert (result[:, 6:] == 2).all()
    apply_contour(document, position, [(1, 1), (1, 3), (3, 3), (3, 1)], subtract=True)
    assert (result[1:4, 1:4] == 0).all() and result[5, 5] == 1
    assert document.history.undo_depth == 2


def test_polygon_mask_includes_outline_and_inside():
    mask = polygon_mask([(0, 0), (0, 4), (4, 4), (4, 0)], (6, 6))
    assert mask[:5, :5].all() and not mask[5].any()


@pytest.mark.parametrize("axis", AXES)
def test_fill_fills_exactly_the_hole(axis):
    document = empty_document()
    position = SlicePosition(axis, 2)
    labels = plane(document, position)
    labels[2:9, 2:9] = 1
    labels[4:7, 4:7] = 0
    fill(document, position, (5, 5))
    assert (labels[2:9, 2:9] == 1).all()
    assert labels.sum() == 49


def test_fill_leaves_locked_regions_and_fills_unlocked_ones():
    document = empty_document()
    position = SlicePosition(0, 2)
    labels = plane(document, position)
    labels[0:3, 0:3] = 3  # label 3 locked
    labels[5:7, 5:7] = 2
    document.segmentation.label(3).locked = True
    document.segmentation.label(2).locked = False
    assert fill(document, position, (1, 1)) == 0
    assert fill(document, position, (5, 5)) == 4
    assert (labels[5:7, 5:7] == 1).all()


def test_erase_removes_only_the_clicked_component_and_clears_slice_on_background():
    document = empty_document()
    position = SlicePosition(1, 3)
    labels = plane(document, position)
    labels[1:3, 1:3] = 1
    labels[6:8, 6:8] = 1
    labels[10:12, 1:3] = 3
    document.segmentation.label(3).locked = True
    erase(document, position, (1, 1))
    assert not labels[1:3, 1:3].any() and (labels[6:8, 6:8] == 1).all()
    erase(document, position, (0, 10))  # background: clear all editable regions
    assert not (labels == 1).any() and (labels[10:12, 1:3] == 3).all()
    assert document.history.undo_depth == 2


def test_close_fills_holes_with_the_clicked_label_but_not_locked_ones():
    document = empty_document()
    position = SlicePosition(2, 5)
    labels = plane(document, position)
    labels[1:10, 1:10] = 2
    labels[3:5, 3:5] = 0
    labels[6:8, 6:8] = 3
    document.segmentation.label(2).locked = False
    document.segmentation.label(3).locked = True
    close(document, position, (1, 1))
    assert (labels[3:5, 3:5] == 2).all()
    assert (labels[6:8, 6:8] == 3).all()
    assert close(document, position, (0, 0)) == 0


def test_controller_routes_mouse_to_tools_and_ctrl_inverts():
    from demarcate.tools.controller import ToolController

    document = empty_document()
    position = SlicePosition(0, 1)
    tools = ToolController()
    assert tools.press(document, position, (3, 3)) == 0  # crosshair mode: nothing
    tools.select("add")
    tools.press(document, position, (1, 1))
    for point in [(1, 8), (8, 8), (8, 1)]:
        tools.drag(point)
    tools.release(document)
    labels = plane(document, position)
    assert (labels[1:9, 1:9] == 1).all()
    tools.press(document, position, (2, 2), ctrl=True)  # Ctrl: subtract
    for point in [(2, 4), (4, 4), (4, 2)]:
        tools.drag(point)
    tools.release(document)
    assert not labels[2:5, 2:5].any()
    tools.select("paint")
    tools.set_option("paint", "radius", 1000)
    assert tools.option("wipe", "radius") == 200  # Paint and Wipe share the brush
    tools.set_option("paint", "radius", 1)
    tools.press(document, position, (6, 6), ctrl=True)  # Ctrl: wipe
    tools.release(document)
    assert labels[6, 6] == 0 and labels[8, 8] == 1
    assert document.history.undo_depth == 3


def test_controller_region_growing_previews_while_dragging_and_writes_on_release():
    from demarcate.tools.controller import ToolController

    document = empty_document((3, 40, 40))
    image = np.zeros((3, 40, 40), np.float32)
    image[1, 10:30, 10:30] = 100
    image[1, 10:30, 30:35] = 130  # brighter rim, joins only when the range widens
    tools = ToolController()
    tools.select("region_growing")
    position = SlicePosition(0, 1)
    tools.press(document, position, (20, 20), image_zyx=image, window_width=200)
    axis, index, first = tools.preview
    assert (axis, index) == (0, 1) and first.sum() > 300 and not first[20, 32]
    tools.drag((0, 20))  # drag up: wider range
    assert tools.preview[2][20, 32]
    tools.release(document)
    assert plane(document, position)[20, 32] == 1 and tools.preview is None
    assert document.history.undo_depth == 1


def test_lasso_polygon_freehand_edit_and_confirm():
    from demarcate.tools.controller import ToolController

    document = empty_document((3, 30, 30))
    position = SlicePosition(0, 1)
    tools = ToolController()
    tools.select("lasso")
    tools.set_option("lasso", "auto_confirm", False)
    tools.press(document, position, (2, 2))  # first click starts the contour
    for corner in [(2, 20), (20, 20)]:
        tools.press(document, position, corner)
        tools.release(document)
    tools.press(document, position, (20, 20))  # a drag: freehand back along the bottom
    for point in [(21, 15), (20, 10), (20, 2)]:
        tools.drag(point)
    tools.release(document)
    assert tools.anchors.freehand == [False, False, True]
    tools.double_click(document, position, (20, 2))
    assert tools.anchors.closed and document.history.undo_depth == 0  # waits for Confirm
    # Edit: drag the first anchor outwards, insert one, delete it again.
    tools.press(document, position, (2, 2))
    tools.drag((1, 1))
    tools.release(document)
    assert tools.anchors.anchors[0] == (1, 1)
    inserted = (tools.press(document, position, (1, 12), ctrl=True), tools.anchors.selected)[1]
    tools.release(document)
    assert tools.anchors.anchors[inserted] == (1, 12)
    assert tools.key(document, "delete")
    assert tools.confirm(document) > 0
    labels = plane(document, position)
    assert labels[10, 10] == 1 and labels[1, 1] == 1 and labels[25, 25] == 0
    assert document.history.undo_depth == 1 and tools.anchors is None


def test_lasso_subtract_mode_with_auto_confirm():
    from demarcate.tools.controller import ToolController

    document = empty_document((3, 30, 30))
    position = SlicePosition(0, 1)
    plane(document, position)[:, :] = 1
    tools = ToolController()
    tools.set_option("lasso", "mode", "subtract")
    tools.select("lasso")
    for point in [(5, 5), (5, 15), (15, 15), (15, 5)]:
        tools.press(document, position, point)
        tools.release(document)
    tools.double_click(document, position, (15, 5))
    labels = plane(document, position)
    assert labels[10, 10] == 0 and labels[20, 20] == 1


def test_live_wire_follows_an_edge_and_closing_adds_the_inside():
    from demarcate.tools.controller import ToolController
    from demarcate.tools.live_wire import LiveWire

    image = np.zeros((3, 40, 40), np.float32)
    image[1, 10:30, 10:30] = 100  # a bright square: its border is the edge to follow
    wire = LiveWire(image[1])
    wire.set_anchor((10, 10))
    path = wire.path_to((10, 29))
    rows = [r for r, _ in path]
    assert max(abs(r - 10) for r in rows) <= 1, "the path should run along the top edge"

    document = empty_document((3, 40, 40))
    position = SlicePosition(0, 1)
    tools = ToolController()
    tools.select("live_wire")
    for corner in [(10, 10), (10, 29), (29, 29), (29, 10)]:
        tools.press(document, position, corner, image_zyx=image)
        tools.release(document)
    tools.hover((20, 12))
    assert tools.outline[1][-1] == (20.0, 12.0)
    tools.double_click(document, position, (29, 10))
    labels = plane(document, position)
    assert labels[20, 20] == 1 and labels[5, 5] == 0
    assert abs(int((labels == 1).sum()) - 400) < 60


def test_tools_on_a_2d_image_and_on_one_time_step_of_3d_plus_t():
    from demarcate.tools.controller import ToolController

    flat = make_document((1, 20, 20), labels_per_group=1)  # a 2D image is one slice
    tools = ToolController()
    tools.select("paint")
    tools.set_option("paint", "radius", 3)
    tools.press(flat, SlicePosition(0, 0), (10, 10))
    tools.release(flat)
    assert flat.segmentation.groups[0].array[0, 0, 10, 10] == 1

    dynamic = make_document((4, 20, 20), labels_per_group=1, time_steps=3)
    tools.select("fill")
    tools.press(dynamic, SlicePosition(1, 5, time_step=2), (1, 1))
    array = dynamic.segmentation.groups[0].array
    assert (array[2, :, 5, :] == 1).all()
    assert not array[:2].any() and (array[2] == 1).sum() == 4 * 20


def test_live_wire_anchors_can_be_moved_before_confirming():
    from demarcate.tools.controller import ToolController

    image = np.zeros((3, 40, 40), np.float32)
    image[1, 10:30, 10:30] = 100
    document = empty_document((3, 40, 40))
    position = SlicePosition(0, 1)
    tools = ToolController()
    tools.set_option("live_wire", "auto_confirm", False)
    tools.select("live_wire")
    for corner in [(10, 10), (10, 29), (25, 29), (29, 10)]:
        tools.press(document, position, corner, image_zyx=image)
        tools.release(document)
    tools.double_click(document, position, (29, 10))
    assert tools.anchors.closed and document.history.undo_depth == 0
    tools.press(document, position, (25, 29), image_zyx=image)  # grab the third anchor
    tools.drag((29, 29))
    tools.release(document)
    assert tools.anchors.anchors[2] == (29, 29)
    assert tools.confirm(document) > 0
    labels = plane(document, position)
    assert labels[28, 27] == 1 and labels[20, 20] == 1


def test_a_lasso_drag_as_the_very_first_action_draws_a_freehand_segment():
    from demarcate.tools.controller import ToolController

    document = empty_document((3, 30, 30))
    position = SlicePosition(0, 1)
    tools = ToolController()
    tools.select("lasso")
    tools.press(document, position, (5, 5))
    for point in [(5, 10), (10, 15), (15, 15)]:
        tools.drag(point)
    tools.release(document)
    assert tools.anchors.anchors == [(5, 5), (15, 15)]
    assert tools.anchors.freehand == [True] and tools.anchors.inner[0] == [(5, 10), (10, 15)]
