"""The 3D tools through the session, on real images: voxels against SimpleITK and
scikit-image, the two Confirm targets, locks, time steps of a real 3D+t image, undo and
redo of a Confirm, and Cancel leaving nothing behind."""

from __future__ import annotations

import numpy as np
import pytest
import SimpleITK as sitk
from skimage.filters import threshold_multiotsu
from skimage.measure import label as connected_labels

from demarcate.model.preferences import Preferences
from demarcate.session import Session
from demarcate.tools.base import PlanesPreview, VolumePreview
from demarcate.tools.volume import ACTIVE_LABEL, ALL_STEPS


def open_session(shared_data, relative: str) -> Session:
    session = Session(Preferences())
    session.jobs.wait(session.open_image(shared_data / relative))
    session.new_segmentation()
    return session


@pytest.fixture
def ct(shared_data) -> Session:
    return open_session(shared_data, "ct/example_ct_sm.nii.gz")


def arm(session: Session, tool: str, **options) -> None:
    session.select_tool(tool)
    for name, value in options.items():
        session.set_tool_option(name, value)
    session.jobs.drain()


def confirm(session: Session) -> int:
    return session.jobs.wait(session.confirm_volume_tool(), timeout_s=120)


def label_mask(session: Session, value: int, time_step: int = 0) -> np.ndarray:
    seg = session.document.segmentation
    return seg.groups[seg.group_index_of(value)].array[seg.stored_time_index(time_step)] == value


def sitk_threshold(session: Session, lower: float, upper: float) -> np.ndarray:
    image = sitk.GetImageFromArray(session.image_entry.image.array[session.time_step])
    return sitk.GetArrayFromImage(sitk.BinaryThreshold(image, lower, upper, 1, 0)).astype(bool)


# --- Threshold and UL Threshold --------------------------------------------------------------


def test_threshold_starts_from_the_histogram_and_matches_simpleitk(ct):
    arm(ct, "threshold")
    tool = ct.armed_tool
    image = ct.image_entry.image.array[0]
    assert tool.limits == (float(image.min()), float(image.max()))
    assert (image >= tool.options["lower"]).mean() == pytest.approx(0.15, abs=0.03)
    ct.set_tool_option("lower", 200)
    assert isinstance(ct.tool_feedback.preview, PlanesPreview)  # the slices in view, at once
    ct.jobs.drain()
    assert isinstance(ct.tool_feedback.preview, VolumePreview)
    before = ct.document.history.undo_depth
    assert confirm(ct) > 0
    new = ct.document.segmentation.labels[-1]
    assert new.name == "Label 2" and ct.document.history.undo_depth == before + 1
    assert np.array_equal(label_mask(ct, new.value), sitk_threshold(ct, 200, float(image.max())))
    assert ct.armed_tool is None and ct.tool_feedback.preview is None


def test_ul_threshold_writes_into_the_active_label_and_respects_locks(ct):
    document = ct.document
    locked = document.add_label("Bone")  # locked by default, as in MITK
    image = ct.image_entry.image.array[0]
    bone = image > 400
    from demarcate.model import MaskRegion

    document.write(MaskRegion.from_full(bone), 0, locked.value)
    document.set_active_label(1)
    arm(ct, "ul_threshold", lower=-100, upper=600, target=ACTIVE_LABEL)
    assert ct.armed_tool.options["upper"] == 600
    confirm(ct)
    expected = sitk_threshold(ct, -100, 600) & ~bone
    assert np.array_equal(label_mask(ct, 1), expected)
    assert np.array_equal(label_mask(ct, locked.value), bone)  # the locked label kept its voxels
    assert [label.name for label in document.segmentation.labels] == ["Label 1", "Bone"]


def test_ul_threshold_keeps_lower_at_most_upper(ct):
    arm(ct, "ul_threshold", lower=100, upper=50)
    options = ct.armed_tool.options
    assert options["lower"] == options["upper"] == 50
    ct.set_tool_option("lower", 10_000)
    assert options["lower"] == options["upper"] == ct.armed_tool.limits[1]


