"""Real nnU-Net v2 through the real worker: the tiny results folder, the client, the
worker script and nnUNetPredictor in the AI venv.

The tiny networks were trained for a few steps only, so besides what must hold whatever
the weights (the grid, the type, values within the label set, names from dataset.json,
equality with nnU-Net's own predictor run directly on the same input, the same answer
twice) the checks ask for a rough find of the boxes they were trained on.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from demarcate.ai.client import run_prediction
from demarcate.ai.errors import AiError
from demarcate.ai.nnunet_folder import scan_results

from .conftest import HERE, run_ai_python

SPACING = (2.0, 1.0, 1.0)


LIVER = (slice(2, 7), slice(3, 9), slice(4, 10))
SMALL_LIVER = (slice(2, 5), slice(12, 15), slice(14, 17))
SPLEEN = (slice(8, 13), slice(10, 16), slice(3, 9))
TUMOUR = (slice(3, 9), slice(4, 10), slice(5, 12))
DECOY = (slice(9, 14), slice(11, 16), slice(12, 18))


def make_image(channels: int = 1, boxes=(LIVER, SPLEEN)) -> tuple[np.ndarray, np.ndarray]:
    """(C, Z, Y, X) noise with the boxes the tiny models learned, and the true labels.

    One channel: ``boxes`` get +4 (liver, 1) and +8 (spleen, 2) in turn, a third +4 again.
    Two channels: a tumour box bright in T2 and dark in ADC (1), a decoy bright in both.
    """
    rng = np.random.default_rng(3)
    image = rng.normal(size=(channels, 15, 18, 20)).astype(np.float32)
    truth = np.zeros(image.shape[1:], np.uint16)
    if channels == 1:
        for box, (value, label) in zip(boxes, [(4, 1), (8, 2), (4, 1)], strict=False):
            image[(0, *box)] += value
            truth[box] = label
    else:
        image[(0, *TUMOUR)] += 4
        image[(1, *TUMOUR)] -= 4
        image[(slice(None), *DECOY)] += 4
        truth[TUMOUR] = 1
    return image, truth


def dice(labels: np.ndarray, truth: np.ndarray, value: int) -> float:
    both = np.count_nonzero((labels == value) & (truth == value))
    return 2 * both / max(np.count_nonzero(labels == value) + np.count_nonzero(truth == value), 1)


def model_folder(root, dataset="Dataset001_Tiny", configuration="3d_fullres"):
    return str(root / dataset / f"nnUNetTrainer__nnUNetPlans__{configuration}")


def predict(ai_python, image, params, **kwargs):
    params = {"folds": None, "use_mirroring": False, "mixed_precision": True, "device": "cpu",
              **params}
    return run_prediction(ai_python, "nnunet_v2", image, SPACING, params, timeout_s=600,
                          **kwargs)


def direct(tmp_path, image, *models, mirroring=False) -> np.ndarray:
    """nnU-Net's predictor run directly (direct_nnunet.py) on the same array."""
    np.save(tmp_path / "in.npy", image)
    args = [a for folder, folds in models for a in (folder, json.dumps(folds))]
    run_ai_python(HERE / "direct_nnunet.py", tmp_path / "in.npy", tmp_path / "out.npy",
                  json.dumps(list(SPACING)), json.dumps(mirroring), *args)
    return np.load(tmp_path / "out.npy")


def check_labels(prediction, shape, names):
    assert prediction.labels.shape == shape
    assert prediction.labels.dtype == np.uint16
    assert set(np.unique(prediction.labels)) <= {0, *names}
    assert prediction.names == names


def test_the_parser_reads_the_tiny_folder(tiny_results, tmp_path):
    results = scan_results(tiny_results, cache_dir=tmp_path)
    tiny = results.dataset("1")
    assert tiny.configurations() == ["2d", "3d_fullres", "3d_lowres", "3d_cascade_fullres"]
    assert tiny.model("3d_fullres").folds == ("0", "1")
    assert tiny.label_names == {1: "liver", 2: "spleen"}
    assert tiny.recommended == tiny.ensembles[0].members
    assert results.dataset("TinyMulti").channel_names == ("T2", "ADC")


