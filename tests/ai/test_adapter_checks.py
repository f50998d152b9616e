"""The adapters' checks that run before the AI package is imported, and their message
when the package is missing: this test Python has neither torch, nnunetv2, nnunet nor
totalsegmentator, as a user's plain environment would not. Real predictions are in
tests/ai_real."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from demarcate.ai.worker import nnunet_v1, nnunet_v2, totalsegmentator_adapter

IMAGE = np.zeros((1, 4, 5, 6), np.float32)
SPACING = (2.0, 1.0, 1.0)


def no_progress(fraction, message=""):
    pass


def run(adapter, params, image=IMAGE):
    return adapter.run(image, SPACING, params, no_progress)


@pytest.fixture(autouse=True)
def without_ai_packages():
    for name in ("torch", "nnunetv2", "nnunet", "totalsegmentator"):
        if importlib.util.find_spec(name) is not None:
            pytest.skip(f"{name} is installed in this Python; these tests need it absent")


def v2_folder(root: Path, folds=(0, 1), channels=("CT",)) -> Path:
    folder = root / "Dataset001_A" / "nnUNetTrainer__nnUNetPlans__3d_fullres"
    folder.mkdir(parents=True)
    (folder / "dataset.json").write_text(json.dumps({
        "channel_names": {str(i): c for i, c in enumerate(channels)},
        "labels": {"background": 0, "organ": 1}}))
    (folder / "plans.json").write_text("{}")
    for fold in folds:
        (folder / f"fold_{fold}").mkdir()
        (folder / f"fold_{fold}" / "checkpoint_final.pth").write_bytes(b"")
    return folder


def v1_folder(root: Path, pickles=True) -> Path:
    folder = root / "nnUNet" / "3d_fullres" / "Task004_A" / "nnUNetTrainerV2__nnUNetPlansv2.1"
    (folder / "fold_0").mkdir(parents=True)
    (folder / "plans.pkl").write_bytes(b"")
    (folder / "fold_0" / "model_final_checkpoint.model").write_bytes(b"")
    if pickles:
        (folder / "fold_0" / "model_final_checkpoint.model.pkl").write_bytes(b"")
    return folder


@pytest.mark.parametrize("adapter", [nnunet_v2, nnunet_v1])
def test_a_missing_model_folder_is_named(tmp_path, adapter):
    with pytest.raises(RuntimeError, match=f"model folder {tmp_path / 'nope'} does not exist"):
        run(adapter, {"model_folder": str(tmp_path / "nope")})


def test_v2_a_folder_without_plans_is_not_a_model(tmp_path):
    folder = v2_folder(tmp_path)
    (folder / "plans.json").unlink()
    with pytest.raises(RuntimeError, match="is not an nnU-Net model folder \\(no plans.json\\)"):
        run(nnunet_v2, {"model_folder": str(folder)})


def test_v2_missing_folds_are_listed_with_the_available_ones(tmp_path):
    folder = v2_folder(tmp_path)
    with pytest.raises(RuntimeError, match="no checkpoint_final.pth for fold\\(s\\) 2, 3 "
                                           "\\(available: 0, 1\\)"):
        run(nnunet_v2, {"model_folder": str(folder), "folds": [0, 2, 3]})


def test_v2_a_model_without_checkpoints_is_not_trained(tmp_path):
    folder = v2_folder(tmp_path, folds=())
    (folder / "fold_0").mkdir()
    with pytest.raises(RuntimeError, match="has no fold_N/checkpoint_final.pth: the model is "
                                           "not trained"):
        run(nnunet_v2, {"model_folder": str(folder), "folds": None})


def test_v2_the_channel_count_must_match_dataset_json(tmp_path):
    folder = v2_folder(tmp_path, channels=("T2", "ADC"))
    with pytest.raises(RuntimeError, match="the model takes 2 channel\\(s\\) \\(T2, ADC\\), "
                                           "the image has 1"):
        run(nnunet_v2, {"model_folder": str(folder)})


def test_v2_an_ensemble_member_is_checked_too(tmp_path):
    folder = v2_folder(tmp_path)
    with pytest.raises(RuntimeError, match="model folder .*other does not exist"):
        run(nnunet_v2, {"model_folder": str(folder),
                        "ensemble_folders": [str(tmp_path / "other")]})


def test_v2_a_missing_postprocessing_file_is_named(tmp_path):
    folder = v2_folder(tmp_path)
    with pytest.raises(RuntimeError, match="postprocessing file .*pp.pkl does not exist"):
        run(nnunet_v2, {"model_folder": str(folder), "postprocessing": str(tmp_path / "pp.pkl")})


def test_v2_without_nnunetv2_says_how_to_install_it(tmp_path):
    with pytest.raises(RuntimeError, match="^nnU-Net v2 is not installed in this Python "
                                           "\\(torch\\); install it with 'pip install nnunetv2'"):
        run(nnunet_v2, {"model_folder": str(v2_folder(tmp_path)), "folds": [1]})


def test_v1_checks_the_restore_pickle_of_the_first_fold(tmp_path):
    folder = v1_folder(tmp_path, pickles=False)
    with pytest.raises(RuntimeError, match="model_final_checkpoint.model.pkl is missing"):
        run(nnunet_v1, {"model_folder": str(folder)})


def test_v1_missing_folds_are_named(tmp_path):
    folder = v1_folder(tmp_path)
    with pytest.raises(RuntimeError, match="no model_final_checkpoint.model for fold\\(s\\) 1"):
        run(nnunet_v1, {"model_folder": str(folder), "folds": [0, 1]})


def test_v1_an_unknown_device_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="unknown device 'tpu'"):
        run(nnunet_v1, {"model_folder": str(v1_folder(tmp_path)), "device": "tpu"})


def test_v1_without_nnunet_says_how_to_install_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "keep")  # restored after the test
    with pytest.raises(RuntimeError, match="^nnU-Net v1 is not installed in this Python "
                                           "\\(.*\\); install it with 'pip install nnunet'"):
        run(nnunet_v1, {"model_folder": str(v1_folder(tmp_path)), "device": "cpu"})


def test_totalsegmentator_takes_one_channel():
    with pytest.raises(RuntimeError, match="takes one image, got 2 channels"):
        run(totalsegmentator_adapter, {"task": "total"}, np.zeros((2, 3, 4, 5), np.float32))


def test_totalsegmentator_missing_says_how_to_install_it():
    with pytest.raises(RuntimeError, match="^TotalSegmentator is not installed in this Python "
                                           "\\(.*\\); install it with 'pip install "
                                           "TotalSegmentator'"):
        run(totalsegmentator_adapter, {"task": "total"})
