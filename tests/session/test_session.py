"""The session controller: everything the window does, without a window."""

from __future__ import annotations

import inspect
import shutil
import threading
import time

import numpy as np
import pytest

from demarcate.model import Geometry, MaskRegion, ReferenceImage, SegmentationDocument
from demarcate.model.changes import ChangeKind
from demarcate.model.preferences import Preferences
from demarcate.session import Session, Topic
from demarcate.session.label_actions import LabelActions

# Every user operation of a document; each must be an explicit session method.
DOCUMENT_ACTIONS = (
    "add_label", "create_instance", "remove_label", "rename_label", "set_label_color",
    "set_label_opacity", "set_label_visible", "set_label_locked", "set_active_label",
    "clear_label", "merge_labels", "add_group", "remove_group", "rename_group",
    "set_group_locked", "set_all_locked", "set_all_visible", "set_unlabeled_locked",
    "set_dynamic", "write", "erase", "begin_stroke", "end_stroke", "undo", "redo",
)


def make_session(time_steps: int = 1) -> Session:
    session = Session(Preferences())
    array = np.arange(time_steps * 4 * 5 * 6, dtype=np.int16).reshape(time_steps, 4, 5, 6)
    session.add_image(ReferenceImage(array, Geometry((0.5, 0.5, 2.0)), "test image"))
    return session


def recorded(session: Session) -> list:
    events = []
    session.events.connect(events.append)
    return events


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


def test_every_document_action_is_an_explicit_documented_session_method():
    for name in DOCUMENT_ACTIONS:
        method = vars(LabelActions).get(name)
        assert method is not None, f"{name} is not written out in LabelActions"
        assert inspect.getsource(method).lstrip().startswith(f"def {name}(")
        assert method.__annotations__, f"{name} has no type hints"
        assert callable(getattr(SegmentationDocument, name))
    session = make_session()
    session.new_segmentation()
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
    events = recorded(session)
    session.set_time_step(2)
    session.write(MaskRegion.from_full(np.ones((4, 5, 6), bool)), session.time_step)
    array = document.segmentation.groups[0].array
    assert array[2].all() and not array[:2].any()
    with pytest.raises(IndexError):
        session.set_time_step(3)
    session.step_time(5)
    assert session.time_step == 2
    session.step_time(-1)
    assert session.time_step == 1
    assert [e.topic for e in events].count(Topic.TIME_STEP) == 2


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


def test_a_closed_document_no_longer_reaches_the_session():
    session = make_session()
    document = session.new_segmentation()
    session.close_segmentation()
    events = recorded(session)
    document.add_label()
    assert not events


def test_preferences_apply_to_open_documents_and_persist(isolated_config):
    session = make_session()
    document = session.new_segmentation()
    session.set_preferences(Preferences(undo_budget_mb=3, label_naming="suggestions"))
    assert document.history.budget_bytes == 3 * 1024 * 1024
    assert session.add_label().name == "Liver"  # first built-in suggestion
    assert Session().preferences.undo_budget_mb == 3


def test_data_node_selection_mode_shows_only_the_selected_segmentation(isolated_config):
    session = make_session()
    first = session.new_segmentation()
    second = session.new_segmentation()
    assert first.visible and second.visible
    session.set_preferences(Preferences(data_node_selection_mode=True))
    assert second.visible and not first.visible
    session.select(0, 0)
    assert first.visible and not second.visible


def test_interpolation_runs_on_the_job_runner_and_follows_edits():
    session = make_session()
    session.new_segmentation()
    square = np.zeros((1, 5, 6), bool)
    square[0, 1:4, 1:4] = True
    session.write(MaskRegion(square, (0, 0, 0)))
    session.write(MaskRegion(square, (3, 0, 0)))
    events = recorded(session)
    session.set_interpolation(True, axis=0)
    session.jobs.drain()
    assert session.interpolator.slice_indices == [1, 2]
    assert Topic.INTERPOLATION in [e.topic for e in events]
    assert session.confirm_interpolation(1) == 9
    session.jobs.drain()  # the confirm's change record started a recomputation
    assert session.interpolator.slice_indices == [2]
    session.confirm_interpolation()
    assert (session.segmentation.groups[0].array[0, :4, 1:4, 1:4] == 1).all()
    session.undo()
    assert session.segmentation.groups[0].array[0, 2].sum() == 0
    session.jobs.drain()
    assert session.interpolator.slice_indices == [2]


def test_confirm_right_after_an_edit_uses_the_suggestions_of_that_edit():
    session = make_session()
    session.new_segmentation()
    square = np.zeros((1, 5, 6), bool)
    square[0, 1:4, 1:4] = True
    session.set_interpolation(True, axis=0)
    session.write(MaskRegion(square, (0, 0, 0)))
    session.write(MaskRegion(square, (3, 0, 0)))  # no wait for the background job
    assert session.confirm_interpolation() == 18
    assert (session.segmentation.groups[0].array[0, 1:3, 1:4, 1:4] == 1).all()


