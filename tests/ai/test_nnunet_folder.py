"""nnU-Net results folders (v2 and v1 layouts) built in tmp_path, parsed and cached.

Checkpoints here are empty files: the parser only looks at where they are. The real
checkpoints and predictions are in tests/ai_real.
"""

from __future__ import annotations

import json
import os
import pickle
import time
from pathlib import Path

import pytest

from demarcate.ai.nnunet_folder import (
    NnunetFolderError,
    default_results_folder,
    scan_results,
)

V2_DATASET = {"channel_names": {"0": "T2", "1": "ADC"},
              "labels": {"background": 0, "peripheral zone": 1, "transition zone": 2},
              "file_ending": ".nii.gz"}
V1_DATASET = {"modality": {"0": "MRI"},
              "labels": {"0": "background", "1": "Anterior", "2": "Posterior"}}


def touch(path: Path, text: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def v2_model(dataset: Path, config: str, folds=(0, 1), trainer="nnUNetTrainer",
             plans="nnUNetPlans", dataset_json=V2_DATASET) -> Path:
    folder = dataset / f"{trainer}__{plans}__{config}"
    touch(folder / "dataset.json", json.dumps(dataset_json))
    touch(folder / "plans.json", "{}")
    for fold in folds:
        touch(folder / f"fold_{fold}" / "checkpoint_final.pth")
    return folder


@pytest.fixture
def cache(tmp_path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def v2_root(tmp_path) -> Path:
    root = tmp_path / "nnUNet_results"
    prostate = root / "Dataset005_Prostate"
    v2_model(prostate, "3d_fullres")
    v2_model(prostate, "2d", folds=(0, 1, 2))
    v2_model(prostate, "3d_fullres", trainer="nnUNetTrainer_250epochs")
    (prostate / "nnUNetTrainer__nnUNetPlans__2d" / "fold_3").mkdir()  # training not finished
    touch(prostate / "nnUNetTrainer__nnUNetPlans__2d" / "crossval_results_folds_0_1_2"
          / "postprocessing.pkl", "pp")
    members = "nnUNetTrainer__nnUNetPlans__2d___nnUNetTrainer__nnUNetPlans__3d_fullres"
    touch(prostate / "ensembles" / f"ensemble___{members}___0_1" / "postprocessing.pkl", "pp")
    touch(prostate / "inference_information.json", json.dumps({"best_model_or_ensemble": {
        "selected_model_or_models": [
            {"configuration": "2d", "trainer": "nnUNetTrainer", "plans_identifier": "nnUNetPlans"},
            {"configuration": "3d_fullres", "trainer": "nnUNetTrainer",
             "plans_identifier": "nnUNetPlans"}]}}))
    v2_model(root / "Dataset010_Liver", "3d_lowres", folds=("all",),
             dataset_json={"channel_names": {"0": "CT"},
                           "labels": {"background": 0, "liver": 1, "tumour": 2, "ignore": 3}})
    touch(root / "notes.txt", "not a dataset")
    (root / "Dataset011_Empty").mkdir()
    return root


def test_v2_layout_parses_datasets_models_folds_and_names(v2_root, cache):
    results = scan_results(v2_root, cache_dir=cache)
    assert [d.name for d in results.datasets] == ["Dataset005_Prostate", "Dataset010_Liver"]
    prostate = results.dataset("Dataset005_Prostate")
    assert prostate.version == 2
    assert prostate.channel_names == ("T2", "ADC")
    assert prostate.label_names == {1: "peripheral zone", 2: "transition zone"}
    assert prostate.configurations() == ["2d", "3d_fullres"]
    assert prostate.trainers("3d_fullres") == ["nnUNetTrainer", "nnUNetTrainer_250epochs"]
    assert prostate.plans("2d", "nnUNetTrainer") == ["nnUNetPlans"]
    model_2d = prostate.model("2d")
    assert model_2d.folds == ("0", "1", "2")
    assert model_2d.incomplete_folds == ("3",)
    assert model_2d.postprocessing.name == "postprocessing.pkl"
    assert prostate.model("3d_fullres", "nnUNetTrainer").postprocessing is None
    [ensemble] = prostate.ensembles
    assert ensemble.members == (("2d", "nnUNetTrainer", "nnUNetPlans"),
                                ("3d_fullres", "nnUNetTrainer", "nnUNetPlans"))
    assert ensemble.folds == ("0", "1")
    assert ensemble.postprocessing == ensemble.folder / "postprocessing.pkl"
    assert prostate.recommended == ensemble.members
    liver = results.dataset("10")
    assert liver.model().folds == ("all",)
    assert liver.label_names == {1: "liver", 2: "tumour"}  # the ignore label is never predicted


def test_a_dataset_is_found_by_id_or_name(v2_root, cache):
    results = scan_results(v2_root, cache_dir=cache)
    for key in ("Dataset005_Prostate", "Dataset005", "005", "5", "Prostate"):
        assert results.dataset(key).name == "Dataset005_Prostate"
    with pytest.raises(NnunetFolderError, match="no dataset 'Spleen' .*Dataset005_Prostate"):
        results.dataset("Spleen")


def test_an_ambiguous_model_lists_the_choices(v2_root, cache):
    prostate = scan_results(v2_root, cache_dir=cache).dataset("5")
    with pytest.raises(NnunetFolderError, match="several models match 3d_fullres .*"
                       "nnUNetTrainer_250epochs__nnUNetPlans__3d_fullres"):
        prostate.model("3d_fullres")
    with pytest.raises(NnunetFolderError, match="no model matches 3d_lowres"):
        prostate.model("3d_lowres")


def test_v1_layout(tmp_path, cache):
    root = tmp_path / "RESULTS_FOLDER"
    task = root / "nnUNet" / "3d_fullres" / "Task004_Hippocampus"
    touch(task / "dataset.json", json.dumps(V1_DATASET))
    model = task / "nnUNetTrainerV2__nnUNetPlansv2.1"
    touch(model / "plans.pkl")
    touch(model / "postprocessing.json", "{}")
    for fold in (0, 1, 2):
        touch(model / f"fold_{fold}" / "model_final_checkpoint.model")
    (model / "fold_4").mkdir()
    touch(model / "all" / "model_final_checkpoint.model")
    lowres = root / "nnUNet" / "2d" / "Task004_Hippocampus" / "nnUNetTrainerV2__nnUNetPlansv2.1"
    touch(lowres / "fold_0" / "model_final_checkpoint.model")
    ensemble = (root / "nnUNet" / "ensembles" / "Task004_Hippocampus" /
                "ensemble_2d__nnUNetTrainerV2__nnUNetPlansv2.1--"
                "3d_fullres__nnUNetTrainerV2__nnUNetPlansv2.1")
    touch(ensemble / "postprocessing.json", "{}")
    [dataset] = scan_results(root, cache_dir=cache).datasets
    assert (dataset.name, dataset.version) == ("Task004_Hippocampus", 1)
    assert dataset.channel_names == ("MRI",)
    assert dataset.label_names == {1: "Anterior", 2: "Posterior"}
    assert dataset.configurations() == ["2d", "3d_fullres"]
    full = dataset.model("3d_fullres")
    assert (full.trainer, full.plans) == ("nnUNetTrainerV2", "nnUNetPlansv2.1")
    assert full.folds == ("0", "1", "2", "all")
    assert full.incomplete_folds == ("4",)
    assert full.postprocessing == model / "postprocessing.json"
    assert dataset.ensembles[0].members == (
        ("2d", "nnUNetTrainerV2", "nnUNetPlansv2.1"),
        ("3d_fullres", "nnUNetTrainerV2", "nnUNetPlansv2.1"))
    assert dataset.ensembles[0].postprocessing == ensemble / "postprocessing.json"
    # The nnUNet folder itself is accepted as the root too.
    assert scan_results(root / "nnUNet", cache_dir=cache).datasets == (dataset,)


def test_a_model_without_any_checkpoint_shows_its_folds_as_incomplete(tmp_path, cache):
    root = tmp_path / "results"
    folder = v2_model(root / "Dataset001_A", "3d_fullres", folds=())
    (folder / "fold_0").mkdir()
    model = scan_results(root, cache_dir=cache).dataset("1").model()
    assert model.folds == ()
    assert model.incomplete_folds == ("0",)


@pytest.mark.parametrize(("make", "message"), [
    (lambda root: None, "no such folder"),
    (lambda root: root.mkdir(), "is empty: it is not an nnU-Net results folder"),
    (lambda root: touch(root / "images" / "a.nii.gz"),
     "is not an nnU-Net results folder: it holds no DatasetXXX_Name folders .*TaskXXX_Name"),
    (lambda root: (root / "Dataset001_NoModels" / "imagesTr").mkdir(parents=True),
     "is not an nnU-Net results folder"),
])
def test_folders_that_are_not_results_get_a_clear_message(tmp_path, cache, make, message):
    root = tmp_path / "picked"
    make(root)
    with pytest.raises(NnunetFolderError, match=message):
        scan_results(root, cache_dir=cache)


def test_damaged_dataset_json_leaves_names_empty(tmp_path, cache):
    root = tmp_path / "results"
    folder = v2_model(root / "Dataset001_A", "2d")
    (folder / "dataset.json").write_text("{not json")
    dataset = scan_results(root, cache_dir=cache).dataset("1")
    assert dataset.label_names == {}
    assert dataset.channel_names == ("image",)


def test_second_scan_comes_from_the_cache_until_something_changes(v2_root, cache):
    first = scan_results(v2_root, cache_dir=cache)
    second = scan_results(v2_root, cache_dir=cache)
    assert (first.from_cache, second.from_cache) == (False, True)
    assert second.datasets == first.datasets
    assert dict(second.dataset("5").label_names) == dict(first.dataset("5").label_names)
    assert scan_results(v2_root, cache_dir=cache, refresh=True).from_cache is False

    # A fold whose training finishes: its checkpoint appears in an existing fold folder.
    later = time.time() + 5
    checkpoint = v2_root / "Dataset005_Prostate" / "nnUNetTrainer__nnUNetPlans__2d" / "fold_3"
    touch(checkpoint / "checkpoint_final.pth")
    os.utime(checkpoint, (later, later))
    third = scan_results(v2_root, cache_dir=cache)
    assert third.from_cache is False
    assert third.dataset("5").model("2d").folds == ("0", "1", "2", "3")

    # Edited label names in place (no folder changes) are seen too.
    renamed = dict(V2_DATASET, labels={"background": 0, "PZ": 1, "TZ": 2})
    for dataset_json in (v2_root / "Dataset005_Prostate").glob("*/dataset.json"):
        dataset_json.write_text(json.dumps(renamed))
        os.utime(dataset_json, (later + 5, later + 5))
    fourth = scan_results(v2_root, cache_dir=cache)
    assert fourth.from_cache is False
    assert fourth.dataset("5").label_names == {1: "PZ", 2: "TZ"}


def test_a_damaged_cache_file_is_ignored(v2_root, cache):
    scan_results(v2_root, cache_dir=cache)
    [cache_file] = (cache / "nnunet-folders").iterdir()
    cache_file.write_text("{broken")
    results = scan_results(v2_root, cache_dir=cache)
    assert results.from_cache is False
    assert results.dataset("5").model("2d").folds == ("0", "1", "2")


def test_a_cached_scan_of_a_large_folder_is_faster(tmp_path, cache):
    root = tmp_path / "big"
    for d in range(40):
        for config in ("2d", "3d_fullres", "3d_lowres"):
            v2_model(root / f"Dataset{d:03d}_D{d}", config, folds=range(5))
    fresh = scan_results(root, cache_dir=cache)
    cached = scan_results(root, cache_dir=cache)
    assert cached.from_cache and cached.datasets == fresh.datasets
    # Best of three each, so that a busy machine does not decide the comparison.
    fresh_s = min(timed(lambda: scan_results(root, cache_dir=cache, refresh=True))
                  for _ in range(3))
    cached_s = min(timed(lambda: scan_results(root, cache_dir=cache)) for _ in range(3))
    assert cached_s < fresh_s, (cached_s, fresh_s)


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def test_default_results_folder_reads_the_environment():
    assert default_results_folder({"nnUNet_results": "/a", "RESULTS_FOLDER": "/b"}) == Path("/a")
    assert default_results_folder({"RESULTS_FOLDER": "/b"}) == Path("/b")
    assert default_results_folder({"nnUNet_results": ""}) is None
    assert default_results_folder({}) is None


def test_pickles_are_never_loaded_by_the_parser(v2_root, cache, monkeypatch):
    """Postprocessing files are pickles; the app only points at them (the worker loads them)."""
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("pickle loaded"))
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("pickle loaded"))
    assert scan_results(v2_root, cache_dir=cache).dataset("5").ensembles


