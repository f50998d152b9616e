"""The 3D view's surfaces in the session: meshed on the job runner, re-meshed only where
a change says, shown in the label's current colour, per time step, and the 3D tool's
preview as a surface too."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.model import Geometry, Label, LabelGroup, MaskRegion, ReferenceImage, Segmentation
from demarcate.model.preferences import Preferences
from demarcate.render import surface_chunks
from demarcate.render.surfaces import mask_surface
from demarcate.session import Session, Topic
from demarcate.session import surfaces as session_surfaces
from demarcate.session.surfaces import PREVIEW_RGB

SHAPE = (20, 30, 40)
GEOMETRY = Geometry((0.8, 0.8, 2.0), (5.0, 6.0, 7.0), np.diag([-1.0, -1.0, 1.0]))


def make_session(time_steps: int = 1) -> Session:
    """Labels 1 and 2 (group 0) and 3 (group 1), different at each time step."""
    session = Session(Preferences())
    image = np.zeros((time_steps, *SHAPE), np.int16)
    image[:, 5:15, 5:25, 5:35] = 100
    session.add_image(ReferenceImage(image, GEOMETRY, "image"))
    seg = Segmentation(SHAPE, GEOMETRY, time_steps)
    first = LabelGroup("Group 0", seg.new_group_array(),
                       [Label(1, "one", (1.0, 0.0, 0.0)), Label(2, "two", (0.0, 1.0, 0.0))])
    second = LabelGroup("Group 1", seg.new_group_array(), [Label(3, "three", (0.0, 0.0, 1.0))])
    for t in range(time_steps):
        first.array[t, 2:10, 3:12 + 3 * t, 4:14] = 1
        first.array[t, 12:18, 15:25, 20:36] = 2
        second.array[t, 5:15, 8:20, 10:30] = 3
    seg.groups += [first, second]
    session.add_segmentation(seg)
    session.surfaces.enable()
    session.jobs.drain()
    return session


def meshes(session: Session) -> dict:
    return {s.key[1]: s for s in session.surfaces.scene_surfaces()}


def same_surface(mesh, expected) -> None:
    assert mesh.triangle_count == expected.triangle_count
    np.testing.assert_allclose(np.unique(mesh.vertices, axis=0),
                               np.unique(expected.vertices, axis=0), atol=1e-4)


@pytest.fixture
def meshed_chunks(monkeypatch):
    """Every (label, chunk) the session meshes."""
    calls = []
    original = session_surfaces.mesh_chunks

    def spy(labels, value, chunks, *args, **kwargs):
        chunks = list(chunks)
        calls.extend((value, chunk) for chunk in chunks)
        return original(labels, value, chunks, *args, **kwargs)

    monkeypatch.setattr(session_surfaces, "mesh_chunks", spy)
    monkeypatch.setattr(surface_chunks, "CHUNK", 8)  # a small volume, many chunks
    return calls


def test_every_visible_label_gets_its_surface_on_the_job_runner():
    session = make_session()
    shown = meshes(session)
    assert sorted(shown) == [1, 2, 3] and session.surfaces.pending == 0
    labels = session.segmentation.groups[0].array[0]
    same_surface(shown[1].mesh, mask_surface(labels == 1, GEOMETRY))
    assert shown[3].color == (0.0, 0.0, 1.0) and shown[3].opacity == pytest.approx(0.6)
    session.shutdown()


def test_nothing_is_meshed_until_a_3d_view_wants_it():
    session = Session(Preferences())
    session.add_image(ReferenceImage(np.zeros((1, *SHAPE), np.int16), GEOMETRY, "image"))
    session.new_segmentation()
    assert not session.jobs.jobs and session.surfaces.scene_surfaces() == []
    session.shutdown()


def test_an_edit_re_meshes_only_the_named_label_and_the_chunks_its_box_touches(meshed_chunks):
    session = make_session()
    meshed_chunks.clear()
    events = []
    session.events.connect(events.append)
    mask = np.zeros(SHAPE, bool)
    mask[3:5, 20:24, 30:34] = True
    session.set_active_label(1)
    session.document.write(MaskRegion.from_full(mask), 0, 1)
    session.jobs.drain()
    assert {value for value, _ in meshed_chunks} == {1}
    all_chunks = surface_chunks.chunks_for_box((slice(0, None),) * 3, SHAPE)
    assert 0 < len(meshed_chunks) < len(all_chunks) / 4
    labels = session.segmentation.groups[0].array[0]
    same_surface(meshes(session)[1].mesh, mask_surface(labels == 1, GEOMETRY))
    assert any(event.topic is Topic.SURFACES for event in events)
    session.shutdown()


def test_overwriting_another_label_re_meshes_both_and_undo_restores(meshed_chunks):
    session = make_session()
    meshed_chunks.clear()
    before = {value: surface.mesh for value, surface in meshes(session).items()}
    session.document.segmentation.unlabeled_locked = False
    session.set_label_locked(2, False)
    mask = np.zeros(SHAPE, bool)
    mask[12:18, 15:25, 18:24] = True  # over label 2's end
    session.document.write(MaskRegion.from_full(mask), 0, 1)
    session.jobs.drain()
    assert {value for value, _ in meshed_chunks} == {1, 2}
    labels = session.segmentation.groups[0].array[0]
    for value in (1, 2):
        same_surface(meshes(session)[value].mesh, mask_surface(labels == value, GEOMETRY))
    session.undo()
    session.jobs.drain()
    for value in (1, 2):
        same_surface(meshes(session)[value].mesh, before[value])
    session.shutdown()


def test_colour_opacity_and_visibility_show_without_meshing():
    session = make_session()
    session.set_label_color(2, (1.0, 1.0, 0.0))
    session.set_label_opacity(2, 0.25)
    session.set_label_visible(3, False)
    assert not session.jobs.jobs
    shown = meshes(session)
    assert sorted(shown) == [1, 2]
    assert shown[2].color == (1.0, 1.0, 0.0) and shown[2].opacity == 0.25
    session.set_label_visible(3, True)
    assert not session.jobs.jobs and sorted(meshes(session)) == [1, 2, 3]  # kept
    session.set_segmentation_visible(0, False)
    assert meshes(session) == {}
    session.shutdown()


def test_a_stroke_updates_the_surface_while_drawn_and_after_it():
    session = make_session()
    session.select_tool("paint")
    session.set_tool_option("radius", 2)
    session.set_active_label(1)
    triangles = meshes(session)[1].mesh.triangle_count
    session.tool_press(0, (6, 20, 30))
    session.tool_drag((6, 22, 34))
    session.jobs.drain()  # while the stroke is still open
    assert meshes(session)[1].mesh.triangle_count > triangles
    session.tool_release()
    session.jobs.drain()
    labels = session.segmentation.groups[0].array[0]
    same_surface(meshes(session)[1].mesh, mask_surface(labels == 1, GEOMETRY))
    session.shutdown()


def test_the_shown_time_step_has_its_own_surfaces():
    session = make_session(time_steps=2)
    first = meshes(session)[1].mesh
    session.set_time_step(1)
    assert session.surfaces.pending == 3
    session.jobs.drain()
    second = meshes(session)[1].mesh
    labels = session.segmentation.groups[0].array[1]
    same_surface(second, mask_surface(labels == 1, GEOMETRY))
    assert second.vertices[:, 1].min() < first.vertices[:, 1].min()  # grew by 3 rows
    session.set_time_step(0)
    assert session.surfaces.pending == 0 and meshes(session)[1].mesh is first
    session.shutdown()


def test_deleting_a_label_or_closing_the_segmentation_drops_its_surfaces():
    session = make_session()
    session.remove_label(2)
    session.jobs.drain()
    assert sorted(meshes(session)) == [1, 3]
    session.close_segmentation(discard_changes=True)
    assert meshes(session) == {} and session.surfaces.pending == 0
    session.shutdown()


def test_the_armed_3d_tools_preview_is_a_green_surface_until_cancelled():
    session = make_session()
    for value in (1, 2, 3):
        session.set_label_visible(value, False)
    session.select_tool("threshold")
    session.set_tool_option("lower", 50)
    session.jobs.drain()
    (preview,) = session.surfaces.scene_surfaces()
    assert preview.color == PREVIEW_RGB and preview.mesh.triangle_count > 0
    inside = session.image_entry.image.array[0] >= 50
    same_surface(preview.mesh, mask_surface(inside, GEOMETRY))
    session.select_tool(None)
    assert session.surfaces.scene_surfaces() == []
    session.shutdown()


def test_an_edit_while_the_first_meshes_run_is_not_lost():
    session = make_session()
    session.surfaces.enable(False)
    session.close_segmentation(discard_changes=True)
    seg = Segmentation(SHAPE, GEOMETRY)
    seg.groups.append(LabelGroup("Group 0", seg.new_group_array(), [Label(1, "one")]))
    seg.groups[0].array[0, 2:18, 2:28, 2:38] = 1
    session.add_segmentation(seg)
    session.surfaces.enable()
    assert session.surfaces.pending == 1
    mask = np.zeros(SHAPE, bool)
    mask[18:20, 0:5, 0:5] = True
    session.document.write(MaskRegion.from_full(mask), 0, 1)  # while it meshes
    session.jobs.drain()
    labels = session.segmentation.groups[0].array[0]
    same_surface(meshes(session)[1].mesh, mask_surface(labels == 1, GEOMETRY))
    session.shutdown()