def test_interpolation_follows_the_orientation_the_user_draws_in():
    session = make_session()
    session.new_segmentation()
    session.set_interpolation(True)
    session.select_tool("paint")
    session.tool_press(2, (1, 2, 3))
    session.tool_release()
    assert session.interpolator.axis == 2


def test_contours_in_a_second_orientation_keep_the_first_one_interpolating():
    """3 sagittal and 2 coronal brush contours: the coronal ones cross every sagittal
    slice, yet the sagittal gaps still get suggestions (drawn = the gestures' slices)."""
    session = Session(Preferences())
    session.add_image(ReferenceImage(np.zeros((1, 20, 20, 20), np.int16),
                                     Geometry((1.0, 1.0, 1.0)), "test image"))
    session.new_segmentation()
    session.set_interpolation(True)
    session.select_tool("paint")
    session.set_tool_option("radius", 3)
    for axis, index in ((2, 4), (2, 10), (2, 16), (1, 8), (1, 12)):
        voxel = [10, 10, 10]
        voxel[axis] = index
        session.tool_press(axis, tuple(voxel))
        session.tool_release()
    session.set_interpolation(True, axis=2)
    session.jobs.drain()
    assert session.interpolator.slice_indices == [5, 6, 7, 8, 9, 11, 12, 13, 14, 15]
    session.set_interpolation(True, axis=1)
    session.jobs.drain()
    assert session.interpolator.slice_indices == [9, 10, 11]


def test_undoing_a_contour_takes_its_slice_out_of_the_drawn_ones():
    """Undo is no gesture: the undone slice no longer ends the shape as an empty drawn
    slice, and the gap it split is whole again."""
    session = Session(Preferences())
    session.add_image(ReferenceImage(np.zeros((1, 20, 20, 20), np.int16),
                                     Geometry((1.0, 1.0, 1.0)), "test image"))
    session.new_segmentation()
    session.set_interpolation(True, axis=0)
    session.select_tool("paint")
    session.set_tool_option("radius", 3)
    for index in (4, 10, 16):
        session.tool_press(0, (index, 10, 10))
        session.tool_release()
    session.jobs.drain()
    assert session.interpolator.slice_indices == [5, 6, 7, 8, 9, 11, 12, 13, 14, 15]
    session.undo()  # the contour on slice 16
    session.jobs.drain()
    drawn = session.interpolator.drawn_slices(session.document)
    assert drawn.indices(0, 0, 1) == [4, 10]
    assert session.interpolator.slice_indices == [5, 6, 7, 8, 9]


def test_a_click_tool_that_writes_on_the_press_marks_its_slice_as_drawn():
    session = Session(Preferences())
    session.add_image(ReferenceImage(np.zeros((1, 20, 20, 20), np.int16),
                                     Geometry((1.0, 1.0, 1.0)), "test image"))
    session.new_segmentation()
    session.select_tool("paint")
    session.tool_press(0, (4, 10, 10))  # a brush's press opens its stroke only
    assert session.interpolator.drawn_slices(session.document).indices(0, 0, 1) is None
    session.tool_release()
    session.select_tool("fill")
    session.tool_press(0, (9, 10, 10))  # floods the empty slice 9 with the label
    assert session.interpolator.drawn_slices(session.document).indices(0, 0, 1) == [4, 9]


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


# --- files through the job runner ------------------------------------------------------
def test_open_image_and_segmentation_through_jobs(shared_data):
    session = Session(Preferences())
    entry = session.jobs.wait(session.open_image(shared_data / "ct/example_ct_sm.nii.gz"))
    assert session.image_entry is entry and entry.image.shape_zyx[0] > 1
    document = session.jobs.wait(
        session.open_segmentation(shared_data / "ct/example_seg.nii.gz"))
    assert session.document is document and len(document.segmentation.labels) > 10
    assert not document.modified


def test_a_file_that_cannot_be_read_changes_nothing_and_says_why(shared_data, tmp_path):
    session = Session(Preferences())
    session.jobs.wait(session.open_image(shared_data / "ct/example_ct_sm.nii.gz"))
    document = session.new_segmentation()
    document.add_label()
    broken = tmp_path / "broken.nii.gz"
    broken.write_bytes(b"not a label map")
    events = recorded(session)
    job = session.open_segmentation(broken)
    with pytest.raises(Exception, match="broken.nii.gz"):
        session.jobs.wait(job)
    errors = [e.message for e in events if e.topic is Topic.ERROR]
    assert len(errors) == 1 and "broken.nii.gz" in errors[0]
    assert session.document is document and document.history.undo_depth == 1
    assert len(session.image_entry.segmentations) == 1


