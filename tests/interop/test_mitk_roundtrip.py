"""Real MITK reads what Demarcate writes, and Demarcate reads what real MITK writes.

The strongest proof of MITK compatibility is MITK itself: each test converts a real file
with ``demarcate convert`` (MITK format version 1, what MITK 2023.04 reads, and version
4, what current MITK writes), lets MITK's C++ reader load the result (mitk_dump.py in the
mitk-python venv), and compares every label attribute and every voxel with
``demarcate info --json`` and with the arrays our own reader returns. The reverse tests let
MITK's writer produce fresh files for our reader. Differences are listed one per line
(group, label, attribute, MITK's value, ours) so a failure says exactly what differs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from demarcate.formats import read_preset, read_segmentation, write_preset, write_segmentation
from demarcate.model import (
    Geometry,
    Label,
    LabelGroup,
    LabelSetPreset,
    PresetGroup,
    Segmentation,
)

from .conftest import MitkRead, demarcate_info, run_demarcate

pytestmark = pytest.mark.interop

COLOR_TOLERANCE = 1e-6
# MITK keeps opacity as float32, so 1e-6 is also what a float32 round trip allows.
OPACITY_TOLERANCE = 1e-6
MITK_SOURCES = [
    "seg/mitk/ct_sm_totalseg.mitk.nrrd",
    "seg/mitk/ct3slice_2groups.mitk.nrrd",
    "seg/mitk/mitral_4d_11frames_2groups.mitk.nrrd",
]
# Plain label maps written by other tools: uint8, int32, 3D+t, GIPL.
LABEL_MAPS = [
    "ct/example_seg.nii.gz",
    "mr/brain1_label.nrrd",
    "4d/seg4d_11f_label2.nii.gz",
    "seg/itksnap/MRIcrop-seg.gipl.gz",
]
SOURCES = [*MITK_SOURCES, "seg/slicer/Segmentation.seg.nrrd", *LABEL_MAPS]
# Properties that MITK derives from the reading itself, not from the file's content.
READER_PROPERTIES = ("MITK.IO.reader.",)


def real_file(shared_data: Path, relative: str) -> Path:
    path = shared_data / relative
    if not path.is_file():
        pytest.skip(f"real test file {relative} is missing from shared/data")
    return path


def as_tzyx(array: np.ndarray, time_steps: int) -> np.ndarray:
    """Bring (z, y, x), (1, z, y, x) and (t, z, y, x) arrays to (time_steps, z, y, x).

    A static group (one mask for all time steps) is repeated, which is how MITK, which
    has no static groups, stores it.
    """
    if array.ndim == 3:
        array = array[np.newaxis]
    if array.shape[0] == 1 and time_steps > 1:
        array = np.repeat(array, time_steps, axis=0)
    return array


def label_differences(
    theirs: list[dict[str, Any]], ours: list[dict[str, Any]], where: str, ours_name: str
) -> list[str]:
    """Every differing label attribute, as 'where label V: key: MITK x != ours_name y'."""
    problems = []
    their_values = [label["value"] for label in theirs]
    our_values = [label["value"] for label in ours]
    if their_values != our_values:
        return [f"{where}: label values MITK {their_values} != {ours_name} {our_values}"]
    for mitk_label, our_label in zip(theirs, ours, strict=True):
        prefix = f"{where} label {mitk_label['value']} ({our_label['name']!r})"
        for key in ("name", "locked", "visible"):
            if mitk_label[key] != our_label[key]:
                problems.append(
                    f"{prefix}: {key}: MITK {mitk_label[key]!r} != {ours_name} {our_label[key]!r}"
                )
        if not np.allclose(mitk_label["color"], our_label["color"], rtol=0, atol=COLOR_TOLERANCE):
            problems.append(
                f"{prefix}: color: MITK {mitk_label['color']} != {ours_name} {our_label['color']}"
            )
        if abs(mitk_label["opacity"] - our_label["opacity"]) > OPACITY_TOLERANCE:
            problems.append(
                f"{prefix}: opacity: MITK {mitk_label['opacity']} != "
                f"{ours_name} {our_label['opacity']}"
            )
    return problems


def label_dicts(labels: list[Label]) -> list[dict[str, Any]]:
    return [
        {
            "value": label.value,
            "name": label.name,
            "color": list(label.color),
            "opacity": label.opacity,
            "locked": label.locked,
            "visible": label.visible,
        }
        for label in labels
    ]


def voxel_differences(
    theirs: list[np.ndarray], ours: list[np.ndarray], time_steps: int, ours_name: str
) -> list[str]:
    """Per group: shape mismatch, or how many voxels differ and the first one."""
    problems = []
    if len(theirs) != len(ours):
        return [f"group count: MITK {len(theirs)} != {ours_name} {len(ours)}"]
    for index, (mitk_array, our_array) in enumerate(zip(theirs, ours, strict=True)):
        a, b = as_tzyx(mitk_array, time_steps), as_tzyx(our_array, time_steps)
        if a.shape != b.shape:
            problems.append(
                f"group {index}: voxel array shape (t,z,y,x) MITK {a.shape} != "
                f"{ours_name} {b.shape}"
            )
            continue
        differ = np.argwhere(a != b)
        if len(differ):
            first = tuple(int(v) for v in differ[0])
            problems.append(
                f"group {index}: {len(differ)} voxels differ; first at (t,z,y,x)={first}: "
                f"MITK {int(a[first])} != {ours_name} {int(b[first])}"
            )
    return problems


def geometry_differences(theirs: MitkRead, seg: Segmentation, ours_name: str) -> list[str]:
    geometry, problems = theirs.geometry, []
    checks = [
        ("spacing", geometry["spacing"], seg.geometry.spacing_xyz, 1e-6),
        ("origin", geometry["origin"], seg.geometry.origin_xyz, 1e-4),
        ("direction", geometry["direction"], seg.geometry.direction, 1e-6),
    ]
    for key, mitk_value, our_value, tolerance in checks:
        if not np.allclose(mitk_value, our_value, rtol=0, atol=tolerance):
            problems.append(
                f"geometry {key}: MITK {np.asarray(mitk_value).tolist()} != "
                f"{ours_name} {np.asarray(our_value).tolist()}"
            )
    if geometry["time_steps"] != seg.time_steps:
        problems.append(
            f"time steps: MITK {geometry['time_steps']} != {ours_name} {seg.time_steps}"
        )
    if geometry["size_xyz"] != list(seg.shape_zyx[::-1]):
        problems.append(
            f"size (x,y,z): MITK {geometry['size_xyz']} != {ours_name} {list(seg.shape_zyx[::-1])}"
        )
    return problems


def compare_with_segmentation(
    theirs: MitkRead, seg: Segmentation, ours_name: str, *, group_names: bool
) -> list[str]:
    """Everything MITK read against one of our Segmentation objects."""
    problems = geometry_differences(theirs, seg, ours_name)
    if len(theirs.groups) != len(seg.groups):
        return [*problems, f"groups: MITK {len(theirs.groups)} != {ours_name} {len(seg.groups)}"]
    for index, (mitk_group, group) in enumerate(zip(theirs.groups, seg.groups, strict=True)):
        if group_names and mitk_group["name"] != group.name:
            problems.append(
                f"group {index} name: MITK {mitk_group['name']!r} != {ours_name} {group.name!r}"
            )
        problems += label_differences(
            mitk_group["labels"], label_dicts(group.labels), f"group {index}", ours_name
        )
    problems += voxel_differences(
        theirs.arrays, [g.array for g in seg.groups], seg.time_steps, ours_name
    )
    return problems


def compare_with_info(theirs: MitkRead, info: dict[str, Any], *, group_names: bool) -> list[str]:
    """Everything MITK read against ``demarcate info --json`` (labels and voxel counts)."""
    ours_name = "info --json"
    problems = []
    if info["kind"] != "segmentation":
        return [f"info --json kind is {info['kind']!r}, not 'segmentation'"]
    if info["shape"] != theirs.geometry["size_xyz"]:
        problems.append(f"shape: MITK {theirs.geometry['size_xyz']} != info {info['shape']}")
    if not np.allclose(info["spacing"], theirs.geometry["spacing"], rtol=0, atol=1e-6):
        problems.append(f"spacing: MITK {theirs.geometry['spacing']} != info {info['spacing']}")
    if len(info["groups"]) != len(theirs.groups):
        return [*problems, f"groups: MITK {len(theirs.groups)} != info {len(info['groups'])}"]
    for index, (mitk_group, info_group) in enumerate(
        zip(theirs.groups, info["groups"], strict=True)
    ):
        if group_names and mitk_group["name"] != info_group["name"]:
            problems.append(
                f"group {index} name: MITK {mitk_group['name']!r} != info {info_group['name']!r}"
            )
        problems += label_differences(
            mitk_group["labels"], info_group["labels"], f"group {index}", ours_name
        )
        array = theirs.arrays[index]
        for label in info_group["labels"]:
            counted = int(np.count_nonzero(array == label["value"]))
            if counted != label["voxels"]:
                problems.append(
                    f"group {index} label {label['value']}: voxels MITK {counted} != "
                    f"info {label['voxels']}"
                )
    return problems


def undeclared_value_warnings(theirs: MitkRead) -> list[str]:
    """MITK's own check: voxel values that no label of their group declares."""
    return [w for w in theirs.record["validate"] if "not declared" in w]


