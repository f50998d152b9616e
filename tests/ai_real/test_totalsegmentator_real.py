"""TotalSegmentator's real Python API through the real worker. Without its weights (they
cannot be downloaded here) the run ends in one message that says where the weights must
be placed, and the adapter's own checks answer before anything is loaded; with a tiny
model placed where it looks (build_tiny_totalseg.py) it segments a small image."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from demarcate.ai.client import run_prediction
from demarcate.ai.errors import AiError

from .conftest import HERE, run_ai_python

IMAGE = np.random.default_rng(0).normal(size=(12, 20, 22)).astype(np.float32)


@pytest.fixture
def totalseg_python(ai_python, tmp_path, monkeypatch) -> str:
    probe = subprocess.run([ai_python, "-c", "import totalsegmentator"], capture_output=True,
                           text=True, timeout=300)
    if probe.returncode != 0:
        pytest.skip("TotalSegmentator is not installed in the AI venv (.ci/ai-venv says why)")
    # The worker inherits the environment: TotalSegmentator's home (its config and
    # weights) goes to an empty temporary folder, never the user's.
    monkeypatch.setenv("TOTALSEG_HOME_DIR", str(tmp_path / "totalseg"))
    monkeypatch.delenv("TOTALSEG_WEIGHTS_PATH", raising=False)
    return ai_python


def predict(python, params):
    return run_prediction(python, "totalsegmentator_adapter", IMAGE, (3.0, 1.5, 1.5),
                          {"device": "cpu", **params}, timeout_s=600)


def test_tiny_model_where_totalsegmentator_looks(totalseg_python, tmp_path):
    """task "total", fast: TotalSegmentator resamples to 3 mm and runs the tiny model with
    its variant trainer; the boxes it learned come back as named classes on our grid, in
    an image whose direction TotalSegmentator must reorient (ITK diag(-1, -1, 1))."""
    probe = subprocess.run([totalseg_python, "-c", "import torchvision"], capture_output=True,
                           text=True, timeout=300)
    if probe.returncode != 0:
        pytest.skip("torchvision does not load in the AI venv, so nnU-Net cannot look up "
                    "TotalSegmentator's trainer (.ci/ai-venv says why)")
    weights = tmp_path / "totalseg" / "nnunet" / "results"
    run_ai_python(HERE / "build_tiny_totalseg.py", weights, timeout=600)
    rng = np.random.default_rng(3)
    image = rng.normal(size=(1, 16, 18, 20)).astype(np.float32)
    truth = np.zeros(image.shape[1:], np.uint16)
    for box, value, label in [((slice(2, 8), slice(3, 9), slice(4, 10)), 4, 1),
                              ((slice(9, 14), slice(10, 16), slice(11, 17)), 8, 2)]:
        image[(0, *box)] += value
        truth[box] = label
    result = run_prediction(totalseg_python, "totalsegmentator_adapter", image,
                            (3.0, 3.0, 3.0), {
                                "device": "cpu", "task": "total", "fast": True,
                                "direction": [[-1, 0, 0], [0, -1, 0], [0, 0, 1]],
                                "origin": [10.0, 20.0, -30.0]}, timeout_s=600)
    assert result.labels.shape == image.shape[1:]
    assert result.labels.dtype == np.uint16
    assert len(result.names) == 117
    assert (result.names[1], result.names[2], result.names[5]) == (
        "spleen", "kidney_right", "liver")
    assert set(np.unique(result.labels)) <= set(result.names) | {0}
    for label in (1, 2):  # a model trained for a few steps: a rough find is enough
        found, true = result.labels == label, truth == label
        dice = 2 * np.count_nonzero(found & true) / (found.sum() + true.sum())
        assert dice > 0.8, (result.names[label], dice)


def test_missing_weights_say_where_they_must_be_placed(totalseg_python, tmp_path):
    folder = tmp_path / "totalseg" / "nnunet" / "results" / (
        "Dataset297_TotalSegmentator_total_3mm_1559subj")
    with pytest.raises(AiError) as caught:
        predict(totalseg_python, {"task": "total", "fast": True})
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("TotalSegmentator weights Dataset297_TotalSegmentator_total_3mm"
                              "_1559subj are missing and cannot be downloaded here")
    assert f"place the folder at {folder} " in message
    assert "Traceback" not in message


@pytest.mark.parametrize(("params", "message"), [
    ({"task": "no_such_task"}, "unknown TotalSegmentator task 'no_such_task'"),
    ({"task": "total", "roi_subset": ["liver", "wing"]}, "task 'total' has no class wing"),
    ({"task": "total", "device": "tpu"}, "unknown device 'tpu'"),
])
def test_bad_parameters_are_named(totalseg_python, params, message):
    with pytest.raises(AiError, match=message):
        predict(totalseg_python, params)
