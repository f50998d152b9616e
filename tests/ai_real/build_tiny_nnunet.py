"""Writes a tiny but real nnU-Net v2 results folder; run with the AI venv's Python.

    python build_tiny_nnunet.py RESULTS_DIR

Dataset001_Tiny (one channel; liver, spleen) has a 3d_fullres and a 2d model, each with
folds 0 and 1, plus the ensemble of both with a postprocessing.pkl (keep the largest
liver component) and inference_information.json, laid out as nnU-Net v2 writes them, and
an untrained 3d_lowres → 3d_cascade_fullres cascade.
Dataset002_TinyMulti (channels T2 and ADC; tumour) has a 3d_fullres model with folds
0 and 1. Networks are two-stage PlainConvUNets built from the plans by nnU-Net's own
trainer class and trained for a few steps on synthetic boxes (``synthetic_case``), so
that their answers can be checked: Dataset001 marks boxes brightened by 4 as liver and
by 8 as spleen; Dataset002 marks as tumour where T2 is bright and ADC dark at once.
Checkpoints hold what nnUNetPredictor reads (network_weights, init_args, trainer_name,
inference_allowed_mirroring_axes). Fold 1 is fold 0 trained on with other cases, so
the folds differ.
"""

from __future__ import annotations

import json
import pickle
import sys
from pathlib import Path

import numpy as np
import torch
from nnunetv2.postprocessing.remove_connected_components import (
    remove_all_but_largest_component_from_segmentation,
)
from nnunetv2.training.nnUNetTrainer.nnUNetTrainer import nnUNetTrainer
from nnunetv2.utilities.label_handling.label_handling import determine_num_input_channels
from nnunetv2.utilities.plans_handling.plans_handler import PlansManager

TRAINER, PLANS = "nnUNetTrainer", "nnUNetPlans"


def _architecture(dims: int) -> dict:
    kernel, stride_1, stride_2 = [3] * dims, [1] * dims, [2] * dims
    return {
        "network_class_name": "dynamic_network_architectures.architectures.unet.PlainConvUNet",
        "arch_kwargs": {
            "n_stages": 2, "features_per_stage": [4, 8],
            "conv_op": f"torch.nn.modules.conv.Conv{dims}d",
            "kernel_sizes": [kernel, kernel], "strides": [stride_1, stride_2],
            "n_conv_per_stage": [1, 1], "n_conv_per_stage_decoder": [1], "conv_bias": True,
            "norm_op": f"torch.nn.modules.instancenorm.InstanceNorm{dims}d",
            "norm_op_kwargs": {"eps": 1e-5, "affine": True},
            "dropout_op": None, "dropout_op_kwargs": None,
            "nonlin": "torch.nn.LeakyReLU", "nonlin_kwargs": {"inplace": True},
        },
        "_kw_requires_import": ["conv_op", "norm_op", "dropout_op", "nonlin"],
    }


def _configuration(dims: int, channels: int) -> dict:
    order = {"order": 3, "order_z": 0, "force_separate_z": None}
    return {
        "data_identifier": f"nnUNetPlans_{dims}d", "preprocessor_name": "DefaultPreprocessor",
        "batch_size": 2, "patch_size": [16] * dims, "median_image_size_in_voxels": [20] * dims,
        "spacing": [1.0] * dims, "normalization_schemes": ["ZScoreNormalization"] * channels,
        "use_mask_for_norm": [False] * channels,
        "resampling_fn_data": "resample_data_or_seg_to_shape",
        "resampling_fn_data_kwargs": {"is_seg": False, **order},
        "resampling_fn_seg": "resample_data_or_seg_to_shape",
        "resampling_fn_seg_kwargs": {"is_seg": True, "order": 1, "order_z": 0,
                                     "force_separate_z": None},
        "resampling_fn_probabilities": "resample_data_or_seg_to_shape",
        "resampling_fn_probabilities_kwargs": {"is_seg": False, "order": 1, "order_z": 0,
                                               "force_separate_z": None},
        "architecture": _architecture(dims), "batch_dice": False,
    }


def _plans(name: str, channels: int) -> dict:
    return {
        "dataset_name": name, "plans_name": PLANS,
        "original_median_spacing_after_transp": [1.0, 1.0, 1.0],
        "original_median_shape_after_transp": [20, 20, 20],
        "image_reader_writer": "SimpleITKIO",
        "transpose_forward": [0, 1, 2], "transpose_backward": [0, 1, 2],
        "configurations": {
            "3d_fullres": _configuration(3, channels), "2d": _configuration(2, channels),
            "3d_lowres": {**_configuration(3, channels), "spacing": [2.0, 2.0, 2.0],
                          "next_stage": ["3d_cascade_fullres"]},
            "3d_cascade_fullres": {"inherits_from": "3d_fullres",
                                   "previous_stage": "3d_lowres"}},
        "experiment_planner_used": "ExperimentPlanner",
        "label_manager": "LabelManager",
        "foreground_intensity_properties_per_channel": {
            str(c): {"max": 1.0, "mean": 0.0, "median": 0.0, "min": -1.0,
                     "percentile_00_5": -1.0, "percentile_99_5": 1.0, "std": 1.0}
            for c in range(channels)},
    }


