"""Data-manager actions without a window: polygon models (create, list, export, remove,
cancel) and Autocrop into a new image/segmentation pair."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from demarcate.model import Geometry, Label, LabelGroup, ReferenceImage, Segmentation
from demarcate.model.preferences import Preferences
from demarcate.render import polygon_models
from demarcate.session import Cancelled, JobState, Session, Topic

GEOMETRY = Geometry((0.8, 0.8, 2.0), (-10.0, 5.0, 30.0), np.diag([-1.0, -1.0, 1.0]))


def session_with_segmentation(time_steps: int = 1) -> Session:
    """An image with a segmentation of two labels in one group and one in another."""
    session = Session(Preferences())
    image = np.arange(time_steps * 20 * 30 * 40, dtype=np.int16).reshape(time_steps, 20, 30, 40)
    session.add_image(ReferenceImage(image, GEOMETRY, "image"))
    seg = Segmentation((20, 30, 40), GEOMETRY, time_steps, name="organs")
    first = LabelGroup("Group 0", seg.new_group_array(),
                       [Label(1, "liver", (1.0, 0.0, 0.0)), Label(2, "spleen", (0.0, 1.0, 0.0))])
    second = LabelGroup("Group 1", seg.new_group_array(), [Label(3, "tumour", (0.0, 0.0, 1.0))])
    first.array[:, 4:12, 5:15, 6:20] = 1
    first.array[:, 6:10, 18:25, 22:30] = 2
    second.array[:, 7:11, 7:15, 9:19] = 3  # overlaps the liver
    seg.groups += [first, second]
    session.add_segmentation(seg)
    return session


def recorded(session: Session, topic: Topic) -> list:
    events = []
    session.events.connect(lambda event: events.append(event) if event.topic is topic else None)
    return events


@pytest.mark.parametrize("smoothed", [False, True])
def test_create_lists_the_model_under_its_segmentation(smoothed):
    session = session_with_segmentation()
    document = session.document
    events = recorded(session, Topic.POLYGON_MODELS)
    model = session.jobs.wait(session.create_polygon_model(smoothed=smoothed))
    assert session.polygon_models(document) == [model] == session.polygon_models()
    assert [event.document for event in events] == [document]
    assert [label.name for label in model.labels] == ["liver", "spleen", "tumour"]
    assert model.smoothed is smoothed and model.time_step == 0
    assert model.name == ("Smoothed polygon model" if smoothed else "Polygon model")
    assert document.history.undo_depth == 0 and not document.modified  # nothing to undo


def test_the_shown_time_step_is_meshed():
    session = session_with_segmentation(time_steps=3)
    session.document.segmentation.groups[0].array[2] = 0
    session.set_time_step(2)
    model = session.jobs.wait(session.create_polygon_model())
    assert [label.name for label in model.labels] == ["tumour"]
    assert (model.time_step, model.name) == (2, "Polygon model, time step 3")


def test_the_3d_view_draws_the_models_of_shown_segmentations_at_their_time_step():
    session = session_with_segmentation(time_steps=2)
    model = session.jobs.wait(session.create_polygon_model())
    drawn = [surface for surface in session.surfaces.scene_surfaces()
             if surface.key[0] == "model"]
    assert [(s.mesh, s.color) for s in drawn] == [(piece.mesh, piece.color)
                                                 for piece in model.labels]
    session.set_time_step(1)  # made of time step 0: not drawn on time step 1
    assert not [s for s in session.surfaces.scene_surfaces() if s.key[0] == "model"]
    session.set_time_step(0)
    session.set_segmentation_visible(0, False)
    assert not [s for s in session.surfaces.scene_surfaces() if s.key[0] == "model"]
    session.set_segmentation_visible(0, True)
    session.remove_polygon_model(model)
    assert not [s for s in session.surfaces.scene_surfaces() if s.key[0] == "model"]


def test_edits_after_the_start_do_not_reach_the_model():
    session = session_with_segmentation()
    job = session.create_polygon_model()
    session.document.segmentation.groups[0].array[:] = 0  # as an edit landing meanwhile
    assert len(session.jobs.wait(job).labels) == 3


def test_cancel_stops_between_labels_and_lands_nothing(monkeypatch):
    session = session_with_segmentation()
    meshed = []
    original = polygon_models.label_surface

    def mesh_then_cancel(*args, **kwargs):
        meshed.append(args[1])
        for running in session.jobs.jobs:  # Cancel pressed while the first label is meshed
            running.cancel()
        return original(*args, **kwargs)

    monkeypatch.setattr(polygon_models, "label_surface", mesh_then_cancel)
    job = session.create_polygon_model()
    with pytest.raises(Cancelled):
        session.jobs.wait(job)
    assert job.state is JobState.CANCELLED and meshed == [1]
    assert session.polygon_models() == []


def test_export_writes_world_coordinates_and_remove_forgets(tmp_path):
    session = session_with_segmentation()
    model = session.jobs.wait(session.create_polygon_model())
    written = session.jobs.wait(session.export_polygon_model(model, tmp_path / "organs.stl"))
    assert written == [tmp_path / "organs.stl"]
    back = trimesh.load(written[0])
    vertices = np.concatenate([label.mesh.vertices for label in model.labels])
    assert np.allclose(back.bounds, [vertices.min(axis=0), vertices.max(axis=0)], atol=1e-4)
    per_label = session.jobs.wait(session.export_polygon_model(
        model, tmp_path / "organs.ply", one_file_per_label=True))
    assert [p.name for p in per_label] == ["organs_1_liver.ply", "organs_2_spleen.ply",
                                           "organs_3_tumour.ply"]
    events = recorded(session, Topic.POLYGON_MODELS)
    session.remove_polygon_model(model)
    assert session.polygon_models() == [] and len(events) == 1
    with pytest.raises(ValueError, match="not a polygon model"):
        session.remove_polygon_model(model)


def test_closing_the_segmentation_drops_its_models_and_a_late_model():
    session = session_with_segmentation()
    document = session.document
    session.jobs.wait(session.create_polygon_model())
    late = session.create_polygon_model()
    events = recorded(session, Topic.POLYGON_MODELS)
    session.close_segmentation(discard_changes=True)
    assert session.jobs.wait(late) is None  # landed after the close: dropped
    assert session.polygon_models(document) == [] and len(events) == 1


@pytest.mark.parametrize("crop_image_too", [True, False])
def test_autocrop_opens_a_new_pair_and_keeps_the_original(crop_image_too):
    session = session_with_segmentation(time_steps=2)
    original = session.document
    before = [group.array.copy() for group in original.segmentation.groups]
    cropped = session.jobs.wait(session.autocrop(margin=1, crop_image_too=crop_image_too))
    assert len(session.images) == 2 and session.document is cropped
    seg = cropped.segmentation
    assert seg.shape_zyx == (10, 22, 26) and seg.time_steps == 2  # z 3:13, y 4:26, x 5:31
    expected_origin = GEOMETRY.index_to_world(np.array([5, 4, 3]))
    assert np.allclose(seg.geometry.origin_xyz, expected_origin)
    image = session.image_entry.image
    if crop_image_too:
        original_image = session.images[0].image.array
        np.testing.assert_array_equal(image.array, original_image[:, 3:13, 4:26, 5:31])
    else:
        assert not image.array.any()
    assert cropped.modified and cropped.path is None
    assert seg.voxel_counts() == original.segmentation.voxel_counts()
    for group, array in zip(original.segmentation.groups, before, strict=True):
        np.testing.assert_array_equal(group.array, array)
    assert not original.modified


def test_autocrop_of_an_empty_segmentation_is_refused_with_a_message():
    session = session_with_segmentation()
    for group in session.document.segmentation.groups:
        group.array[:] = 0
    errors = recorded(session, Topic.ERROR)
    with pytest.raises(ValueError, match="no labelled voxel"):
        session.jobs.wait(session.autocrop())
    assert len(session.images) == 1 and "no labelled voxel" in errors[0].message