def test_a_segmentation_of_another_grid_is_refused(shared_data):
    session = Session(Preferences())
    session.add_image(ReferenceImage(np.zeros((1, 3, 4, 5), np.int16), name="small"))
    job = session.open_segmentation(shared_data / "ct/example_seg.nii.gz")
    with pytest.raises(ValueError, match="does not match the reference image grid"):
        session.jobs.wait(job)
    assert session.image_entry.segmentations == []


def test_save_writes_the_state_of_the_moment_and_later_edits_stay_unsaved(tmp_path):
    session = make_session()
    document = session.new_segmentation()
    session.write(MaskRegion.from_full(np.ones((4, 5, 6), bool)))
    target = tmp_path / "saved.nrrd"
    job = session.save_segmentation(target)
    session.add_label("Edited while saving")
    session.jobs.wait(job)
    assert document.path == str(target) and document.modified
    from demarcate import formats

    saved = formats.read_segmentation(target)
    assert [lb.name for lb in saved.labels] == ["Label 1"]
    session.jobs.wait(session.save_segmentation())
    assert not document.modified


def test_save_keeps_the_mitk_version_of_the_file(shared_data, tmp_path):
    from demarcate import formats

    session = Session(Preferences())
    session.jobs.wait(session.open_image(shared_data / "4d/img4d_11f.nii.gz"))
    target = tmp_path / "v4.nrrd"
    shutil.copy(shared_data / "seg/mitk/mitral_4d_11frames_2groups.mitk.nrrd", target)
    session.jobs.wait(session.open_segmentation(target))
    assert session.segmentation.source_version == 4  # written by current MITK
    session.jobs.wait(session.save_segmentation())
    assert formats.describe_segmentation_file(target) == ("mitk", 4)
    session.jobs.wait(session.save_segmentation(tmp_path / "for_mitk_2023.nrrd",
                                                mitk_version=1))
    assert formats.describe_segmentation_file(tmp_path / "for_mitk_2023.nrrd") == ("mitk", 1)


def test_saving_needs_a_file_name():
    session = make_session()
    session.new_segmentation()
    with pytest.raises(ValueError, match="file name"):
        session.save_segmentation()


# --- events ----------------------------------------------------------------------------
def test_actions_announce_what_changed():
    session = make_session()
    events = recorded(session)
    session.new_segmentation()
    session.set_cursor((1, 1, 1))
    session.set_cursor((1, 1, 1))  # no move, no event
    session.set_window(40, 400)
    session.select_tool("paint")
    session.add_label()
    topics = [e.topic for e in events]
    assert Topic.SEGMENTATIONS in topics and Topic.SELECTION in topics
    assert topics.count(Topic.CURSOR) == 1
    assert Topic.WINDOW in topics and Topic.TOOL in topics
    change = [e.change for e in events if e.topic is Topic.DOCUMENT][-1]
    assert change.kind is ChangeKind.EDIT
    assert change.structure and change.label_values == {1, 2}  # 2 new and now active


# --- tools -----------------------------------------------------------------------------
def test_tools_through_the_session_paint_one_undo_step():
    session = make_session()
    session.new_segmentation()
    events = recorded(session)
    session.select_tool("paint")
    assert session.set_tool_option("radius", 500) == 200
    session.set_tool_option("radius", 1)
    session.step_tool_option("radius", 1)
    assert session.tools.option("wipe", "radius") == 2
    session.tool_press(0, (2, 1, 1))
    session.tool_drag((2, 1, 4))
    session.tool_release()
    array = session.segmentation.groups[0].array[0]
    assert array[2, 1, 1:5].all() and not array[1].any() and not array[3].any()
    assert session.document.history.undo_depth == 1
    kinds = [e.change.kind for e in events if e.topic is Topic.DOCUMENT]
    assert kinds[-1] is ChangeKind.EDIT and ChangeKind.IN_PROGRESS in kinds
    assert Topic.TOOL_FEEDBACK in [e.topic for e in events]


def test_lasso_double_click_and_delete_key_through_the_session():
    session = Session(Preferences())
    session.add_image(ReferenceImage(np.zeros((1, 3, 30, 30), np.int16)))
    session.new_segmentation()
    session.select_tool("lasso")
    session.set_tool_option("auto_confirm", False)
    for corner in [(1, 2, 2), (1, 2, 20), (1, 20, 20), (1, 20, 2)]:
        session.tool_press(0, corner)
        session.tool_release()
    assert session.tool_double_click(0, (1, 20, 2))
    assert session.tool_feedback.confirmable
    session.tool_press(0, (1, 2, 20))  # grab an anchor: Delete removes it
    session.tool_release()
    assert session.tool_key("delete")
    assert session.confirm_tool() > 0
    assert session.segmentation.groups[0].array[0, 1, 10, 5] == 1