def synthetic_case(rng: np.random.Generator, shape: tuple[int, ...], channels: int):
    """(image (C, *shape) float32, labels (*shape) int64): noise with random boxes.

    One channel: +4 in a liver box (label 1), +8 in a spleen box (label 2). Two channels:
    a tumour box (label 1) bright in channel 0 and dark in channel 1, and a decoy box
    bright in both (background).
    """
    image = rng.normal(size=(channels, *shape)).astype(np.float32)
    labels = np.zeros(shape, np.int64)
    for label, (first, second) in enumerate(
            [(4, 0), (8, 0)] if channels == 1 else [(4, -4), (4, 4)], start=1):
        low = [rng.integers(0, n - 7) for n in shape]
        box = tuple(slice(lo, lo + int(rng.integers(4, 8))) for lo in low)
        image[(0, *box)] += first
        if channels > 1:
            image[(1, *box)] += second
        labels[box] = label if channels == 1 else (1 if label == 1 else 0)
    return image, labels


def _train(network, dims: int, channels: int, seed: int, steps: int) -> None:
    """A few Adam steps on z-scored synthetic cases (nnU-Net z-scores each channel)."""
    rng = np.random.default_rng(seed)
    optimiser = torch.optim.Adam(network.parameters(), lr=0.01)
    network.train()
    weight = torch.tensor([1.0] + [10.0] * (network.decoder.seg_layers[-1].out_channels - 1))
    for _ in range(steps):
        cases = [synthetic_case(rng, (16, 16, 16), channels) for _ in range(2)]
        images, labels = np.stack([c[0] for c in cases]), np.stack([c[1] for c in cases])
        axes = (2, 3, 4)
        images = (images - images.mean(axes, keepdims=True)) / images.std(axes, keepdims=True)
        if dims == 2:  # slices of z-scored volumes through the boxes, as nnU-Net's 2d
            # model sees them (normalised over the volume, not the slice)
            z = [rng.choice(np.flatnonzero(labels[i].any((1, 2))) if labels[i].any()
                            else np.arange(16)) for i in (0, 0, 1, 1)]
            images, labels = images[[0, 0, 1, 1], :, z], labels[[0, 0, 1, 1], z]
        # The boxes are a few per cent of the voxels: weigh them up, or all is background.
        loss = torch.nn.functional.cross_entropy(
            network(torch.from_numpy(images)), torch.from_numpy(labels), weight=weight)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    network.eval()


def _model(folder: Path, plans: dict, dataset: dict, configuration: str, seed: int,
           steps: int) -> None:
    folder.mkdir(parents=True)
    (folder / "plans.json").write_text(json.dumps(plans, indent=2))
    (folder / "dataset.json").write_text(json.dumps(dataset, indent=2))
    manager = PlansManager(plans)
    config = manager.get_configuration(configuration)
    heads = manager.get_label_manager(dataset).num_segmentation_heads
    dims = len(config.patch_size)
    torch.manual_seed(seed)
    network = nnUNetTrainer.build_network_architecture(
        manager, config, determine_num_input_channels(manager, config, dataset), heads,
        enable_deep_supervision=False)
    for fold in (0, 1):
        # Fold 1 trains on from fold 0 with other cases: different weights, less time.
        # steps=0: left untrained (the cascade, whose input also holds the lowres labels).
        if steps:
            _train(network, dims, len(dataset["channel_names"]), seed + fold,
                   steps=steps if fold == 0 else 30)
        (folder / f"fold_{fold}").mkdir()
        torch.save({
            "network_weights": network.state_dict(),
            "init_args": {"plans": plans, "configuration": configuration, "fold": fold,
                          "dataset_json": dataset, "device": "cpu"},
            "trainer_name": TRAINER,
            "inference_allowed_mirroring_axes": tuple(range(dims)),
            "current_epoch": 0,
        }, folder / f"fold_{fold}" / "checkpoint_final.pth")


def _dataset(root: Path, name: str, channels: dict, labels: dict,
             configurations: dict[str, int]) -> Path:
    """A dataset with a model per configuration, trained for the given number of steps."""
    dataset = {"channel_names": channels, "labels": labels, "numTraining": 2,
               "file_ending": ".nii.gz"}
    plans = _plans(name, len(channels))
    for seed, (configuration, steps) in enumerate(configurations.items()):
        _model(root / name / f"{TRAINER}__{PLANS}__{configuration}", plans, dataset,
               configuration, 10 * seed, steps)
    return root / name


def build(root: Path) -> None:
    tiny = _dataset(root, "Dataset001_Tiny", {"0": "CT"},
                    {"background": 0, "liver": 1, "spleen": 2}, {"3d_fullres": 150, "2d": 60,
                     "3d_lowres": 0, "3d_cascade_fullres": 0})
    members = [f"{TRAINER}__{PLANS}__{c}" for c in ("2d", "3d_fullres")]
    ensemble = tiny / "ensembles" / f"ensemble___{members[0]}___{members[1]}___0_1"
    ensemble.mkdir(parents=True)
    with open(ensemble / "postprocessing.pkl", "wb") as file:
        pickle.dump(([remove_all_but_largest_component_from_segmentation],
                     [{"labels_or_regions": 1}]), file)
    selected = [{"configuration": c, "trainer": TRAINER, "plans_identifier": PLANS}
                for c in ("2d", "3d_fullres")]
    (tiny / "inference_information.json").write_text(json.dumps({
        "folds": [0, 1], "dataset_name_or_id": "Dataset001_Tiny",
        "best_model_or_ensemble": {
            "postprocessing_file": str(ensemble / "postprocessing.pkl"),
            "some_plans_file": str(tiny / members[0] / "plans.json"),
            "selected_model_or_models": selected}}, indent=2))
    _dataset(root, "Dataset002_TinyMulti", {"0": "T2", "1": "ADC"},
             {"background": 0, "tumour": 1}, {"3d_fullres": 80})


if __name__ == "__main__":
    build(Path(sys.argv[1]))