def assert_no_differences(problems: list[str], context: str) -> None:
    assert not problems, f"{context}:\n  " + "\n  ".join(problems)


# --- Demarcate writes, MITK reads ---------------------------------------------------------


@pytest.mark.parametrize("version", [1, 4])
@pytest.mark.parametrize("relative", SOURCES, ids=lambda r: Path(r).name.split(".")[0])
def test_mitk_reads_our_converted_file(shared_data, tmp_path, mitk_read, relative, version):
    source = real_file(shared_data, relative)
    target = tmp_path / f"ours_v{version}.nrrd"
    run_demarcate("convert", source, target, "--mitk-version", version)
    header = target.read_bytes()[:65536]
    assert f"org.mitk.multilabel.segmentation.version:={version}\n".encode() in header

    theirs = mitk_read(target)
    info = demarcate_info(target)
    ours = read_segmentation(target)
    original = read_segmentation(source)
    # The v1 schema has no group names (MITK 2023.04 reads only "labels"), so names are
    # compared from v2 on.
    names = version >= 2
    context = f"{relative} -> v{version}"
    assert_no_differences(compare_with_info(theirs, info, group_names=names), context)
    assert_no_differences(
        compare_with_segmentation(theirs, ours, "ours (read back)", group_names=names), context
    )
    assert_no_differences(
        compare_with_segmentation(theirs, original, "source", group_names=names), context
    )
    assert_no_differences(undeclared_value_warnings(theirs), f"{context}: MITK validate")