def test_undo_and_redo_of_a_confirm_and_cancel_leaves_nothing(ct):
    arm(ct, "threshold", lower=300)
    confirm(ct)
    value = ct.document.segmentation.labels[-1].value
    written = label_mask(ct, value).copy()
    ct.undo()
    assert [label.value for label in ct.document.segmentation.labels] == [1]
    assert not ct.document.segmentation.groups[0].array.any()
    ct.redo()
    assert np.array_equal(label_mask(ct, value), written)
    depth = ct.document.history.undo_depth
    arm(ct, "threshold", lower=0)
    ct.cancel_volume_tool()
    assert ct.tool_feedback.preview is None and ct.armed_tool is None
    assert ct.document.history.undo_depth == depth
    with pytest.raises(ValueError, match="no 3D tool is armed"):
        ct.confirm_volume_tool()


def test_a_newer_slider_value_supersedes_the_preview_being_computed(ct):
    ct.select_tool("threshold")
    for lower in (100, 150, 200, 250):
        ct.set_tool_option("lower", lower)
    ct.jobs.drain()
    preview = ct.tool_feedback.preview
    mask = np.zeros(ct.image_entry.image.shape_zyx, bool)
    mask[preview.box] = preview.regions.astype(bool)
    assert np.array_equal(mask, sitk_threshold(ct, 250, 30000))


# --- Otsu ---------------------------------------------------------------------------------------


def test_otsu_regions_agree_with_scikit_image_and_ticked_regions_become_labels(ct):
    arm(ct, "otsu", regions=4)
    tool = ct.armed_tool
    image = ct.image_entry.image.array[0]
    ours = np.array(tool.result.histogram.markers)
    reference = threshold_multiotsu(image, classes=4, nbins=128)
    bin_width = (image.max() - image.min()) / 128
    assert np.abs(ours - reference).max() <= bin_width
    assert [r.number for r in tool.regions] == [1, 2, 3, 4] and tool.unticked == {1}
    ct.set_region_ticked(3, False)
    shown = ct.tool_feedback.preview
    assert set(np.unique(shown.regions)) == {0, 2, 4}
    confirm(ct)
    labels = ct.document.segmentation.labels
    assert [label.name for label in labels] == ["Label 1", "Label 2", "Label 3"]
    regions = np.digitize(image, ours) + 1
    assert np.array_equal(label_mask(ct, labels[1].value), regions == 2)
    assert np.array_equal(label_mask(ct, labels[2].value), regions == 4)


def test_otsu_goes_to_32_regions(ct):
    arm(ct, "otsu", regions=40)
    assert ct.armed_tool.options["regions"] == 32
    assert len(ct.armed_tool.regions) == 32


# --- Picking --------------------------------------------------------------------------------------


def two_islands(session: Session) -> tuple[np.ndarray, np.ndarray]:
    from demarcate.model import MaskRegion

    shape = session.image_entry.image.shape_zyx
    first, second = np.zeros(shape, bool), np.zeros(shape, bool)
    first[5:10, 20:30, 20:30] = True
    second[15:20, 50:60, 50:60] = True
    session.document.write(MaskRegion.from_full(first | second), 0, 1)
    return first, second


def test_picking_keeps_only_the_picked_island(ct):
    first, second = two_islands(ct)
    ct.select_tool("picking")
    ct.tool_press(0, (7, 25, 25))
    ct.tool_release()
    preview = ct.tool_feedback.preview
    assert preview is not None and int(preview.regions.sum()) == int(first.sum())
    confirm(ct)
    assert np.array_equal(label_mask(ct, 1), first)
    ct.undo()
    assert np.array_equal(label_mask(ct, 1), first | second)


