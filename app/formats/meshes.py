"""Polygon models as STL, OBJ or PLY files (trimesh writes them), in world coordinates.

Vertices are written as the model holds them: millimetres in the image's physical space
(ITK/LPS), so a model opens where its image lies in any tool that reads physical
coordinates. Either one file holds every label ("scene"), or each label gets a file of
its own named ``<stem>_<value>_<label name><suffix>``.

What each format keeps of the labels: OBJ has one named object per label with the
label's colour on its vertices; PLY has one mesh with the label's colour on its faces
(PLY has no objects); STL has neither names nor colours, so a scene STL is the labels'
triangles in one solid. Every set of files is written atomically and together.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import trimesh

from ..atomic import atomic_paths
from ..model.polygon_model import LabelMesh
from .errors import format_error
from .progress import Progress, report

MESH_SUFFIXES = (".stl", ".obj", ".ply")


def _suffix(path: str | os.PathLike) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in MESH_SUFFIXES:
        raise format_error(path, "a polygon model is written as .stl, .obj or .ply")
    return suffix


def _file_part(name: str) -> str:
    """A label name as part of a file name: only letters, digits, '-', '_' and '.'."""
    return re.sub(r"[^\w.-]+", "_", name).strip("_.") or "label"


def mesh_paths(labels: Sequence[LabelMesh], path: str | os.PathLike,
               one_file_per_label: bool = False) -> list[Path]:
    """The files a write makes: ``path`` itself, or one name per label beside it."""
    path = Path(path)
    suffix = _suffix(path)
    if not one_file_per_label:
        return [path]
    stem = path.name[: -len(suffix)]
    return [path.with_name(f"{stem}_{label.value}_{_file_part(label.name)}{suffix}")
            for label in labels]


def _rgba(label: LabelMesh) -> np.ndarray:
    return np.array([*(round(c * 255) for c in label.color), 255], np.uint8)


def _trimesh(label: LabelMesh, suffix: str) -> trimesh.Trimesh:
    """The label's mesh as trimesh holds it, coloured where the format keeps colours
    (faces for PLY, whose readers show face colours; vertices for OBJ, which has none)."""
    mesh = label.mesh
    colors = {} if suffix == ".stl" else {
        "face_colors" if suffix == ".ply" else "vertex_colors": _rgba(label)}
    return trimesh.Trimesh(mesh.vertices, mesh.faces, process=False, **colors)


def _scene(labels: Sequence[LabelMesh], suffix: str) -> trimesh.Trimesh | trimesh.Scene:
    """All labels for one file: named objects for OBJ, one concatenated mesh else."""
    meshes = [_trimesh(label, suffix) for label in labels]
    if suffix != ".obj":
        return trimesh.util.concatenate(meshes)
    scene = trimesh.Scene()
    for label, mesh in zip(labels, meshes, strict=True):
        scene.add_geometry(mesh, geom_name=f"{label.value}_{_file_part(label.name)}")
    return scene


#: Vertex normals go into the formats that hold them, so every viewer shades alike.
#: They are trimesh's, from the outward-wound triangles around each vertex (its scene
#: export computes them afresh, so the mesh's own could reach only some files).
EXPORT_OPTIONS = {".stl": {}, ".obj": {"include_normals": True}, ".ply": {"vertex_normal": True}}


def _write(geometry: trimesh.Trimesh | trimesh.Scene, target: Path, suffix: str) -> None:
    data = geometry.export(file_type=suffix[1:], **EXPORT_OPTIONS[suffix])
    if isinstance(data, str):
        target.write_text(data, encoding="utf-8")
    else:
        target.write_bytes(data)


def write_meshes(labels: Sequence[LabelMesh], path: str | os.PathLike, *,
                 one_file_per_label: bool = False,
                 progress: Progress | None = None) -> list[Path]:
    """Write label meshes to ``path`` (format by suffix: .stl, .obj, .ply), as one scene
    file or one file per label; returns the files written. Nothing is replaced unless
    every file was written."""
    suffix = _suffix(path)
    labels = [label for label in labels if label.mesh.triangle_count]
    if not labels:
        raise format_error(path, "the polygon model has no surface to write")
    targets = mesh_paths(labels, path, one_file_per_label)
    parts = [[label] for label in labels] if one_file_per_label else [labels]
    with atomic_paths(targets) as temps:
        for index, (part, temp) in enumerate(zip(parts, temps, strict=True)):
            report(progress, index / len(parts))
            _write(_scene(part, suffix), temp, suffix)
    report(progress, 1.0)
    return targets