@pytest.mark.parametrize("version", [1, 4])
@pytest.mark.parametrize("relative", MITK_SOURCES, ids=lambda r: Path(r).name.split(".")[0])
def test_mitk_reads_our_file_as_it_reads_its_own(
    shared_data, tmp_path, mitk_read, relative, version
):
    """MITK sees the same in the original and in our conversion, header properties too."""
    source = real_file(shared_data, relative)
    target = tmp_path / f"ours_v{version}.nrrd"
    run_demarcate("convert", source, target, "--mitk-version", version)
    original, converted = mitk_read(source), mitk_read(target)
    context = f"{relative} -> v{version}, MITK original vs MITK ours"
    problems = []
    for key in ("size_xyz", "time_steps", "time_bounds"):
        if original.geometry[key] != converted.geometry[key]:
            problems.append(
                f"{key}: original {original.geometry[key]} != ours {converted.geometry[key]}"
            )
    for key in ("spacing", "origin", "direction"):
        if not np.allclose(original.geometry[key], converted.geometry[key], rtol=0, atol=1e-6):
            problems.append(
                f"{key}: original {original.geometry[key]} != ours {converted.geometry[key]}"
            )
    for index, (a, b) in enumerate(zip(original.groups, converted.groups, strict=False)):
        if version >= 2 and a["name"] != b["name"]:
            problems.append(f"group {index} name: original {a['name']!r} != ours {b['name']!r}")
        problems += label_differences(a["labels"], b["labels"], f"group {index}", "ours")
    problems += voxel_differences(
        original.arrays, converted.arrays, original.geometry["time_steps"], "ours"
    )

    def content(read: MitkRead) -> dict[str, Any]:
        return {
            key: value
            for key, value in read.record["properties"].items()
            if not key.startswith(READER_PROPERTIES)
        }

    before, after = content(original), content(converted)
    for key in sorted(set(before) | set(after)):
        if before.get(key) != after.get(key):
            problems.append(
                f"property {key}: original {before.get(key)!r} != ours {after.get(key)!r}"
            )
    assert_no_differences(problems, context)