def test_a_double_click_without_a_tool_that_uses_it_is_left_to_the_view():
    session = make_session()
    session.new_segmentation()
    session.select_tool("fill")
    assert not session.tool_double_click(0, (1, 1, 1))


def test_a_failing_tool_event_ends_the_gesture():
    session = make_session()
    session.new_segmentation()
    session.select_tool("paint")
    session.segmentation.active_label_value = None
    with pytest.raises(ValueError, match="no active label"):
        session.tool_press(0, (1, 1, 1))
    assert not session.tools.busy


# --- the remaining actions of the panels and the views -----------------------------------
def test_view_and_panel_actions(tmp_path, isolated_config):
    session = make_session()
    document = session.new_segmentation()
    events = recorded(session)
    session.step_slice(0, 10)
    assert session.cursor_zyx[0] == 3  # clamped to the last slice
    session.apply_window_preset("CT lung")
    assert (session.image_entry.level, session.image_entry.width) == (-600.0, 1500.0)
    session.apply_window_preset("Auto (percentiles)")
    assert session.image_entry.window_name == "Auto (percentiles)"  # not "Custom"
    session.set_window(1.0, 2.0)
    assert session.image_entry.window_name == "Custom"
    session.set_label_opacity(1, 0.25)
    session.set_label_visible(1, False)
    session.rename_group(0, "Organs")
    assert session.segmentation.groups[0].name == "Organs"
    assert not session.segmentation.label(1).visible
    session.set_segmentation_visible(0, False)
    assert not document.visible
    preset = tmp_path / "organs.json"
    session.save_preset(preset)
    session.rename_group(0, "Renamed")
    session.load_preset(preset)
    assert session.segmentation.groups[0].name == "Organs"
    topics = {e.topic for e in events}
    assert {Topic.CURSOR, Topic.WINDOW, Topic.DOCUMENT, Topic.SEGMENTATIONS} <= topics


def test_add_segmentation_attaches_to_the_image_it_lies_on():
    from demarcate.model import LabelGroup, Segmentation

    session = make_session()
    image = session.image_entry.image
    seg = Segmentation(image.shape_zyx, image.geometry)
    seg.groups.append(LabelGroup("Group 0", seg.new_group_array()))
    document = session.add_segmentation(seg, "scripted.nrrd")
    assert session.document is document and document.path == "scripted.nrrd"
    wrong = Segmentation((1, 1, 1), image.geometry)
    wrong.groups.append(LabelGroup("Group 0", wrong.new_group_array()))
    with pytest.raises(ValueError, match="does not lie on the grid"):
        session.add_segmentation(wrong)
    assert len(session.image_entry.segmentations) == 1


def test_live_wire_follows_the_mouse_on_its_slice_only_and_cancel_drops_it():
    session = Session(Preferences())
    image = np.zeros((1, 3, 40, 40), np.float32)
    image[0, 1, 10:30, 10:30] = 100
    session.add_image(ReferenceImage(image))
    session.new_segmentation()
    session.select_tool("live_wire")
    session.tool_press(0, (1, 10, 10))
    session.tool_release()
    assert session.tool_hover(0, (1, 10, 29))
    assert session.tool_feedback.contour[-1] == (10.0, 29.0)
    assert not session.tool_hover(1, (1, 10, 29)), "another orientation is not its slice"
    assert not session.tool_hover(0, (2, 10, 29)), "nor another slice"
    session.cancel_tool()
    assert session.tool_feedback.anchors is None


def test_jobs_through_the_session_land_when_polled_and_can_be_cancelled():
    session = make_session()
    events = recorded(session)
    started = threading.Event()

    def work(job):
        started.set()
        while True:
            job.report(None)

    job = session.jobs.submit("endless", work)
    assert started.wait(30)
    session.cancel_job(job)
    assert job.cancel_requested
    deadline = time.monotonic() + 30
    while not job.finished and time.monotonic() < deadline:
        time.sleep(0.01)
    assert session.poll_jobs() and session.jobs.jobs == []
    assert Topic.JOBS in [e.topic for e in events]
    warm = session.start_warm_up()  # compiles in a child, loads here; cache is warm
    session.jobs.wait(warm, 600)
    assert warm.progress == 1.0


def test_a_failed_save_keeps_the_document_unsaved_and_says_why(tmp_path):
    session = make_session()
    document = session.new_segmentation()
    session.add_label()
    events = recorded(session)
    with pytest.raises(OSError, match="does not exist"):
        session.jobs.wait(session.save_segmentation(tmp_path / "missing" / "seg.nrrd"))
    assert document.modified and document.path is None
    assert [e.message for e in events if e.topic is Topic.ERROR]