def test_picking_island_of_a_locked_label_is_refused_in_pick_mode_but_relabeled(ct):
    from demarcate.model import MaskRegion

    first, _ = two_islands(ct)
    other = ct.document.add_label("Other")
    island = np.zeros(ct.image_entry.image.shape_zyx, bool)
    island[25:28, 70:75, 70:75] = True
    ct.document.write(MaskRegion.from_full(island), 0, other.value)
    ct.document.set_active_label(1)
    ct.select_tool("picking")
    ct.tool_press(0, (26, 72, 72))
    assert "locked" in ct.armed_tool.status and ct.tool_feedback.preview is None
    ct.set_tool_option("mode", "Relabel")
    ct.tool_press(0, (26, 72, 72))
    confirm(ct)
    assert np.array_equal(label_mask(ct, 1), first | island | label_mask(ct, 1))
    assert not label_mask(ct, other.value).any()


def test_picking_components_match_scikit_image_six_connectivity(ct):
    shape = ct.image_entry.image.shape_zyx
    from demarcate.model import MaskRegion

    rng = np.random.default_rng(3)
    blobs = rng.random(shape) > 0.7
    ct.document.write(MaskRegion.from_full(blobs), 0, 1)
    components = connected_labels(blobs, connectivity=1)
    voxel = tuple(int(v) for v in np.argwhere(components == np.bincount(
        components.ravel())[1:].argmax() + 1)[0])
    ct.select_tool("picking")
    axis = 1
    ct.tool_press(axis, voxel)
    confirm(ct)
    assert np.array_equal(label_mask(ct, 1), components == components[voxel])


# --- 3D+t ---------------------------------------------------------------------------------------


def test_preview_follows_the_time_step_and_confirm_writes_all_time_steps(shared_data):
    session = open_session(shared_data, "4d/img4d_11f.nii.gz")
    image = session.image_entry.image.array
    arm(session, "threshold", lower=120)
    assert session.tool_feedback.preview.time_step == 0
    session.set_time_step(4)
    session.jobs.drain()
    preview = session.tool_feedback.preview
    assert preview.time_step == 4
    mask = np.zeros(image.shape[1:], bool)
    mask[preview.box] = preview.regions.astype(bool)
    assert np.array_equal(mask, image[4] >= 120)
    session.set_tool_option("time_steps", ALL_STEPS)
    session.jobs.drain()
    confirm(session)
    value = session.document.segmentation.labels[-1].value
    for t in range(image.shape[0]):
        assert np.array_equal(label_mask(session, value, t), image[t] >= 120), t
    session.undo()
    assert not session.document.segmentation.groups[0].array.any()


def test_current_time_step_only_by_default(shared_data):
    session = open_session(shared_data, "4d/img4d_11f.nii.gz")
    session.set_time_step(2)
    arm(session, "otsu", regions=2)
    confirm(session)
    array = session.document.segmentation.groups[0].array
    assert array[2].any() and not np.delete(array, 2, axis=0).any()


def test_static_segmentation_refuses_all_time_steps_with_a_message(shared_data):
    session = open_session(shared_data, "4d/img4d_11f.nii.gz")
    session.document.set_dynamic(False)
    arm(session, "threshold", lower=120, time_steps=ALL_STEPS)
    with pytest.raises(ValueError, match="static"):
        session.confirm_volume_tool()


# --- GrowCut ----------------------------------------------------------------------------------


def seeded(session: Session) -> None:
    """Object seeds (Label 1) in the liver and background seeds (Label 2) outside it."""
    from demarcate.model import MaskRegion

    shape = session.image_entry.image.shape_zyx
    document = session.document
    background = document.add_label("Background")
    document.set_active_label(1)
    liver, outside = np.zeros(shape, bool), np.zeros(shape, bool)
    liver[14:17, 40:44, 25:35] = True
    outside[14:17, 5:8, 40:80] = True
    document.write(MaskRegion.from_full(liver), 0, 1)
    document.write(MaskRegion.from_full(outside), 0, background.value)


