"""nnU-Net v1 adapter (the layout MITK 2023.04 drives), through ``nnunet.inference``.

v1 predicts files, not arrays: the channels are written as ``case_0000.nii.gz``,
``case_0001.nii.gz``... into a temporary folder, ``predict_cases`` writes the label map
(and applies the model's ``postprocessing.json``), and the result is read back. An
ensemble predicts each model folder with its softmax saved, then ``merge`` averages them
and applies the ensemble's postprocessing file, as ``nnUNet_ensemble`` does.

Params as for ``nnunet_v2`` (``model_folder``, ``folds``, ``use_mirroring``,
``mixed_precision``, ``device``, ``ensemble_folders``, ``postprocessing``; for a single
model, any ``postprocessing`` turns on the model's own ``postprocessing.json``, the only
file v1's ``predict_cases`` applies). v1 has no
device argument: it uses the first visible CUDA device, so the device is chosen through
``CUDA_VISIBLE_DEVICES`` before torch is imported (the worker imports it only here).
"""

from __future__ import annotations

import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

try:
    from . import nnunet_common
except ImportError:  # run by the worker as a top-level module beside nnunet_common.py
    import nnunet_common

Progress = Callable[[float | None, str], None]


def run(image: np.ndarray, spacing_zyx: tuple[float, float, float], params: dict,
        progress: Progress) -> tuple[np.ndarray, dict[int, str]]:
    checkpoint = nnunet_common.CHECKPOINT_V1
    folders = [params.get("model_folder") or ""] + list(params.get("ensemble_folders") or [])
    folders = [nnunet_common.check_model_folder(f, ("plans.pkl",)) for f in folders]
    folds = [nnunet_common.chosen_folds(f, params.get("folds"), checkpoint) for f in folders]
    for folder, model_folds in zip(folders, folds, strict=True):
        first = nnunet_common.fold_folder(folder, model_folds[0]) / (checkpoint + ".pkl")
        if not first.is_file():
            raise RuntimeError(f"{first} is missing (nnU-Net v1 restores the model from it)")
    postprocessing = params.get("postprocessing")
    if postprocessing and not Path(postprocessing).is_file():
        raise RuntimeError(f"postprocessing file {postprocessing} does not exist")
    cpu = _choose_device(str(params.get("device") or "cpu"))
    sitk, predict_cases, merge = _import_nnunet()
    with tempfile.TemporaryDirectory(prefix="demarcate-nnunet-v1-") as temp:
        temp = Path(temp)
        inputs = []
        for channel, array in enumerate(image):
            picture = sitk.GetImageFromArray(np.asarray(array, dtype=np.float32))
            picture.SetSpacing([float(s) for s in reversed(spacing_zyx)])
            inputs.append(str(temp / f"case_{channel:04d}.nii.gz"))
            sitk.WriteImage(picture, inputs[-1])
        outputs = []
        for index, (folder, model_folds) in enumerate(zip(folders, folds, strict=True)):
            progress(index / (len(folders) + 1), f"model {index + 1}/{len(folders)}: {folder.name}")
            outputs.append(temp / f"model{index}" / "case.nii.gz")
            predict_cases(str(folder), [inputs], [str(outputs[-1])],
                          [f if f == "all" else int(f) for f in model_folds],
                          save_npz=len(folders) > 1, num_threads_preprocessing=1,
                          num_threads_nifti_save=1, do_tta=bool(params.get("use_mirroring", True)),
                          mixed_precision=bool(params.get("mixed_precision", True)) and not cpu,
                          checkpoint_name=checkpoint.removesuffix(".model"),
                          disable_postprocessing=not postprocessing or len(folders) > 1)
        result = outputs[0]
        if len(folders) > 1:
            progress(len(folders) / (len(folders) + 1), "averaging the models")
            merge([str(o.parent) for o in outputs], str(temp / "ensemble"), 1,
                  postprocessing_file=postprocessing or None)
            result = temp / "ensemble" / "case.nii.gz"
        labels = sitk.GetArrayFromImage(sitk.ReadImage(str(result)))
    return labels, _names(folders[0])


def _choose_device(device: str) -> bool:
    """Point v1 at the device (it always takes the first visible GPU); True for CPU."""
    if device != "cpu" and not device.startswith("cuda"):
        raise RuntimeError(f"unknown device '{device}' (use cpu or cuda:N)")
    if "torch" in sys.modules:
        return device == "cpu"
    os.environ["CUDA_VISIBLE_DEVICES"] = "" if device == "cpu" else device.partition(":")[2] or "0"
    return device == "cpu"


def _import_nnunet():
    try:
        import SimpleITK as sitk
        from nnunet.inference.ensemble_predictions import merge
        from nnunet.inference.predict import predict_cases
    except ImportError as error:
        raise RuntimeError(
            f"nnU-Net v1 is not installed in this Python ({error.name or error}); "
            "install it with 'pip install nnunet' or choose another environment") from error
    return sitk, predict_cases, merge


def _names(model_folder: Path) -> dict[int, str]:
    """Names from a dataset.json beside the model; else "Label N" for the classes the
    plans list (v1 models carry no names of their own)."""
    path = nnunet_common.find_dataset_json(model_folder)
    if path is not None:
        try:
            return nnunet_common.label_names(nnunet_common.read_dataset_json(path))
        except ValueError:
            pass
    with open(model_folder / "plans.pkl", "rb") as file:
        plans = pickle.load(file)
    return {int(v): f"Label {int(v)}" for v in plans.get("all_classes", []) if int(v) != 0}