def test_single_fold_finds_the_boxes(ai_python, tiny_results):
    image, truth = make_image()
    seen = []
    prediction = predict(ai_python, image, {"model_folder": model_folder(tiny_results),
                                            "folds": [0]},
                         progress=lambda fraction, message: seen.append((fraction, message)))
    check_labels(prediction, image.shape[1:], {1: "liver", 2: "spleen"})
    # A few training steps at 1 mm, here on 2 mm slices: a rough find, far above chance.
    assert dice(prediction.labels, truth, 1) > 0.5
    assert dice(prediction.labels, truth, 2) > 0.5
    assert any(message.startswith("fold 1/1: tile 1/") for _, message in seen)
    fractions = [f for f, _ in seen if f is not None]
    assert fractions == sorted(fractions) and fractions[-1] <= 1.0


def test_all_folds_equal_nnunets_own_predictor_and_repeat_exactly(ai_python, tiny_results,
                                                                  tmp_path):
    image, truth = make_image()
    folder = model_folder(tiny_results)
    params = {"model_folder": folder, "use_mirroring": True}
    first = predict(ai_python, image, {**params, "folds": None})
    second = predict(ai_python, image, {**params, "folds": [0, 1]})
    check_labels(first, image.shape[1:], {1: "liver", 2: "spleen"})
    np.testing.assert_array_equal(first.labels, second.labels)
    np.testing.assert_array_equal(first.labels, direct(tmp_path, image, (folder, [0, 1]),
                                                       mirroring=True))
    assert dice(first.labels, truth, 1) > 0.5
    # Fold 1 took part: the two folds alone disagree somewhere.
    fold_0, fold_1 = (predict(ai_python, image, {"model_folder": folder, "folds": [f]})
                      for f in (0, 1))
    assert np.any(fold_0.labels != fold_1.labels)


def test_ensemble_of_two_configurations(ai_python, tiny_results, tmp_path):
    image, _ = make_image()
    tiny = scan_results(tiny_results, cache_dir=tmp_path).dataset("1")
    adapter, params = tiny.request(None, ensemble=tiny.ensemble_for(), folds=["0", "1"],
                                   use_mirroring=False)
    assert adapter == "nnunet_v2" and len(params["ensemble_folders"]) == 1
    averaged = predict(ai_python, image, params)
    check_labels(averaged, image.shape[1:], {1: "liver", 2: "spleen"})
    reference = direct(tmp_path, image, (params["model_folder"], [0, 1]),
                       (params["ensemble_folders"][0], [0, 1]))
    np.testing.assert_array_equal(averaged.labels, reference)


def test_postprocessing_keeps_the_largest_liver(ai_python, tiny_results, tmp_path):
    image, truth = make_image(boxes=(LIVER, SPLEEN, SMALL_LIVER))
    tiny = scan_results(tiny_results, cache_dir=tmp_path).dataset("1")
    params = {"model_folder": str(tiny.model("3d_fullres").folder), "folds": [0]}
    plain = predict(ai_python, image, params)
    kept = predict(ai_python, image, {**params,
                                      "postprocessing": str(tiny.ensembles[0].postprocessing)})
    check_labels(kept, image.shape[1:], {1: "liver", 2: "spleen"})
    # Both livers were found; postprocessing keeps the largest component (all of them on
    # a tie; full connectivity, as nnU-Net labels them) and touches nothing else.
    assert np.any(plain.labels[SMALL_LIVER] == 1) and np.any(plain.labels[LIVER] == 1)
    components, count = ndimage.label(plain.labels == 1, np.ones((3, 3, 3)))
    assert count > 1
    sizes = np.bincount(components.ravel())[1:]
    largest = np.flatnonzero(sizes == sizes.max()) + 1
    np.testing.assert_array_equal(kept.labels == 1, np.isin(components, largest))
    np.testing.assert_array_equal(kept.labels == 2, plain.labels == 2)
    assert not np.any(kept.labels[SMALL_LIVER] == 1)