def test_request_for_a_model_and_for_an_ensemble(v2_root, cache):
    prostate = scan_results(v2_root, cache_dir=cache).dataset("5")
    model = prostate.model("2d")
    adapter, params = prostate.request(model, folds=["0", "2"], device="cuda:1",
                                       use_mirroring=False)
    assert adapter == "nnunet_v2"
    assert params == {"model_folder": str(model.folder), "ensemble_folders": [],
                      "folds": [0, 2], "use_mirroring": False, "mixed_precision": True,
                      "device": "cuda:1", "postprocessing": None}
    assert prostate.request(model, postprocessing=True)[1]["postprocessing"] == str(
        model.postprocessing)
    assert prostate.request(model)[1]["mixed_precision"] is False  # never on the CPU

    ensemble = prostate.ensemble_for()
    assert ensemble is prostate.ensembles[0]  # the recommended one
    assert prostate.ensemble_for(model) is ensemble
    _, params = prostate.request(None, ensemble=ensemble, postprocessing=True)
    assert [params["model_folder"], *params["ensemble_folders"]] == [
        str(prostate.model(*key).folder) for key in ensemble.members]
    assert params["folds"] is None
    assert params["postprocessing"] == str(ensemble.postprocessing)
    with pytest.raises(NnunetFolderError, match="choose a model or an ensemble"):
        prostate.request(None)


def test_a_v1_dataset_asks_for_the_v1_adapter(tmp_path, cache):
    model = tmp_path / "r" / "nnUNet" / "2d" / "Task002_Heart" / "nnUNetTrainerV2__nnUNetPlansv2.1"
    touch(model / "all" / "model_final_checkpoint.model")
    dataset = scan_results(tmp_path / "r", cache_dir=cache).dataset("Heart")
    adapter, params = dataset.request(dataset.model(), folds=["all"])
    assert (adapter, params["folds"]) == ("nnunet_v1", ["all"])
    assert dataset.ensemble_for() is None
