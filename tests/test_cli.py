"""The headless CLI contract: info, convert, and the no-display message."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from .formats.label_files import mitk_file


def run(*args, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "demarcate", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=120)


def info(path) -> dict:
    done = run("info", path, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_gui_without_display_explains_what_to_do():
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = run("--sample", env=env)
    assert done.returncode == 2
    assert "xvfb-run" in done.stderr and "info" in done.stderr
    assert "Traceback" not in done.stderr


def test_info_on_an_image(shared_data):
    result = info(shared_data / "ct/example_ct_sm.nii.gz")
    assert result["kind"] == "image"
    assert result["shape"] == [122, 101, 30]
    assert result["spacing"] == pytest.approx([3.0, 3.0, 3.0])
    assert result["dtype"] == "int16"
    assert result["time_steps"] == 1


def test_info_on_4d_image(shared_data):
    result = info(shared_data / "4d/img4d_11f.nii.gz")
    assert result["time_steps"] == 11 and result["shape"] == [38, 35, 38]


def test_info_on_mitk_segmentation(shared_data):
    result = info(shared_data / "seg/mitk/ct3slice_2groups.mitk.nrrd")
    assert result["kind"] == "segmentation"
    assert result["format"] == "mitk" and result["version"] == 4
    assert [g["name"] for g in result["groups"]] == ["abdomen", "heart (overlaps liver)"]
    labels = {lb["name"]: lb for g in result["groups"] for lb in g["labels"]}
    assert set(labels) == {"Liver", "Spine", "Heart"}
    heart = labels["Heart"]
    assert heart["value"] == 3 and heart["voxels"] > 0
    assert set(heart) == {"value", "name", "color", "locked", "visible", "opacity", "voxels"}
    assert len(heart["color"]) == 3 and all(0 <= c <= 1 for c in heart["color"])


def test_info_text_output(shared_data):
    done = run("info", shared_data / "seg/slicer/Segmentation.seg.nrrd")
    assert done.returncode == 0, done.stderr
    assert "format slicer" in done.stdout and "right lung" in done.stdout


@pytest.mark.parametrize("version", [1, 4])
def test_convert_mitk_to_mitk_and_slicer_keeps_labels_and_voxels(shared_data, tmp_path,
                                                                  version):
    source = shared_data / "seg/mitk/ct3slice_2groups.mitk.nrrd"
    mitk = tmp_path / "out.nrrd"
    done = run("convert", source, mitk, "--mitk-version", version)
    assert done.returncode == 0, done.stderr
    slicer = tmp_path / "out.seg.nrrd"
    assert run("convert", mitk, slicer).returncode == 0
    original, converted, via_slicer = info(source), info(mitk), info(slicer)
    assert converted["version"] == version
    assert via_slicer["format"] == "slicer"

    def labels(result):
        return sorted((lb["value"], lb["name"], lb["voxels"], tuple(round(c, 5) for c in
                       lb["color"])) for g in result["groups"] for lb in g["labels"])

    assert labels(converted) == labels(original) == labels(via_slicer)


def test_convert_to_label_maps_one_file_per_group(shared_data, tmp_path):
    source = shared_data / "seg/mitk/ct3slice_2groups.mitk.nrrd"
    done = run("convert", source, tmp_path / "labels.nii.gz")
    assert done.returncode == 0, done.stderr
    written = [Path(line) for line in done.stdout.split()]
    assert len(written) == 2 and all(p.exists() for p in written)


def test_convert_with_mismatched_reference_fails_in_one_line(shared_data, tmp_path):
    done = run("convert", shared_data / "seg/mitk/ct3slice_2groups.mitk.nrrd",
               tmp_path / "x.nrrd", "--reference", shared_data / "ct/example_ct_sm.nii.gz")
    assert done.returncode != 0
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.nrrd").exists()


def test_convert_refuses_corrupted_gzip_payload(shared_data, tmp_path):
    """A flipped byte in the compressed voxels must be an error, not other voxels."""
    data = (shared_data / "seg/mitk/ct_sm_totalseg.mitk.nrrd").read_bytes()
    header_end = data.index(b"\n\n") + 2
    payload = bytearray(data[header_end:])
    assert gzip.decompress(bytes(payload))  # the original is sound
    payload[len(payload) // 2] ^= 0xFF
    broken = tmp_path / "broken.nrrd"
    broken.write_bytes(data[:header_end] + bytes(payload))
    target = tmp_path / "out.nrrd"
    target.write_bytes(b"keep me")
    done = run("convert", broken, target)
    assert done.returncode != 0
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert target.read_bytes() == b"keep me"


def test_convert_truncated_file_and_missing_file(shared_data, tmp_path):
    data = (shared_data / "seg/slicer/Segmentation.seg.nrrd").read_bytes()
    truncated = tmp_path / "cut.seg.nrrd"
    truncated.write_bytes(data[: len(data) * 2 // 3])
    for source in (truncated, tmp_path / "missing.nrrd"):
        done = run("convert", source, tmp_path / "out.nrrd")
        assert done.returncode == 1
        assert done.stderr.startswith("demarcate convert:")


def test_convert_to_unwritable_folder(shared_data, tmp_path):
    done = run("convert", shared_data / "seg/slicer/Segmentation.seg.nrrd",
               tmp_path / "no/such/folder/out.nrrd")
    assert done.returncode == 1 and "Traceback" not in done.stderr


def test_info_system_reports_the_compute_backend():
    done = run("info", "--system", "--json")
    assert done.returncode == 0, done.stderr
    compute = json.loads(done.stdout)["compute"]
    assert compute["backend"] in ("numpy", "cupy")


def test_convert_rounds_a_float_label_map_only_when_asked(tmp_path):
    import numpy as np
    import SimpleITK as sitk

    source = tmp_path / "resampled.nii.gz"
    labels = np.zeros((4, 5, 6), np.float32)
    labels[1:3, 1:4, 1:5] = 2.0
    labels[2, 2, 2] = 1.4  # interpolated
    sitk.WriteImage(sitk.GetImageFromArray(labels), str(source))
    refused = run("convert", source, tmp_path / "out.nrrd")
    assert refused.returncode == 1 and "--round" in refused.stderr
    assert run("convert", source, tmp_path / "out.nrrd", "--round").returncode == 0
    converted = sitk.GetArrayFromImage(sitk.ReadImage(str(tmp_path / "out.nrrd")))
    assert converted[2, 2, 2] == 1 and (converted == 2).sum() == 23


def strict_json(text: str):
    """json.loads as a strict JSON reader: a bare NaN or Infinity is refused."""
    def refuse(name):
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_info_json_is_strict_json_with_null_for_nan(tmp_path):
    """A float image with NaN voxels (common outside a mask) is described, and its
    intensity range prints as null instead of a bare NaN that JSON readers refuse."""
    import numpy as np
    import SimpleITK as sitk

    voxels = np.arange(24, dtype=np.float32).reshape(2, 3, 4)
    voxels[0, 0, 0] = np.nan
    sitk.WriteImage(sitk.GetImageFromArray(voxels), str(tmp_path / "nan.nrrd"))
    done = run("info", tmp_path / "nan.nrrd", "--json")
    assert done.returncode == 0, done.stderr
    assert strict_json(done.stdout)["intensity_range"] == [None, None]


def test_info_json_is_strict_json_on_every_real_segmentation(shared_data):
    paths = [*(shared_data / "seg/mitk").glob("*.nrrd"), *(shared_data / "seg").rglob("*.seg.nrrd")]
    assert len(paths) == 4
    for path in paths:
        done = run("info", path, "--json")
        assert done.returncode == 0, done.stderr
        strict_json(done.stdout)


@pytest.mark.parametrize(
    ("keys", "problem"),
    [
        ({"org.mitk.multilabel.segmentation.labelgroups":
          '[{"labels":[{"value":1,"name":"a","opacity":NaN}]}]'}, "NaN is not a JSON number"),
        ({"org_mitk_timegeometry_timepoints": "0 nan nan"}, "time point 'nan'"),
    ],
    ids=["nan-opacity", "nan-time-points"],
)
def test_convert_refuses_nan_instead_of_writing_an_unreadable_file(tmp_path, keys, problem):
    """Issue #16 item 7: convert used to write these, and neither Demarcate nor MITK could
    read the result (a bare NaN in the label JSON, a NaN time axis in the NRRD)."""
    source = mitk_file(tmp_path / "source.nrrd", time_steps=2, **keys)
    target = tmp_path / "out.nrrd"
    done = run("convert", source, target, "--mitk-version", 4)
    assert done.returncode == 1
    assert done.stderr.startswith(f"demarcate convert: {source}: ")
    assert problem in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not target.exists()


def test_convert_of_a_sound_4d_mitk_file_reads_back(tmp_path):
    source = mitk_file(tmp_path / "source.nrrd", time_steps=2,
                       org_mitk_timegeometry_timepoints="0 40 80")
    done = run("convert", source, tmp_path / "out.nrrd", "--mitk-version", 4)
    assert done.returncode == 0, done.stderr
    result = info(tmp_path / "out.nrrd")
    assert result["time_steps"] == 2 and result["groups"][0]["labels"][0]["opacity"] == 0.5
