"""MITK multilabel .nrrd: the real MITK-written files round-trip through v1 and v4."""

from __future__ import annotations

import json

import numpy as np
import pytest

from demarcate.formats import describe_segmentation_file, read_segmentation, write_segmentation
from demarcate.formats.nrrd_header import read_header
from demarcate.model import Geometry, Label, LabelGroup, Segmentation

from .conftest import assert_same_labels, assert_same_voxels, real, synthetic_segmentation

MITK_FILES = [
    "seg/mitk/ct_sm_totalseg.mitk.nrrd",
    "seg/mitk/ct3slice_2groups.mitk.nrrd",
    "seg/mitk/mitral_4d_11frames_2groups.mitk.nrrd",
]
GROUPS_KEY = "org.mitk.multilabel.segmentation.labelgroups"


@pytest.mark.parametrize("relative", MITK_FILES)
@pytest.mark.parametrize("version", [1, 4])
def test_real_mitk_files_round_trip(data, tmp_path, relative, version):
    source = real(data, relative)
    seg = read_segmentation(source)
    assert (seg.source_format, seg.source_version) == ("mitk", 4)
    target = tmp_path / f"out_v{version}.nrrd"
    assert write_segmentation(seg, target, mitk_version=version) == [target]
    back = read_segmentation(target)
    assert back.source_version == version
    assert_same_voxels(seg, back)
    assert_same_labels(seg.labels, back.labels)
    assert back.extra_header == seg.extra_header
    assert back.unlabeled_locked == seg.unlabeled_locked
    if version == 4:
        assert [g.name for g in back.groups] == [g.name for g in seg.groups]
        # Our v4 header carries exactly the label JSON MITK itself wrote.
        original = read_header(source).keyvalues[GROUPS_KEY]
        assert read_header(target).keyvalues[GROUPS_KEY] == original
    else:
        assert [g.name for g in back.groups] == [f"Group {i}" for i in range(len(seg.groups))]


def test_real_two_group_file_keeps_overlap_and_metadata(data):
    seg = read_segmentation(real(data, "seg/mitk/ct3slice_2groups.mitk.nrrd"))
    assert [g.name for g in seg.groups] == ["abdomen", "heart (overlaps liver)"]
    assert [label.name for label in seg.labels] == ["Liver", "Spine", "Heart"]
    liver = seg.groups[0].array == 1
    heart = seg.groups[1].array == 3
    assert int(np.count_nonzero(liver & heart)) == 522
    assert seg.extra_header["org_mitk_uid"] == "8d773875-ea66-4a9f-8941-19558a0c1e3d"
    assert "MITK_Relations_1_ruleID" in seg.extra_header
    assert json.loads(seg.extra_header["DICOM_0010_0010"])["values"][0]["value"] == "JANCT000"
    assert not any(key.startswith("org.mitk.multilabel") for key in seg.extra_header)
    assert describe_segmentation_file(real(data, "seg/mitk/ct3slice_2groups.mitk.nrrd")) == (
        "mitk",
        4,
    )


def test_real_4d_file(data, tmp_path):
    seg = read_segmentation(real(data, "seg/mitk/mitral_4d_11frames_2groups.mitk.nrrd"))
    assert seg.time_steps == 11 and seg.shape_zyx == (38, 35, 38)
    assert seg.groups[0].array.shape == (11, 38, 35, 38)
    # The time axis' spatial part (an MITK quirk) does not leak into the geometry.
    np.testing.assert_allclose(seg.geometry.direction, np.diag([-1.0, -1.0, 1.0]))
    assert seg.geometry.time_step_ms == pytest.approx(1.0)
    image_grid = read_segmentation(real(data, "4d/seg4d_11f_label1.nii.gz"))
    assert seg.geometry.matches(image_grid.geometry)
    np.testing.assert_array_equal(seg.groups[0].array, image_grid.groups[0].array)
    fields = read_header(_written(seg, tmp_path / "4d.nrrd", 4)).fields
    assert fields["dimension"] == "5"
    assert fields["kinds"] == "vector domain domain domain domain"
    assert fields["sizes"] == "2 38 35 38 11"


def _written(seg, path, version):
    write_segmentation(seg, path, mitk_version=version)
    return path


def test_v1_layout_is_what_mitk_2023_04_writes(tmp_path):
    seg = synthetic_segmentation(groups=2)
    seg.groups[1].labels[0].extra = {"tracking_id": "7", "description": "from a preset"}
    seg.groups.append(LabelGroup("empty", seg.new_group_array()))
    header = read_header(_written(seg, tmp_path / "v1.nrrd", 1))
    keys = header.keyvalues
    assert keys["modality"] == "org.mitk.multilabel.segmentation"
    assert keys["org.mitk.multilabel.segmentation.version"] == "1"
    assert keys["org.mitk.multilabel.segmentation.unlabeledlabellock"] == "0"
    assert header.fields["kinds"] == "vector domain domain domain"
    groups = json.loads(keys[GROUPS_KEY])
    assert len(groups) == 3 and groups[2] == {"labels": None}
    label = groups[0]["labels"][0]
    assert list(label) == ["color", "locked", "name", "opacity", "value", "visible"]
    assert label["color"]["type"] == "ColorProperty" and len(label["color"]["value"]) == 3
    assert all("name" not in group for group in groups[:2])
    # Compact, sorted JSON, as nlohmann::json::dump() prints it.
    assert keys[GROUPS_KEY].startswith('[{"labels":[{"color":{"type":"ColorProperty","value":[')


