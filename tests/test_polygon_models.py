"""Polygon models: label surfaces in world coordinates, checked against SimpleITK's
index-to-physical transform on real files (CT, the DICOM series stored in reverse slice
order, an MR with a mirroring direction) and on synthetic oblique grids; the smoothed
model against the plain one."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
import trimesh
from scipy import ndimage
from scipy.spatial import cKDTree

from demarcate import formats
from demarcate.model import Geometry, Label, LabelGroup, Segmentation
from demarcate.model.mesh import Mesh
from demarcate.render.polygon_models import (
    inverse_distance_laplacian,
    polygon_model,
    smoothed_label_surface,
    smoothing_sigma_mm,
)
from demarcate.render.surfaces import label_surface


def boundary_points(mask_zyx: np.ndarray, reference: sitk.Image) -> np.ndarray:
    """World positions (SimpleITK's) of the label voxels with a face on the outside."""
    boundary = mask_zyx & ~ndimage.binary_erosion(mask_zyx, border_value=0)
    return np.array([reference.TransformContinuousIndexToPhysicalPoint(
        [float(x), float(y), float(z)]) for z, y, x in np.argwhere(boundary)])


def voxel_diagonal(reference: sitk.Image) -> float:
    return float(np.linalg.norm(reference.GetSpacing()[:3]))


def as_trimesh(mesh: Mesh) -> trimesh.Trimesh:
    return trimesh.Trimesh(mesh.vertices, mesh.faces, process=False)


def is_closed(surface: trimesh.Trimesh) -> bool:
    """No edge bounds a single triangle: each is shared by two (or, where two voxels
    touch along an edge only, by four: marching cubes pinches the surface there)."""
    _, counts = np.unique(np.sort(surface.edges, axis=1), axis=0, return_counts=True)
    return bool(np.all(counts % 2 == 0))


def assert_on_the_boundary(mesh: Mesh, mask_zyx: np.ndarray, reference: sitk.Image) -> None:
    """Every vertex lies within half a voxel diagonal of a boundary voxel's centre, the
    boxes agree within a voxel, the surface is closed and wound outwards, and the
    normals point out of the label."""
    points = boundary_points(mask_zyx, reference)
    diagonal = voxel_diagonal(reference)
    distances, _ = cKDTree(points).query(mesh.vertices.astype(float))
    assert distances.max() <= diagonal / 2 + 1e-3
    assert np.allclose(mesh.vertices.min(axis=0), points.min(axis=0), atol=diagonal)
    assert np.allclose(mesh.vertices.max(axis=0), points.max(axis=0), atol=diagonal)
    surface = as_trimesh(mesh)
    assert is_closed(surface)
    assert surface.volume > 0  # outward winding gives a positive volume
    step = 0.25 * min(reference.GetSpacing()[:3])
    outside = 0
    for vertex, normal in zip(mesh.vertices, mesh.normals, strict=True):
        x, y, z = np.round(reference.TransformPhysicalPointToContinuousIndex(
            (vertex + step * normal).astype(float).tolist())).astype(int)
        inside_grid = all(0 <= i < n for i, n in zip((z, y, x), mask_zyx.shape, strict=True))
        outside += not inside_grid or not mask_zyx[z, y, x]
    assert outside >= 0.95 * len(mesh.vertices)


def test_ct_labels_lie_where_simpleitk_puts_their_voxels(shared_data):
    path = shared_data / "ct" / "example_seg.nii.gz"
    image = formats.read_image(shared_data / "ct" / "example_ct_sm.nii.gz")
    labels = formats.read_segmentation(path, reference=image).groups[0].array[0]
    reference = sitk.ReadImage(str(path))
    counts = np.bincount(labels.ravel())
    present = np.flatnonzero(counts[1:]) + 1
    for value in (present[np.argmin(counts[present])], present[np.argmax(counts[present])]):
        mask = labels == value
        assert_on_the_boundary(label_surface(labels, value, image.geometry), mask, reference)


@pytest.mark.parametrize("name", ["liver", "heart"])
def test_dicom_series_stored_in_reverse_slice_order(shared_data, name):
    """Instance 1 of this series is its top slice, so the files run against the slice
    axis; the meshes must still sit where SimpleITK's series reader puts the voxels."""
    folder = shared_data / "dicom" / "dcmqi_ct_3slice"
    reader = sitk.ImageSeriesReader()
    reader.SetFileNames(reader.GetGDCMSeriesFileNames(str(folder)))
    reference = reader.Execute()
    image = formats.read_image(folder)
    seg = formats.read_segmentation(shared_data / "dicom" / f"{name}_seg.nrrd", reference=image)
    (label,) = seg.labels
    labels = seg.groups[0].array[0]
    mesh = label_surface(labels, label.value, image.geometry)
    assert_on_the_boundary(mesh, labels == label.value, reference)


def test_mirroring_direction_keeps_normals_and_winding_outwards(shared_data):
    path = shared_data / "mr" / "brain1_label.nrrd"
    image = formats.read_image(shared_data / "mr" / "brain1_image.nrrd")
    assert np.linalg.det(image.geometry.direction) < 0
    labels = formats.read_segmentation(path, reference=image).groups[0].array[0]
    mesh = label_surface(labels, 1, image.geometry)
    assert_on_the_boundary(mesh, labels == 1, sitk.ReadImage(str(path)))


def rotation(axis, degrees: float) -> np.ndarray:
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    angle = np.radians(degrees)
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


def ellipsoid(shape_zyx, centre_zyx, radii_zyx) -> np.ndarray:
    grid = np.indices(shape_zyx, dtype=float)
    return sum(((g - c) / r) ** 2 for g, c, r in zip(grid, centre_zyx, radii_zyx,
                                                      strict=True)) <= 1.0


def oblique_file(tmp_path, mask_zyx: np.ndarray, mirrored: bool) -> tuple[Geometry, sitk.Image]:
    """The mask as an oblique (optionally mirrored) NRRD: our reader's geometry and
    SimpleITK's image of the same file."""
    direction = rotation((1, 2, 3), 30) @ (np.diag([1, 1, -1]) if mirrored else np.eye(3))
    written = sitk.GetImageFromArray(mask_zyx.astype(np.uint8))
    written.SetSpacing((0.7, 1.1, 2.5))
    written.SetOrigin((10.0, -20.0, 30.0))
    written.SetDirection(direction.flatten().tolist())
    path = tmp_path / "oblique.nrrd"
    sitk.WriteImage(written, str(path))
    return formats.read_image(path).geometry, sitk.ReadImage(str(path))


@pytest.mark.parametrize("mirrored", [False, True])
def test_synthetic_oblique_direction(tmp_path, mirrored):
    mask = ellipsoid((20, 30, 40), (9, 14, 20), (6, 10, 14))
    mask[:, :5, :3] = True  # a block on the volume's border: closed there too
    geometry, reference = oblique_file(tmp_path, mask, mirrored)
    assert (np.linalg.det(geometry.direction) < 0) == mirrored
    labels = mask.astype(np.uint16)
    assert_on_the_boundary(label_surface(labels, 1, geometry), mask, reference)
    box = ndimage.find_objects(labels)[0]
    assert np.array_equal(label_surface(labels, 1, geometry, box).vertices,
                          label_surface(labels, 1, geometry).vertices)


def mean_absolute_curvature(mesh: Mesh) -> float:
    """Mean |H| over the surface (1/mm), discretised on the edges as
    1/2 sum |dihedral angle| * edge length / area: it measures the surface, not its
    triangulation, so longer edges after decimation neither help nor hurt (a sphere of
    radius R gives 1/R however finely it is meshed)."""
    surface = as_trimesh(mesh)
    edges = surface.face_adjacency_edges
    lengths = np.linalg.norm(surface.vertices[edges[:, 0]] - surface.vertices[edges[:, 1]],
                             axis=1)
    return 0.5 * float(np.sum(surface.face_adjacency_angles * lengths)) / surface.area


def test_smoothed_model_is_smoother_coarser_and_keeps_size_and_place(tmp_path):
    radius_mm = 15.0
    spacing_zyx = np.array([2.5, 1.1, 0.7])
    shape = (24, 40, 60)
    mask = ellipsoid(shape, (12, 20, 30), radius_mm / spacing_zyx)
    geometry, reference = oblique_file(tmp_path, mask, mirrored=True)
    labels = mask.astype(np.uint16)
    plain = label_surface(labels, 1, geometry)
    smooth = smoothed_label_surface(labels, 1, geometry)
    assert smooth.triangle_count < 0.6 * plain.triangle_count
    plain_curvature, smooth_curvature = map(mean_absolute_curvature, (plain, smooth))
    # A sphere's is 1/R: the staircase is far above it, the smoothed model near it.
    assert plain_curvature > 4 / radius_mm
    assert smooth_curvature < min(0.5 * plain_curvature, 2 / radius_mm)
    # Taubin smoothing does not shrink: the volume stays the sphere's.
    volume = as_trimesh(smooth).volume
    assert volume == pytest.approx(4 / 3 * np.pi * radius_mm**3, rel=0.1)
    assert as_trimesh(smooth).is_watertight
    points = boundary_points(mask, reference)
    distances, _ = cKDTree(points).query(smooth.vertices.astype(float))
    assert distances.max() <= voxel_diagonal(reference)
    centre = reference.TransformContinuousIndexToPhysicalPoint((30.0, 20.0, 12.0))
    assert np.allclose(as_trimesh(smooth).center_mass, centre, atol=0.5)


def test_smoothing_sigma_follows_mitk_and_the_filters_see_beyond_the_label_box():
    assert smoothing_sigma_mm(Geometry((0.5, 0.5, 4.0))) == pytest.approx(2.0)
    labels = np.zeros((30, 30, 30), np.uint16)
    labels[10:20, 10:20, 10:20] = 1
    geometry = Geometry((1.0, 1.0, 1.0))
    moved = np.zeros((40, 40, 40), np.uint16)
    moved[20:30, 20:30, 20:30] = 1  # the same cube with more room around it
    near = smoothed_label_surface(labels, 1, geometry, sigma_mm=3.0)
    far = smoothed_label_surface(moved, 1, geometry, sigma_mm=3.0)
    assert np.allclose(np.sort(near.vertices + 10, axis=0), np.sort(far.vertices, axis=0),
                       atol=1e-4)


def test_the_fast_laplacian_is_trimesh_s_inverse_distance_one():
    surface = trimesh.creation.icosphere(subdivisions=3)
    surface.vertices *= [1.0, 2.0, 0.5]
    expected = trimesh.smoothing.laplacian_calculation(surface, equal_weight=False)
    assert np.allclose(inverse_distance_laplacian(surface).toarray(), expected.toarray())


def test_a_label_thinner_than_the_median_still_gets_a_smoothed_surface():
    labels = np.zeros((12, 30, 30), np.uint16)
    labels[6, 5:25, 5:25] = 1  # one thick slice (a leaflet): a 3x3x3 median removes it
    mesh = smoothed_label_surface(labels, 1, Geometry((1.0, 1.0, 4.0)))
    assert mesh.triangle_count > 0 and as_trimesh(mesh).is_watertight


def test_model_of_every_label_with_names_colours_and_progress(shared_data):
    image = formats.read_image(shared_data / "dicom" / "dcmqi_ct_3slice")
    seg = formats.read_segmentation(shared_data / "seg" / "mitk" / "ct3slice_2groups.mitk.nrrd",
                                    reference=image)
    seg.groups[0].labels.append(Label(9, "empty", (0.5, 0.5, 0.5)))  # no voxel: no mesh
    reports = []
    model = polygon_model(seg, 0, progress=lambda fraction, name: reports.append(name))
    assert [m.name for m in model.labels] == ["Liver", "Spine", "Heart"]
    assert reports == ["Liver", "Spine", "empty", "Heart", ""]
    heart = model.labels[2]
    assert (heart.value, heart.color) == (3, seg.label(3).color)
    # Liver and heart overlap (different groups): each has its whole surface.
    liver_mesh = label_surface(seg.groups[0].array[0], 1, seg.geometry)
    assert np.array_equal(model.labels[0].mesh.vertices, liver_mesh.vertices)
    assert not model.smoothed and model.vanished == ()


def test_model_of_one_time_step():
    seg = Segmentation((12, 12, 12), Geometry(), time_steps=3)
    group = LabelGroup("Group 0", seg.new_group_array(), [Label(1, "moving", (1.0, 0, 0))])
    seg.groups.append(group)
    group.array[1, 3:9, 3:9, 3:9] = 1
    assert polygon_model(seg, 0).labels == ()
    (only,) = polygon_model(seg, 1, smoothed=True).labels
    assert only.mesh.triangle_count > 0
