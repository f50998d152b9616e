"""TotalSegmentator's real Python API through the real worker, without its weights (they
cannot be downloaded here): the run ends in one message that says where the weights must
be placed, and the adapter's own checks answer before anything is loaded."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from demarcate.ai.client import run_prediction
from demarcate.ai.errors import AiError

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