def grown_map(session: Session) -> np.ndarray:
    """Every region of the held result (the shown preview leaves unticked ones out)."""
    preview = session.armed_tool.result.preview
    regions = np.zeros(session.image_entry.image.shape_zyx, np.uint16)
    regions[preview.box] = preview.regions
    return regions


def test_growcut_preview_equals_the_kernel_and_follows_a_scribble_incrementally(ct):
    from demarcate.gpu.growcut import growcut
    from demarcate.model import MaskRegion
    from demarcate.tools.growcut_tool import MARGIN

    seeded(ct)
    arm(ct, "growcut", auto_background=False)  # GrowCut alone, as the kernel computes it
    tool = ct.armed_tool
    image = ct.image_entry.image.array[0]
    spacing = ct.image_entry.image.geometry.spacing_zyx
    seeds = ct.document.segmentation.groups[0].array[0]
    expected = growcut(image, seeds.copy(), spacing, 0.0, MARGIN).labels
    assert np.array_equal(grown_map(ct), expected)  # values 1, 2 are the regions 1, 2
    assert [r.name for r in tool.regions] == ["Label 1", "Background"]
    assert tool.unticked == {2}  # "Background" starts unticked
    # The user switches to the brush and scribbles: GrowCut stays armed and re-runs.
    ct.select_tool("paint")
    assert ct.armed_tool is tool and ct.tool_feedback.preview is not None
    scribble = np.zeros(image.shape, bool)
    scribble[15, 20:24, 50:60] = True
    ct.document.write(MaskRegion.from_full(scribble), 0, 1)
    ct.jobs.drain()
    assert "incremental" in tool.status
    full = growcut(image, ct.document.segmentation.groups[0].array[0].copy(), spacing, 0.0,
                   MARGIN).labels
    assert np.array_equal(grown_map(ct), full)


def test_growcut_confirm_writes_the_ticked_seed_regions_as_new_labels(ct):
    seeded(ct)
    arm(ct, "growcut")
    grown = grown_map(ct)
    depth = ct.document.history.undo_depth
    confirm(ct)
    seg = ct.document.segmentation
    assert [group.name for group in seg.groups] == ["Group 0", "GrowCut"]
    (result,) = seg.groups[1].labels  # "Background" started unticked
    assert (result.name, result.color) == ("Label 1", seg.label(1).color)
    assert np.array_equal(label_mask(ct, result.value), grown == 1)
    assert ct.document.history.undo_depth == depth + 1
    ct.undo()
    assert len(ct.document.segmentation.groups) == 1


def test_growcut_without_two_seed_labels_says_what_to_draw(ct):
    arm(ct, "growcut", auto_background=False)
    assert "at least two labels" in ct.armed_tool.status
    assert ct.tool_feedback.preview is None
    arm(ct, "growcut", auto_background=True)  # one object label is enough, once scribbled
    assert "scribble on the object" in ct.armed_tool.status
    assert ct.tool_feedback.preview is None


def test_a_volume_larger_than_free_gpu_memory_runs_on_the_cpu_and_says_so(ct, monkeypatch):
    """With a GPU whose free memory holds not even one slice, Threshold and GrowCut
    compute on the CPU (same voxels) and the tool's status says why; nothing crashes."""
    from demarcate.gpu import backend

    monkeypatch.setattr(backend, "free_device_bytes", lambda: 1024)
    arm(ct, "threshold", lower=200)
    assert "running on the CPU" in ct.armed_tool.status
    preview = ct.tool_feedback.preview
    mask = np.zeros(ct.image_entry.image.shape_zyx, bool)
    mask[preview.box] = preview.regions.astype(bool)
    assert np.array_equal(mask, ct.image_entry.image.array[0] >= 200)
    ct.cancel_volume_tool()
    seeded(ct)
    arm(ct, "growcut")
    assert "running on the CPU" in ct.armed_tool.status
    assert ct.armed_tool.result.exact