def test_multimodal_input_in_dataset_json_channel_order(ai_python, tiny_results, tmp_path):
    image, truth = make_image(channels=2)
    folder = model_folder(tiny_results, "Dataset002_TinyMulti")
    prediction = predict(ai_python, image, {"model_folder": folder})
    check_labels(prediction, image.shape[1:], {1: "tumour"})
    np.testing.assert_array_equal(prediction.labels, direct(tmp_path, image, (folder, [0, 1])))
    assert dice(prediction.labels, truth, 1) > 0.5  # the decoy, bright in both, is not it
    swapped = predict(ai_python, image[::-1].copy(), {"model_folder": folder})
    assert dice(swapped.labels, truth, 1) < 0.3  # T2 and ADC are not interchangeable


def test_a_cascade_stage_runs_its_lowres_stage_first(ai_python, tiny_results, tmp_path):
    image, _ = make_image()
    folder = model_folder(tiny_results, configuration="3d_cascade_fullres")
    seen = []
    prediction = predict(ai_python, image, {"model_folder": folder, "folds": [0]},
                         progress=lambda fraction, message: seen.append(message))
    check_labels(prediction, image.shape[1:], {1: "liver", 2: "spleen"})
    loaded = [m for m in seen if m.startswith("loading ")]
    assert loaded == ["loading nnUNetTrainer__nnUNetPlans__3d_cascade_fullres",
                      "loading nnUNetTrainer__nnUNetPlans__3d_lowres"]
    assert "fold 2/2: tile 1/" in " ".join(seen)  # lowres, then the cascade stage

    alone = tmp_path / "Dataset009_Alone" / Path(folder).name
    shutil.copytree(folder, alone)
    with pytest.raises(AiError, match="is a cascade stage: it needs the 3d_lowres model "
                                      "beside it .*__3d_lowres is missing"):
        predict(ai_python, image, {"model_folder": str(alone), "folds": [0]})


def test_a_torchvision_that_cannot_load_is_named(ai_python, tiny_results, tmp_path):
    """The registry's torchvision is built for CUDA torch and does not load beside the CPU
    torch of .ci/ai-venv; nnU-Net imports it while looking for any trainer but the base
    one. A user's CPU environment can end up the same way."""
    probe = subprocess.run([ai_python, "-c", "import torchvision"], capture_output=True,
                           timeout=300)
    if probe.returncode == 0:
        pytest.skip("torchvision loads in this AI venv: nothing to name")
    folder = tmp_path / "Dataset008_Variant" / "nnUNetTrainerNoMirroring__nnUNetPlans__3d_fullres"
    shutil.copytree(model_folder(tiny_results), folder)
    run_ai_python("-c", "import sys, torch; path = sys.argv[1]; "
                  "c = torch.load(path, weights_only=False); "
                  "c['trainer_name'] = 'nnUNetTrainerNoMirroring'; torch.save(c, path)",
                  folder / "fold_0" / "checkpoint_final.pth")
    with pytest.raises(AiError, match="^torchvision in this Python does not load with its "
                                      "torch .*install the torchvision built for this torch"):
        predict(ai_python, make_image()[0], {"model_folder": str(folder), "folds": [0]})


def test_a_single_channel_image_for_a_two_channel_model_is_refused(ai_python, tiny_results):
    with pytest.raises(AiError, match=r"the model takes 2 channel\(s\) \(T2, ADC\)"):
        predict(ai_python, make_image()[0], {
            "model_folder": model_folder(tiny_results, "Dataset002_TinyMulti")})


def test_a_gpu_that_is_not_there_is_named(ai_python, tiny_results):
    with pytest.raises(AiError, match="cuda:3 is not available in this Python"):
        predict(ai_python, make_image()[0], {"model_folder": model_folder(tiny_results),
                                             "device": "cuda:3"})
