"""The TotalSegmentator adapter's affine and its way back onto our grid, checked with
nibabel and TotalSegmentator's own reorientation in the AI venv (totalseg_geometry.py);
the default suite checks the same against SimpleITK alone (tests/ai)."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest
import SimpleITK as sitk

from .conftest import HERE, run_ai_python


@pytest.mark.parametrize(("direction", "orientation"), [
    ([[-1.0, 0, 0], [0, -1, 0], [0, 0, 1]], "canonical"),  # the sample CT's
    ([[0, 0, 1], [1, 0, 0], [0, -1, 0]], "reoriented"),    # a sagittal acquisition
    ([[1.0, 0, 0], [0, 1, 0], [0, 0, -1]], "reoriented"),
])
def test_the_affine_and_the_way_back_agree_with_nibabel(ai_python, tmp_path, direction,
                                                       orientation):
    probe = subprocess.run([ai_python, "-c", "import nibabel, totalsegmentator"],
                           capture_output=True, text=True, timeout=300)
    if probe.returncode != 0:
        pytest.skip("TotalSegmentator is not installed in the AI venv (.ci/ai-venv says why)")
    image = sitk.GetImageFromArray(np.zeros((4, 5, 6), np.float32))
    image.SetSpacing((0.7, 0.8, 2.5))
    image.SetOrigin((-120.5, 33.25, 410.0))
    image.SetDirection([v for row in direction for v in row])
    sitk.WriteImage(image, str(tmp_path / "image.nii.gz"))
    geometry = {"spacing_zyx": [2.5, 0.8, 0.7], "direction": direction,
                "origin": [-120.5, 33.25, 410.0]}
    said = run_ai_python(HERE / "totalseg_geometry.py", tmp_path / "image.nii.gz",
                         json.dumps(geometry))
    assert said.stdout.split() == [orientation]
