"""Real MITK (the mitk-python wheel, MITK's C++ reader) reads what Demarcate writes.

Needs a Python 3.12 environment with ``pip install mitk-python``; point
DEMARCATE_MITK_PYTHON at its interpreter (or create .mitk-venv in the repository).
Skipped otherwise, and marked ``interop`` so it can be deselected.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from demarcate.formats import read_segmentation, write_segmentation

from .conftest import real

pytestmark = pytest.mark.interop

REPO = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("mitk_summary.py")


def _mitk_python() -> str:
    candidates = [os.environ.get("DEMARCATE_MITK_PYTHON", ""), str(REPO / ".mitk-venv/bin/python")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.skip("no MITK Python (set DEMARCATE_MITK_PYTHON to a venv with mitk-python)")


def _mitk_reads(*paths: Path) -> list[dict]:
    result = subprocess.run(
        [_mitk_python(), str(SCRIPT), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("MITK-SUMMARY ")]
    assert result.returncode == 0 and lines, result.stderr[-2000:] or result.stdout[-2000:]
    return json.loads(lines[-1][len("MITK-SUMMARY ") :])


@pytest.mark.parametrize(
    "relative",
    [
        "seg/mitk/ct3slice_2groups.mitk.nrrd",
        "seg/mitk/mitral_4d_11frames_2groups.mitk.nrrd",
        "seg/slicer/Segmentation.seg.nrrd",
    ],
)
def test_mitk_reads_our_v1_and_v4_files(data, tmp_path, relative):
    seg = read_segmentation(real(data, relative))
    written = [tmp_path / "ours_v1.nrrd", tmp_path / "ours_v4.nrrd"]
    write_segmentation(seg, written[0], mitk_version=1)
    write_segmentation(seg, written[1], mitk_version=4)
    for version, summary in zip((1, 4), _mitk_reads(*written), strict=True):
        assert summary["time_steps"] == seg.time_steps
        np.testing.assert_allclose(summary["spacing"], seg.geometry.spacing_xyz, rtol=1e-6)
        np.testing.assert_allclose(summary["origin"], seg.geometry.origin_xyz, atol=1e-4)
        assert len(summary["groups"]) == len(seg.groups)
        for group, ours in zip(summary["groups"], seg.groups, strict=True):
            if version == 4:
                assert group["name"] == ours.name
            assert group["sum"] == int(ours.array.astype(np.int64).sum())
            assert group["nonzero"] == int(np.count_nonzero(ours.array))
            assert [x["value"] for x in group["labels"]] == ours.label_values()
            for theirs, label in zip(group["labels"], ours.labels, strict=True):
                assert theirs["name"] == label.name
                np.testing.assert_allclose(theirs["color"], label.color, atol=1e-6)
                assert theirs["opacity"] == pytest.approx(label.opacity, abs=1e-6)
                assert (theirs["locked"], theirs["visible"]) == (label.locked, label.visible)