def test_v4_writes_group_names_plain_colours_and_extras(tmp_path):
    seg = synthetic_segmentation(groups=1)
    seg.groups[0].labels[0].extra = {"tracking_id": "7", "description": "note", "custom": 3}
    seg.groups[0].name = "Bauch"
    seg.unlabeled_locked = True
    back = read_segmentation(_written(seg, tmp_path / "v4.nrrd", 4))
    groups = json.loads(read_header(tmp_path / "v4.nrrd").keyvalues[GROUPS_KEY])
    assert groups[0]["name"] == "Bauch"
    assert groups[0]["labels"][0]["color"] == pytest.approx(list(seg.labels[0].color))
    assert back.labels[0].extra == {"tracking_id": "7", "description": "note", "custom": 3}
    assert back.unlabeled_locked
    assert_same_labels(seg.labels, back.labels)


def test_4d_synthetic_round_trip_and_static_single_group(tmp_path):
    seg = synthetic_segmentation(groups=1, time_steps=3)
    back = read_segmentation(_written(seg, tmp_path / "t.nrrd", 1))
    assert_same_voxels(seg, back)
    assert back.geometry.time_step_ms == pytest.approx(40.0)
    assert read_header(tmp_path / "t.nrrd").fields["kinds"] == "domain domain domain domain"


def test_unicode_names_survive(tmp_path):
    seg = synthetic_segmentation(groups=1)
    seg.groups[0].labels[0] = Label(1, 'Läsion – rechts "A"', (1, 0, 0))
    back = read_segmentation(_written(seg, tmp_path / "u.nrrd", 4))
    assert back.labels[0].name == 'Läsion – rechts "A"'


def _legacy_label(value: int, name: str, color: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><Label>'
        f'<property key="color" type="ColorProperty"><color r="{color}" g="0" b="0"/></property>'
        f'<property key="name" type="StringProperty"><string value="{name}"/></property>'
        f'<property key="value" type="UShortProperty"><unsigned value="{value}"/></property>'
        "</Label>"
    )


def test_legacy_pre_2023_file_is_read_and_duplicates_renumbered(tmp_path):
    from demarcate.formats.nrrd_writer import write_label_nrrd
    from demarcate.model import Geometry

    a = np.zeros((1, 2, 3, 4), np.uint16)
    b = np.zeros_like(a)
    a[0, 0, 0, :2] = 1
    b[0, 1, 1, :] = 1
    keys = {
        "modality": "org.mitk.image.multilabel",
        "layers": "2",
        "layer_000": "2",
        "layer_001": "1",
        "org.mitk.label_000_00000": _legacy_label(0, "Exterior", "0"),
        "org.mitk.label_000_00001": _legacy_label(1, "Liver", "1"),
        "org.mitk.label_001_00000": _legacy_label(1, "Tumour", "0.5"),
        "org_mitk_uid": "abc",
    }
    write_label_nrrd(tmp_path / "old.nrrd", [a, b], Geometry(), keys)
    seg = read_segmentation(tmp_path / "old.nrrd")
    assert (seg.source_format, seg.source_version) == ("mitk-legacy", None)
    assert [(x.value, x.name) for x in seg.labels] == [(1, "Liver"), (2, "Tumour")]
    np.testing.assert_array_equal(seg.groups[1].array, b * 2)
    assert seg.extra_header == {"org_mitk_uid": "abc"}


def test_frame_interval_of_3d_plus_t_survives_a_write_and_read(tmp_path):
    """MITK reads the interval only from its time-geometry keys; so do we."""
    seg = Segmentation((2, 3, 4), Geometry(time_step_ms=40.0), time_steps=3)
    seg.groups.append(LabelGroup("Group 0", seg.new_group_array()))
    write_segmentation(seg, tmp_path / "t.nrrd", mitk_version=4)
    back = read_segmentation(tmp_path / "t.nrrd")
    assert back.geometry.time_step_ms == 40.0
    assert "org_mitk_timegeometry_timepoints" not in back.extra_header


def test_what_a_format_cannot_keep():
    from demarcate import formats
    from demarcate.model import Label, LabelGroup, Segmentation

    seg = Segmentation((2, 3, 4))
    seg.groups.append(LabelGroup("Organs", seg.new_group_array(), [Label(1, "Liver")]))
    seg.groups.append(LabelGroup("Group 1", seg.new_group_array(), [Label(2, "Lesion")]))
    (v1,) = formats.what_is_lost(seg, "out.nrrd", mitk_version=1)
    assert "'Organs'" in v1 and "Group 1" not in v1.split(":")[1].split("will")[0]
    assert formats.what_is_lost(seg, "out.nrrd", mitk_version=4) == []
    assert "label names" in formats.what_is_lost(seg, "out.nii.gz")[0]
    assert formats.what_is_lost(seg, "out.seg.nrrd") == []
