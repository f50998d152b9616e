"""3D interpolation through the session: contours from 2D gestures in any orientation,
the shape on the job runner, the contour list, Reinit, Confirm as one undo step, undo,
and the contours saved with the segmentation."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate import formats
from demarcate.formats.contour_header import KEY
from demarcate.model import Geometry, MaskRegion, ReferenceImage
from demarcate.model.preferences import Preferences
from demarcate.session import Session, Topic
from demarcate.session.recovery import RecoveryStore


def ball_session(size: int = 40, time_steps: int = 1, session: Session | None = None
                 ) -> Session:
    """An empty image, a new segmentation, 3D interpolation on and Paint armed."""
    session = session or Session(Preferences())
    session.add_image(ReferenceImage(np.zeros((time_steps, size, size, size), np.int16),
                                     Geometry((1.0, 1.0, 1.0)), "test image"))
    session.new_segmentation()
    session.set_interpolation_mode("3D")
    session.select_tool("paint")
    session.set_tool_option("radius", 8)
    return session


def dab(session: Session, axis: int, index: int, centre=(20, 20, 20)) -> None:
    voxel = list(centre)
    voxel[axis] = index
    session.tool_press(axis, tuple(voxel))
    session.tool_release()


def label_volume(session: Session) -> np.ndarray:
    return session.segmentation.groups[0].array[0] == 1


def test_gestures_in_two_orientations_give_a_shape_from_the_second_contour_on():
    session = ball_session()
    events = []
    session.events.connect(events.append)
    dab(session, 0, 20)
    session.jobs.drain()
    assert session.interpolation_3d_preview is None  # one contour: nothing yet
    dab(session, 1, 20)
    assert session.interpolation_3d_pending
    session.jobs.drain()
    preview = session.interpolation_3d_preview
    assert preview is not None and session.interpolation_3d_exact
    assert Topic.INTERPOLATION in [e.topic for e in events]
    drawn = label_volume(session)
    shape = np.zeros_like(drawn)
    shape[preview.box] = preview.regions
    assert shape.sum() > 2 * drawn.sum()  # fills between the planes
    assert np.array_equal(shape[20], drawn[20]) and np.array_equal(shape[:, 20], drawn[:, 20])
    assert [(c.axis, c.index) for c in session.interpolation_contours] == [(0, 20), (1, 20)]


def test_a_contour_again_on_its_plane_replaces_it_and_list_entries_navigate_and_go():
    session = ball_session()
    dab(session, 0, 20)
    dab(session, 2, 18)
    dab(session, 0, 20, (20, 22, 20))
    assert [(c.axis, c.index) for c in session.interpolation_contours] == [(2, 18), (0, 20)]
    session.set_cursor((5, 6, 7))
    assert session.go_to_contour(0).index == 18 and session.cursor_zyx == (5, 6, 18)
    session.remove_contour(0)
    session.jobs.drain()
    assert len(session.interpolation_contours) == 1
    assert session.interpolation_3d_preview is None


def test_confirm_writes_the_shape_as_one_undo_step_and_switches_it_off():
    session = ball_session()
    dab(session, 0, 20)
    dab(session, 1, 20)
    dab(session, 2, 20)  # no waiting: Confirm computes the exact shape itself
    before = label_volume(session).copy()
    depth = session.document.history.undo_depth
    changed = session.confirm_3d_interpolation()
    after = label_volume(session)
    assert changed == after.sum() - before.sum() > 0
    assert session.document.history.undo_depth == depth + 1
    assert session.interpolation_mode == "Disabled"
    radius = np.sqrt(before[20].sum() / np.pi)  # of the brush's disc
    sphere = np.sum((np.indices(after.shape) - 20) ** 2, axis=0) <= radius**2
    assert 2 * (after & sphere).sum() / (after.sum() + sphere.sum()) > 0.9
    session.undo()
    assert np.array_equal(label_volume(session), before)


def test_confirm_respects_locked_labels():
    session = ball_session()
    locked = session.add_label("Kept")
    session.set_label_locked(locked.value, True)
    session.write(MaskRegion(np.ones((1, 3, 3), bool), (15, 19, 19)), label_value=locked.value)
    session.set_active_label(1)
    dab(session, 0, 20)
    dab(session, 1, 20)
    session.confirm_3d_interpolation()
    assert (session.segmentation.groups[0].array[0, 15, 19:22, 19:22] == locked.value).all()


def test_undo_drops_a_gesture_s_contour_and_redo_brings_it_back():
    session = ball_session()
    dab(session, 0, 20)
    dab(session, 1, 20)
    dab(session, 2, 12)
    session.undo()
    session.jobs.drain()
    assert [(c.axis, c.index) for c in session.interpolation_contours] == [(0, 20), (1, 20)]
    assert session.interpolation_3d_preview is not None
    session.redo()
    assert [(c.axis, c.index) for c in session.interpolation_contours] == [
        (0, 20), (1, 20), (2, 12)]
    session.undo()
    dab(session, 2, 30)  # a new gesture: the undone one cannot come back
    assert [(c.axis, c.index) for c in session.interpolation_contours] == [
        (0, 20), (1, 20), (2, 30)]


def test_contours_belong_to_their_time_step():
    session = ball_session(time_steps=2)
    dab(session, 0, 20)
    dab(session, 1, 20)
    session.jobs.drain()
    assert session.interpolation_3d_preview.time_step == 0
    session.set_time_step(1)
    session.jobs.drain()
    assert session.interpolation_contours == [] and session.interpolation_3d_preview is None
    session.set_time_step(0)
    session.jobs.drain()
    assert len(session.interpolation_contours) == 2
    assert session.interpolation_3d_preview is not None


def test_contours_belong_to_their_label_and_need_the_3d_mode():
    session = ball_session()
    session.set_interpolation_mode("2D")
    dab(session, 0, 20)
    assert session.interpolation_contours == []
    session.set_interpolation_mode("3D")
    dab(session, 0, 22)
    session.add_label("Second")  # becomes active
    assert session.interpolation_contours == []
    session.set_active_label(1)
    assert len(session.interpolation_contours) == 1
    with pytest.raises(ValueError, match="interpolation is one of"):
        session.set_interpolation_mode("4D")


def test_reinit_takes_slices_of_the_label_along_its_longest_axis():
    session = ball_session(48)
    z, y, x = np.indices((48, 48, 48))
    ellipsoid = ((z - 24) / 20.0) ** 2 + ((y - 24) / 12.0) ** 2 + ((x - 24) / 10.0) ** 2 <= 1
    session.write(MaskRegion.from_full(ellipsoid))
    assert session.reinit_contours() == 7
    contours = session.interpolation_contours
    assert {c.axis for c in contours} == {0}
    assert [c.index for c in contours] == [4, 11, 17, 24, 31, 37, 44]
    session.jobs.drain()
    preview = session.interpolation_3d_preview
    shape = np.zeros_like(ellipsoid)
    shape[preview.box] = preview.regions
    assert 2 * (shape & ellipsoid).sum() / (shape.sum() + ellipsoid.sum()) > 0.95


def test_the_contours_are_saved_with_the_segmentation_and_restored(tmp_path):
    session = ball_session()
    dab(session, 0, 20)
    dab(session, 1, 16)
    saved = [(c.axis, c.index, c.mask.copy()) for c in session.interpolation_contours]
    path = tmp_path / "contours.nrrd"
    session.save_segmentation(path)
    session.jobs.drain()
    assert KEY not in session.segmentation.extra_header  # only the saved copy holds it
    session.close_segmentation()
    session.jobs.wait(session.open_segmentation(path))
    session.poll_jobs()
    restored = session.interpolation_contours
    assert [(c.axis, c.index) for c in restored] == [(a, i) for a, i, _ in saved]
    assert all(np.array_equal(c.mask, m) for c, (_, _, m) in zip(restored, saved,
                                                                  strict=True))
    session.jobs.drain()
    assert session.interpolation_3d_preview is not None  # the interpolation continues


@pytest.mark.parametrize("value", ["v1 not base64!", "v2 AAAA", "", "v1 " + "A" * 8])
def test_a_file_with_a_broken_contour_value_loads_without_them_and_says_so(tmp_path,
                                                                           value):
    session = ball_session()
    seg = session.segmentation
    seg.extra_header[KEY] = value
    path = tmp_path / "broken.nrrd"
    formats.write_segmentation(seg, path)
    session.close_segmentation(discard_changes=True)
    session.jobs.wait(session.open_segmentation(path))
    session.poll_jobs()
    assert session.has_document and session.interpolation_contours == []
    assert "3D interpolation contours saved in" in session.interpolation_3d_note
    assert "ignored" in session.interpolation_3d_note


def test_use_the_image_follows_the_object_between_the_contours():
    """A bright cube drawn as an axial and a coronal square: the interpolation alone
    rounds it off between them; the image-aware shape keeps its corners."""
    image = np.zeros((1, 40, 40, 40), np.int16)
    image[0, 10:30, 10:30, 10:30] = 400
    session = Session(Preferences())
    session.add_image(ReferenceImage(image, Geometry((1.0, 1.0, 1.0)), "cube"))
    session.new_segmentation()
    session.set_interpolation_mode("3D")
    session.select_tool("add")
    for axis in (0, 1):  # the square's outline with the Add tool
        corners = [(10, 10), (10, 29), (29, 29), (29, 10), (10, 10)]
        voxels = [tuple(np.insert(corner, axis, 20)) for corner in corners]
        session.tool_press(axis, voxels[0])
        for voxel in voxels[1:]:
            session.tool_drag(voxel)
        session.tool_release()
    cube = image[0] > 0
    scores = {}
    for use_image in (False, True):
        session.set_interpolation_3d_uses_image(use_image)
        session.jobs.drain()
        preview = session.interpolation_3d_preview
        shape = np.zeros_like(cube)
        shape[preview.box] = preview.regions
        scores[use_image] = 2 * (shape & cube).sum() / (shape.sum() + cube.sum())
    assert session.interpolation_3d_uses_image
    assert scores[True] > 0.97 and scores[True] > scores[False]


def test_the_shape_is_a_surface_in_the_3d_view_until_confirmed():
    session = ball_session()
    session.surfaces.enable()
    session.set_label_visible(1, False)  # only the shape's surface is left to see
    dab(session, 0, 20)
    dab(session, 1, 20)
    session.jobs.drain()
    (surface,) = session.surfaces.scene_surfaces()
    assert surface.mesh.triangle_count > 0
    session.confirm_3d_interpolation()
    session.jobs.drain()
    assert session.surfaces.scene_surfaces() == []
    session.shutdown()


def test_an_autosaved_copy_carries_the_contours(tmp_path):
    session = ball_session(session=Session(Preferences(autosave_seconds=1),
                                           recovery=RecoveryStore(tmp_path)))
    dab(session, 0, 20)
    dab(session, 2, 18)
    changed_at = session.autosaver._last_change[id(session.document)]
    session.jobs.wait(session.autosave(now=changed_at + 5)[0])
    (copy,) = tmp_path.glob("run-*/*.nrrd")
    assert KEY in formats.read_segmentation(copy).extra_header
    session.shutdown()


def test_the_shape_follows_the_latest_contours_and_reports_progress():
    session = ball_session()
    dab(session, 0, 20)
    dab(session, 1, 20)
    dab(session, 2, 14)  # at once: the computation for two contours is superseded
    jobs = [job for job in session.jobs.jobs if job.title == "3D interpolation"]
    session.jobs.drain()
    preview = session.interpolation_3d_preview
    assert session.interpolation_3d_exact
    plane = preview.mask_on(2, 14, (40, 40, 40))
    assert np.array_equal(plane, label_volume(session)[:, :, 14])
    assert any(job.cancel_requested for job in jobs)  # the one for two contours
    assert all(job.progress >= 0.8 or job.cancel_requested for job in jobs)


def test_the_interpolation_choice_is_one_of_three():
    session = ball_session()
    session.set_interpolation(True)  # 2D on: 3D off
    assert session.interpolation_mode == "2D" and session.interpolator.enabled
    session.set_interpolation_mode("3D")
    assert session.interpolation_mode == "3D" and not session.interpolator.enabled
    session.set_interpolation(False)
    assert session.interpolation_mode == "Disabled"
