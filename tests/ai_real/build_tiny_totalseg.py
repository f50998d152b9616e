"""Writes a tiny model where TotalSegmentator looks for its "total" fast weights; run
with the AI venv's Python.

    python build_tiny_totalseg.py WEIGHTS_DIR

TotalSegmentator's ``task="total", fast=True`` resamples the image to 3 mm and runs
task 297 (``Dataset297_TotalSegmentator_total_3mm_1559subj``), configuration 3d_fullres,
fold 0, trainer ``nnUNetTrainer_4000epochs_NoMirroring`` (a variant trainer: nnU-Net
looks it up among its trainer classes, which imports torchvision) from
``WEIGHTS_DIR`` (its ``TOTALSEG_HOME_DIR``/nnunet/results). The folder is laid out as it
downloads it, with dataset.json labels named from TotalSegmentator's class map, and
holds a two-stage PlainConvUNet at 3 mm trained for a few steps on the synthetic boxes
of build_tiny_nnunet.py: +4 is label 1 (spleen), +8 label 2 (kidney_right).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from build_tiny_nnunet import PLANS, _plans, _train
from nnunetv2.training.nnUNetTrainer.nnUNetTrainer import nnUNetTrainer
from nnunetv2.utilities.plans_handling.plans_handler import PlansManager
from totalsegmentator.map_tasks_config import TASK_CONFIGS, TASK_ID_WEIGHTS_CONFIGS
from totalsegmentator.map_to_binary import class_map

SPACING_MM = 3.0


def build(weights: Path) -> Path:
    fast = TASK_CONFIGS["total"]["sub_modes"]["fast"]
    assert fast["resample"] == SPACING_MM, fast
    dataset = {"channel_names": {"0": "CT"},
               "labels": {"background": 0, **{name: value
                                              for value, name in class_map["total"].items()}},
               "numTraining": 2, "file_ending": ".nii.gz"}
    plans = _plans(TASK_ID_WEIGHTS_CONFIGS[fast["task_id"]]["foldername"], 1)
    config = plans["configurations"]["3d_fullres"]
    config["spacing"] = [SPACING_MM] * 3
    plans["original_median_spacing_after_transp"] = [SPACING_MM] * 3
    folder = weights / plans["dataset_name"] / f"{fast['trainer']}__{PLANS}__3d_fullres"
    (folder / "fold_0").mkdir(parents=True)
    (folder / "plans.json").write_text(json.dumps(plans, indent=2))
    (folder / "dataset.json").write_text(json.dumps(dataset, indent=2))
    manager = PlansManager(plans)
    torch.manual_seed(0)
    network = nnUNetTrainer.build_network_architecture(
        manager, manager.get_configuration("3d_fullres"), 1, len(dataset["labels"]),
        enable_deep_supervision=False)
    _train(network, 3, 1, seed=0, steps=150)
    torch.save({
        "network_weights": network.state_dict(),
        "init_args": {"plans": plans, "configuration": "3d_fullres", "fold": 0,
                      "dataset_json": dataset, "device": "cpu"},
        "trainer_name": fast["trainer"],
        "inference_allowed_mirroring_axes": (0, 1, 2),
        "current_epoch": 0,
    }, folder / "fold_0" / "checkpoint_final.pth")
    return folder


if __name__ == "__main__":
    build(Path(sys.argv[1]))
