"""The session controller: everything the window does, without a window."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.model import Geometry, MaskRegion, ReferenceImage
from demarcate.model.preferences import Preferences
from demarcate.model.session import DOCUMENT_ACTIONS, Session


def make_session(time_steps: int = 1) -> Session:
    session = Session(Preferences())
    array = np.arange(time_steps * 4 * 5 * 6, dtype=np.int16).reshape(time_steps, 4, 5, 6)
    session.add_image(ReferenceImage(array, Geometry((0.5, 0.5, 2.0)), "test image"))
    return session


def test_new_segmentation_starts_with_red_label_1_in_group_0():
    session = make_session()
    document = session.new_segmentation()
    seg = document.segmentation
    assert [g.name for g in seg.groups] == ["Group 0"]
    (label,) = seg.labels
    assert (label.value, label.name, label.color, label.locked) == (1, "Label 1",
                                                                   (1.0, 0.0, 0.0), True)
    assert seg.active_label_value == 1
    assert seg.shape_zyx == (4, 5, 6) and seg.geometry.spacing_xyz == (0.5, 0.5, 2.0)
    assert document.history.undo_depth == 0 and not document.modified


def test_every_document_action_is_a_session_method():
    session = make_session()
    session.new_segmentation()
    for name in DOCUMENT_ACTIONS:
        assert callable(getattr(session, name))
    session.add_label("Liver")
    session.rename_label(2, "Spleen")
    session.write(MaskRegion.from_full(np.ones((4, 5, 6), bool)))
    assert session.segmentation.voxel_counts() == {1: 0, 2: 120}
    assert session.undo() == "Draw"
    assert session.undo().startswith("Rename")
    assert session.segmentation.label(2).name == "Liver"


def test_actions_without_a_segmentation_say_what_is_missing():
    session = Session(Preferences())
    with pytest.raises(LookupError, match="no image"):
        session.add_label()
    session = make_session()
    with pytest.raises(LookupError, match="create or open one"):
        session.add_label()


def test_time_step_selection_for_3d_plus_t():
    session = make_session(time_steps=3)
    document = session.new_segmentation()
    session.set_time_step(2)
    session.write(MaskRegion.from_full(np.ones((4, 5, 6), bool)), session.time_step)
    array = document.segmentation.groups[0].array
    assert array[2].all() and not array[:2].any()
    with pytest.raises(IndexError):
        session.set_time_step(3)


def test_segmentations_belong_to_their_image_and_close_cleanly():
    session = make_session()
    first = session.new_segmentation()
    second = session.new_segmentation()
    assert session.document is second
    session.select(0, 0)
    assert session.document is first
    session.close_segmentation()
    assert session.document is second
    session.close_segmentation()
    assert session.segmentation_index is None
    session.close_image(0)
    assert session.image_index is None


def test_preferences_apply_to_open_documents_and_persist(isolated_config):
    session = make_session()
    document = session.new_segmentation()
    session.set_preferences(Preferences(undo_budget_mb=3, label_naming="suggestions"))
    assert document.history.budget_bytes == 3 * 1024 * 1024
    assert session.add_label().name == "Liver"  # first built-in suggestion
    assert Session().preferences.undo_budget_mb == 3


def test_interpolation_through_the_session():
    session = make_session()
    session.new_segmentation()
    square = np.zeros((1, 5, 6), bool)
    square[0, 1:4, 1:4] = True
    session.write(MaskRegion(square, (0, 0, 0)))
    session.write(MaskRegion(square, (3, 0, 0)))
    session.set_interpolation(True, axis=0)
    assert session.interpolator.slice_indices == [1, 2]
    assert session.confirm_interpolation(1) == 9
    assert session.interpolator.slice_indices == [2]
    session.confirm_interpolation()
    assert (session.segmentation.groups[0].array[0, :4, 1:4, 1:4] == 1).all()
    session.undo()
    assert session.segmentation.groups[0].array[0, 2].sum() == 0


def test_closing_the_selected_image_selects_a_remaining_one():
    session = make_session()
    session.new_segmentation()
    second = ReferenceImage(np.zeros((1, 2, 3, 4), np.int16), name="second")
    session.add_image(second)
    session.select(0, 0)
    session.close_image(0)
    assert session.image_entry.image is second and session.segmentation_index is None
    session.close_image(0)
    assert session.image_index is None