@pytest.mark.parametrize("version", [1, 4])
def test_mitk_reads_a_static_segmentation_of_a_dynamic_image(tmp_path, mitk_read, version):
    """One mask for every time step of a 3D+t image is written as a 3D file.

    That is MITK's own "static segmentation" of a dynamic image: one time step whose time
    bounds cover all time points, so MITK shows the mask at every time step.
    """
    seg = Segmentation((3, 4, 5), time_steps=4, dynamic=False)
    array = np.zeros((1, 3, 4, 5), dtype=np.uint16)
    array[0, 1, 2, 3] = 9
    array[0, 2, 0, :] = 10
    seg.groups.append(
        LabelGroup("static", array, [Label(9, "Nine"), Label(10, "Ten", (0.0, 0.5, 1.0))])
    )
    target = tmp_path / f"static_v{version}.nrrd"
    write_segmentation(seg, target, mitk_version=version)
    theirs = mitk_read(target)
    assert theirs.geometry["time_steps"] == 1
    ((start, end),) = theirs.geometry["time_bounds"]
    assert start < -1e300 and end > 1e300, "a static segmentation must cover every time point"
    assert_no_differences(
        voxel_differences(theirs.arrays, [array], 1, "ours"), f"static segmentation v{version}"
    )


@pytest.mark.parametrize("version", [1, 4])
def test_mitk_sees_our_time_step(tmp_path, mitk_read, version):
    """A 40 ms frame interval must reach MITK as time bounds 0-40, 40-80, 80-120."""
    geometry = Geometry((0.5, 0.75, 2.0), (10.0, -20.0, 5.5), np.diag([-1.0, -1.0, 1.0]), 40.0)
    seg = Segmentation((4, 6, 5), geometry, time_steps=3)
    array = np.zeros(seg.group_shape(), dtype=np.uint16)
    array[1, 2, 3, 4] = 1
    seg.groups.append(LabelGroup("moving", array, [Label(1, "Valve")]))
    target = tmp_path / f"timed_v{version}.nrrd"
    write_segmentation(seg, target, mitk_version=version)
    theirs = mitk_read(target)
    assert_no_differences(voxel_differences(theirs.arrays, [array], 3, "ours"), f"timed v{version}")
    assert theirs.geometry["time_bounds"] == [[0.0, 40.0], [40.0, 80.0], [80.0, 120.0]]


# --- MITK writes, Demarcate reads ---------------------------------------------------------


