"""A real nnU-Net v2 model in the real window: the tiny results folder of tests/ai_real
(built by the AI venv's Python), picked through ``nnUNet_results``, run on a synthetic
image through the real worker and nnUNetPredictor; its labels come named from
dataset.json and Confirm writes them. Runs in the real-model stage only
(``DEMARCATE_AI_PYTHON`` set to the AI venv's python; ``bash .ci/ai-venv`` builds it),
and skips, saying why, otherwise."""

from __future__ import annotations

import json
import os
import subprocess

import numpy as np
import pytest
import SimpleITK as sitk

from demarcate import formats

from ..conftest import REPO_ROOT
from .test_tools_window import saved_labels

BUILD_TINY = REPO_ROOT / "tests" / "ai_real" / "build_tiny_nnunet.py"
PYTHON_ENV = "DEMARCATE_AI_PYTHON"  # the real-model stage's switch, as in tests/ai_real


@pytest.fixture
def ai_python() -> str:
    value = os.environ.get(PYTHON_ENV)
    if not value:
        pytest.skip(f"the real-model stage runs with {PYTHON_ENV} set to the AI venv's "
                    "python (bash .ci/ai-venv builds .ai-venv)")
    if not BUILD_TINY.is_file():
        pytest.skip(f"{BUILD_TINY} is missing")
    probe = subprocess.run([value, "-c", "import nnunetv2, torch"], capture_output=True,
                           text=True, timeout=300)
    if probe.returncode != 0:
        pytest.skip(f"{value} cannot import nnunetv2 and torch")
    return value


def test_the_tiny_real_model_runs_and_confirms_named_labels(launch, monkeypatch, tmp_path,
                                                            ai_python):
    results = tmp_path / "nnUNet_results"
    subprocess.run([ai_python, str(BUILD_TINY), str(results)], check=True,
                   capture_output=True, timeout=600)
    rng = np.random.default_rng(5)  # noise with a liver box (+4) and a spleen box (+8)
    values = rng.normal(size=(16, 32, 32)).astype(np.float32)
    values[3:9, 4:11, 5:12] += 4
    values[8:14, 18:26, 17:25] += 8
    image = sitk.GetImageFromArray(values)
    image.SetSpacing((1.0, 1.0, 2.0))
    sitk.WriteImage(image, str(tmp_path / "boxes.nii.gz"))
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "preferences.json").write_text(json.dumps({"ai_python": ai_python}))
    monkeypatch.setenv("nnUNet_results", str(results))
    monkeypatch.setenv("DEMARCATE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("DEMARCATE_AI_ADAPTER", raising=False)

    app = launch(tmp_path / "boxes.nii.gz")
    app.wait_for(lambda: app.layout().get("view_axial", [0, 0, 0])[2] > 100, what="views")
    app.click("new_segmentation_button")
    app.wait_for_item("label_1")
    app.click("view_axial")
    app.key("n")
    app.wait_for_item("ai_run")
    app.click("ai_run")
    app.wait_for(lambda: app.state("_preview_regions") or "Error" in app.state(
        "_tool_status", ""), what="the real model's preview", timeout_s=300)
    app.wait_idle()
    assert "nnU-Net Dataset001_Tiny: 2 label(s) in" in app.state("_tool_status")
    app.click("volume_confirm")
    app.wait_for(lambda: app.state("_undo_depth") == 1, what="the Confirm's undo step")
    saved_labels(app, tmp_path, "tiny")
    group = formats.read_segmentation(tmp_path / "tiny.nrrd").groups[-1]
    assert [label.name for label in group.labels] == ["liver", "spleen"]
    values_written = {label.value for label in group.labels}
    assert set(np.unique(group.array)) <= {0, *values_written}
    assert all((group.array == value).any() for value in values_written)
