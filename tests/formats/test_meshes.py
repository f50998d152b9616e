"""Polygon model files: STL, OBJ and PLY read back with trimesh, in world coordinates,
one scene file or one file per label, written atomically."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from demarcate import formats
from demarcate.formats.errors import FormatError
from demarcate.formats.meshes import mesh_paths, write_meshes
from demarcate.model.polygon_model import LabelMesh
from demarcate.render.polygon_models import polygon_model

from .conftest import real

#: Label names and colours given to the first three CT labels, and how each name
#: appears in file and object names (a "/" must not make a folder).
NAMES = [("liver / right", (1.0, 0.0, 0.0)), ("spleen", (0.0, 0.5, 1.0)),
         ("kidney", (0.2, 0.8, 0.2))]
PARTS = ["1_liver_right", "2_spleen", "3_kidney"]


@pytest.fixture
def ct_model(data) -> list[LabelMesh]:
    """The polygon model of three labels of the CT label map (world coordinates)."""
    image = formats.read_image(real(data, "ct/example_ct_sm.nii.gz"))
    seg = formats.read_segmentation(real(data, "ct/example_seg.nii.gz"), reference=image)
    for label, (name, color) in zip(seg.labels, NAMES, strict=False):
        label.name, label.color = name, color
    return list(polygon_model(seg, 0).labels[:3])


def vertices_of(labels: list[LabelMesh]) -> np.ndarray:
    return np.concatenate([label.mesh.vertices for label in labels]).astype(float)


def rgba(label: LabelMesh) -> list[int]:
    return [*(round(c * 255) for c in label.color), 255]


@pytest.mark.parametrize("suffix", [".stl", ".obj", ".ply"])
def test_a_scene_file_reads_back_with_every_label_in_world_coordinates(tmp_path, ct_model,
                                                                        suffix):
    (written,) = write_meshes(ct_model, tmp_path / f"model{suffix}")
    back = trimesh.load(written)  # merges STL's per-triangle corners into shared vertices
    expected = vertices_of(ct_model)
    assert len(back.vertices) == len(expected)
    assert len(back.faces) == sum(label.mesh.triangle_count for label in ct_model)
    assert np.allclose(back.bounds, [expected.min(axis=0), expected.max(axis=0)], atol=1e-4)
    assert back.volume > 0  # outward winding survives the file


def test_obj_keeps_one_named_object_per_label_with_its_colour_and_normals(tmp_path, ct_model):
    (written,) = write_meshes(ct_model, tmp_path / "model.obj")
    scene = trimesh.load(written, force="scene", split_objects=True, group_material=False,
                         process=False)
    assert set(scene.geometry) == set(PARTS)
    for label, part in zip(ct_model, PARTS, strict=True):
        mesh = scene.geometry[part]
        assert len(mesh.vertices) == len(label.mesh.vertices)
        assert np.allclose(mesh.vertices, label.mesh.vertices, atol=1e-5)
        # Normals from the triangles, not marching cubes' gradients: both point out.
        assert np.all(np.sum(mesh.vertex_normals * label.mesh.normals, axis=1) > 0)
        assert mesh.visual.vertex_colors[0].tolist() == rgba(label)


def test_ply_colours_each_label_s_faces(tmp_path, ct_model):
    (written,) = write_meshes(ct_model, tmp_path / "model.ply")
    back = trimesh.load(written, process=False)
    first, second, third = (label.mesh.triangle_count for label in ct_model)
    colours = back.visual.face_colors
    assert colours[0].tolist() == rgba(ct_model[0])
    assert colours[first].tolist() == rgba(ct_model[1])
    assert colours[first + second + third - 1].tolist() == rgba(ct_model[2])


@pytest.mark.parametrize("suffix", [".stl", ".obj", ".ply"])
def test_one_file_per_label_named_after_the_label(tmp_path, ct_model, suffix):
    written = write_meshes(ct_model, tmp_path / f"organs{suffix}", one_file_per_label=True)
    assert [p.name for p in written] == [f"organs_{part}{suffix}" for part in PARTS]
    assert written == mesh_paths(ct_model, tmp_path / f"organs{suffix}", True)
    for path, label in zip(written, ct_model, strict=True):
        back = trimesh.load(path)
        assert len(back.vertices) == len(label.mesh.vertices)
        assert np.allclose(back.bounds, [label.mesh.vertices.min(axis=0),
                                         label.mesh.vertices.max(axis=0)], atol=1e-4)


def test_refusals_write_nothing(tmp_path, ct_model):
    with pytest.raises(FormatError, match=r"\.stl, \.obj or \.ply"):
        write_meshes(ct_model, tmp_path / "model.vtk")
    with pytest.raises(FormatError, match="no surface"):
        write_meshes([], tmp_path / "model.stl")
    assert list(tmp_path.iterdir()) == []


def test_a_failure_part_way_keeps_the_previous_files_and_leaves_no_temporary(tmp_path,
                                                                             ct_model):
    written = write_meshes(ct_model, tmp_path / "organs.ply", one_file_per_label=True)
    before = [path.read_bytes() for path in written]

    def fail_at_the_second(fraction: float) -> None:
        if fraction > 0.5:
            raise RuntimeError("cancelled")

    with pytest.raises(RuntimeError):
        write_meshes(ct_model[::-1], tmp_path / "organs.ply", one_file_per_label=True,
                     progress=fail_at_the_second)
    assert [path.read_bytes() for path in written] == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in written)

