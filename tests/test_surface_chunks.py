"""Chunked label surfaces: the same surface as one marching-cubes pass, closed across
chunks and borders, updated chunk by chunk, and coarser only for large labels."""

from __future__ import annotations

import numpy as np
import pytest

from demarcate.model.geometry import Geometry
from demarcate.model.mesh import Mesh
from demarcate.render import surface_chunks
from demarcate.render.surface_chunks import (
    EXACT,
    _coarse_share,
    chunks_for_box,
    detail_factors,
    label_layout,
    merge_pieces,
    mesh_chunks,
)
from demarcate.render.surfaces import mask_surface

MIRRORED = Geometry((0.8, 0.7, 1.5), (10.0, -4.0, 2.0), np.diag([-1.0, -1.0, 1.0]))


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 8 cells, so that small volumes cross many chunk borders."""
    monkeypatch.setattr(surface_chunks, "CHUNK", 8)


def blobs(shape=(21, 26, 30), seed=3) -> np.ndarray:
    """Label 1: two overlapping balls, one touching the volume's border; label 2 noise."""
    z, y, x = np.ogrid[: shape[0], : shape[1], : shape[2]]
    labels = np.zeros(shape, np.uint16)
    labels[(z - 10) ** 2 + (y - 12) ** 2 + (x - 9) ** 2 < 49] = 1
    labels[(z - 4) ** 2 + (y - 14) ** 2 + (x - 20) ** 2 < 36] = 1
    rng = np.random.default_rng(seed)
    labels[(rng.random(shape) < 0.02) & (labels == 0)] = 2
    return labels


def whole(labels, value, geometry, factors=EXACT) -> Mesh:
    chunks = chunks_for_box((slice(0, None),) * 3, labels.shape, factors)
    return merge_pieces(mesh_chunks(labels, value, chunks, geometry, factors).values())


def sorted_rows(points: np.ndarray) -> np.ndarray:
    return points[np.lexsort(points.T[::-1])]


def welded_edges_are_shared_twice(mesh: Mesh) -> bool:
    """Closed surface: after merging equal positions, every edge has two triangles."""
    _, index = np.unique(mesh.vertices, axis=0, return_inverse=True)
    faces = index.ravel()[mesh.faces]
    edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]),
                    axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    return bool((counts == 2).all())


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("geometry", [Geometry(), MIRRORED])
def test_chunked_surface_is_the_one_pass_surface(geometry):
    labels = blobs()
    for value in (1, 2):
        chunked = whole(labels, value, geometry)
        reference = mask_surface(labels == value, geometry)
        assert chunked.triangle_count == reference.triangle_count
        np.testing.assert_allclose(sorted_rows(np.unique(chunked.vertices, axis=0)),
                                   sorted_rows(np.unique(reference.vertices, axis=0)),
                                   atol=1e-4)


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("geometry", [Geometry(), MIRRORED])
def test_pieces_meet_without_gaps_and_face_outwards(geometry):
    mesh = whole(blobs(), 1, geometry)
    assert welded_edges_are_shared_twice(mesh)
    a, b, c = (mesh.vertices[mesh.faces[:, k]] for k in range(3))
    face_normals = np.cross(b - a, c - a)
    vertex_normals = mesh.normals[mesh.faces].mean(axis=1)
    assert (np.einsum("ij,ij->i", face_normals, vertex_normals) > 0).mean() > 0.99
    np.testing.assert_allclose(np.linalg.norm(mesh.normals, axis=1), 1.0, atol=1e-5)


@pytest.mark.usefixtures("small_chunks")
def test_re_meshing_the_chunks_of_a_changed_box_gives_the_new_surface():
    labels = blobs()
    pieces = mesh_chunks(labels, 1, chunks_for_box((slice(0, None),) * 3, labels.shape),
                         Geometry())
    box = (slice(14, 21), slice(3, 9), slice(22, 30))  # a stroke at the far border
    labels[box] = 1
    touched = chunks_for_box(box, labels.shape)
    assert 0 < len(touched) < len(pieces)
    pieces.update(mesh_chunks(labels, 1, touched, Geometry()))
    updated = merge_pieces(pieces.values())
    assert updated.triangle_count == mask_surface(labels == 1, Geometry()).triangle_count
    assert welded_edges_are_shared_twice(updated)


def test_chunks_for_box_takes_every_cell_a_changed_voxel_is_a_corner_of():
    chunk = surface_chunks.CHUNK
    shape = (3 * chunk, 10, 10)
    # Voxel chunk - 1 is padded voxel chunk: a corner of cells chunk - 1 and chunk.
    assert {c[0] for c in chunks_for_box((slice(chunk - 1, chunk), slice(0, 1),
                                          slice(0, 1)), shape)} == {0, 1}
    assert {c[0] for c in chunks_for_box((slice(0, 1), slice(0, 1), slice(0, 1)),
                                         shape)} == {0}
    assert chunks_for_box((slice(5, 5), slice(0, 1), slice(0, 1)), shape) == []


def test_coarse_share_is_the_block_mean_also_for_cut_blocks():
    rng = np.random.default_rng(0)
    inside = rng.random((7, 9, 10)) < 0.4
    share = _coarse_share(inside, (2, 3, 4))
    assert share.shape == (4, 3, 3)
    for index in np.ndindex(share.shape):
        block = inside[index[0] * 2:index[0] * 2 + 2, index[1] * 3:index[1] * 3 + 3,
                       index[2] * 4:index[2] * 4 + 4]
        assert share[index] == pytest.approx(block.mean())


def test_small_labels_keep_every_voxel_and_large_ones_get_cubic_coarse_voxels():
    assert detail_factors((slice(0, 30),) * 3, (1.0, 1.0, 1.0)) == EXACT
    factors = detail_factors((slice(0, 200), slice(0, 400), slice(0, 400)), (2.5, 0.7, 0.7))
    assert factors[1] == factors[2] > 1
    coarse_mm = np.multiply(factors, (2.5, 0.7, 0.7))
    assert coarse_mm.max() / coarse_mm.min() < 1.5


def test_a_coarse_surface_lies_where_the_exact_one_does_with_fewer_triangles():
    z, y, x = np.ogrid[:120, :120, :120]
    labels = ((z - 60) ** 2 + (y - 60) ** 2 + (x - 58) ** 2 < 50 ** 2).astype(np.uint16)
    factors, chunks = label_layout(labels, 1, (1.0, 1.0, 1.0))
    assert factors == (3, 3, 3)
    coarse = merge_pieces(mesh_chunks(labels, 1, chunks, MIRRORED, factors).values())
    exact = whole(labels, 1, MIRRORED)
    assert coarse.triangle_count < exact.triangle_count / 3
    for bound in (np.min, np.max):  # within a coarse voxel (3 x 1.5 mm at most)
        np.testing.assert_allclose(bound(coarse.vertices, axis=0),
                                   bound(exact.vertices, axis=0), atol=4.5)
    assert welded_edges_are_shared_twice(coarse)


def test_an_absent_label_has_no_chunks_and_merging_nothing_is_empty():
    labels = blobs()
    assert label_layout(labels, 7, (1.0, 1.0, 1.0)) == (EXACT, [])
    assert merge_pieces([]).triangle_count == 0
    assert merge_pieces([Mesh.empty()]).triangle_count == 0