def _spec_from(
    seg: Segmentation, folder: Path, *, reference: Path | None = None, restyle: bool = False
) -> Path:
    """A mitk_dump.py --write spec for ``seg`` (arrays as .npy beside it).

    ``restyle`` sets non-default flags (unlocked, hidden, odd opacity, non-ASCII name) on
    alternate labels, so every attribute has to survive MITK's writer and our reader.
    """
    groups = []
    for index, group in enumerate(seg.groups):
        np.save(folder / f"group_{index}.npy", group.array)
        labels = label_dicts(group.labels)
        if restyle:
            for position, label in enumerate(labels):
                if position % 2 == 0:
                    label.update(locked=False, visible=False, opacity=0.25)
                    label["name"] = f"{label['name']} – Größe {position}"
        groups.append({"name": group.name, "array": f"group_{index}.npy", "labels": labels})
    spec: dict[str, Any] = {"groups": groups}
    if reference is not None:
        spec["reference"] = str(reference)
    else:
        spec["geometry"] = {
            "shape_zyx": list(seg.shape_zyx),
            "spacing": list(seg.geometry.spacing_xyz),
            "origin": list(seg.geometry.origin_xyz),
            "direction": seg.geometry.direction.tolist(),
            "time_steps": seg.time_steps,
        }
    path = folder / "spec.json"
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("relative", "reference"),
    [
        ("seg/mitk/ct3slice_2groups.mitk.nrrd", None),
        ("seg/mitk/mitral_4d_11frames_2groups.mitk.nrrd", None),
        ("seg/slicer/Segmentation.seg.nrrd", "seg/slicer/CTChest4.nrrd"),
        ("seg/mitk/ct_sm_totalseg.mitk.nrrd", "ct/example_ct_sm.nii.gz"),
    ],
    ids=["2groups", "4d", "slicer-with-reference", "totalseg-with-reference"],
)
def test_we_read_what_mitk_writes(
    shared_data, tmp_path, mitk_read, mitk_write, relative, reference
):
    """MITK builds a segmentation (its API) and saves it (its writer); we must agree."""
    expected = read_segmentation(real_file(shared_data, relative))
    reference_path = real_file(shared_data, reference) if reference else None
    spec = _spec_from(expected, tmp_path, reference=reference_path, restyle=True)
    written = mitk_write(spec, tmp_path / "mitk_wrote.nrrd")
    wanted = json.loads(spec.read_text(encoding="utf-8"))

    info = demarcate_info(written)
    ours = read_segmentation(written)
    theirs = mitk_read(written)
    problems = []
    if info.get("format") != "mitk" or info.get("version") != 4:
        problems.append(
            f"info format/version: {info.get('format')!r} {info.get('version')!r}, "
            "expected 'mitk' 4"
        )
    for index, (group, info_group, our_group) in enumerate(
        zip(wanted["groups"], info["groups"], ours.groups, strict=False)
    ):
        for name, candidate in (("info --json", info_group["name"]), ("ours", our_group.name)):
            if candidate != group["name"]:
                problems.append(
                    f"group {index} name: MITK wrote {group['name']!r}, {name} read {candidate!r}"
                )
        problems += label_differences(
            group["labels"], info_group["labels"], f"group {index}", "info --json"
        )
        problems += label_differences(
            group["labels"], label_dicts(our_group.labels), f"group {index}", "ours"
        )
    if len(info["groups"]) != len(wanted["groups"]) or len(ours.groups) != len(wanted["groups"]):
        problems.append(
            f"groups: MITK wrote {len(wanted['groups'])}, info read "
            f"{len(info['groups'])}, ours read {len(ours.groups)}"
        )
    problems += voxel_differences(
        [g.array for g in expected.groups],
        [g.array for g in ours.groups],
        ours.time_steps,
        "ours",
    )
    problems += compare_with_segmentation(theirs, ours, "ours", group_names=True)
    assert_no_differences(problems, f"MITK-written {relative}")
    if reference_path is not None:  # MITK links the segmentation to its reference image
        assert any(key.startswith("MITK_Relations_") for key in ours.extra_header), sorted(
            ours.extra_header
        )


# --- presets --------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".lsetp"])
def test_mitk_loads_our_preset(shared_data, tmp_path, mitk_preset, suffix):
    """MITK's own preset loader applies our JSON and legacy XML presets label for label."""
    preset = read_preset(real_file(shared_data, "seg/mitk/ct3slice_2groups.preset.json"))
    styled = Label(9, "Gefäß ⟂ 9", (0.125, 0.5, 0.875), opacity=0.3, visible=False, locked=False)
    preset.groups.append(PresetGroup("extra", [styled]))
    target = tmp_path / f"ours{suffix}"
    write_preset(preset, target)
    theirs = mitk_preset(target)
    problems = []
    if len(theirs["groups"]) != len(preset.groups):
        problems.append(f"groups: MITK {len(theirs['groups'])} != ours {len(preset.groups)}")
    for index, (mitk_group, group) in enumerate(zip(theirs["groups"], preset.groups, strict=False)):
        # Legacy XML presets carry no group names; MITK then keeps its own (empty) ones.
        if suffix == ".json" and mitk_group["name"] != group.name:
            problems.append(
                f"group {index} name: MITK {mitk_group['name']!r} != ours {group.name!r}"
            )
        problems += label_differences(
            mitk_group["labels"], label_dicts(group.labels), f"group {index}", "ours"
        )
    assert_no_differences(problems, f"preset {suffix}")


def test_mitk_and_we_agree_on_preset_made_from_a_segmentation(shared_data, tmp_path, mitk_preset):
    """A preset saved from a real segmentation carries exactly its groups and labels."""
    seg = read_segmentation(real_file(shared_data, "seg/mitk/mitral_4d_11frames_2groups.mitk.nrrd"))
    target = tmp_path / "from_seg.json"
    write_preset(LabelSetPreset.from_segmentation(seg), target)
    theirs = mitk_preset(target)
    problems = []
    for index, (mitk_group, group) in enumerate(zip(theirs["groups"], seg.groups, strict=True)):
        if mitk_group["name"] != group.name:
            problems.append(f"group {index} name: MITK {mitk_group['name']!r} != {group.name!r}")
        problems += label_differences(
            mitk_group["labels"], label_dicts(group.labels), f"group {index}", "ours"
        )
    assert_no_differences(problems, "preset from segmentation")
