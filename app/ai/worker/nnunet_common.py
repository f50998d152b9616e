"""What the nnU-Net adapters and the app's folder parser both read from a model folder.

Standard library only: the worker runs this in the user's AI environment (imported by
module name from the worker's folder), and the app imports it as
``demarcate.ai.worker.nnunet_common`` to parse results folders without a second copy.
"""

from __future__ import annotations

import json
from pathlib import Path

#: nnU-Net v2 and v1 checkpoint file names inside ``fold_N``.
CHECKPOINT_V2 = "checkpoint_final.pth"
CHECKPOINT_V1 = "model_final_checkpoint.model"


def read_dataset_json(path: Path) -> dict:
    """dataset.json as a dict; ValueError with one line naming the file when unreadable."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValueError(f"{path}: cannot read dataset.json ({error})") from error
    if not isinstance(data, dict) or not isinstance(data.get("labels"), dict):
        raise ValueError(f"{path}: not an nnU-Net dataset.json (no 'labels')")
    return data


def _is_v1(labels: dict) -> bool:
    """v1 maps "value" -> name, v2 maps name -> value (or a region's list of values)."""
    return all(str(key).isdigit() for key in labels) and all(
        isinstance(v, str) for v in labels.values())


def label_names(dataset: dict) -> dict[int, str]:
    """{value in the predicted label map: name}, background and the ignore label left out.

    v2 region-based datasets (a label's value is a list) predict the values of
    ``regions_class_order``, one per region in the order of ``labels``.

    >>> label_names({"labels": {"background": 0, "liver": 1, "tumour": 2}})
    {1: 'liver', 2: 'tumour'}
    >>> label_names({"labels": {"0": "background", "1": "Hippocampus"}})
    {1: 'Hippocampus'}
    >>> label_names({"labels": {"background": 0, "whole": [1, 2], "core": 2},
    ...              "regions_class_order": [1, 2]})
    {1: 'whole', 2: 'core'}
    """
    labels = dataset["labels"]
    if _is_v1(labels):
        return {int(k): str(v) for k, v in labels.items() if int(k) != 0}
    named = [(name, value) for name, value in labels.items() if name != "ignore"]
    if any(isinstance(value, list) and len(value) > 1 for _, value in named):
        regions = [name for name, value in named if set(_as_list(value)) != {0}]
        order = dataset.get("regions_class_order") or list(range(1, len(regions) + 1))
        return {int(value): name for value, name in zip(order, regions, strict=False)}
    return {int(_as_list(value)[0]): name for name, value in named
            if int(_as_list(value)[0]) != 0}


def _as_list(value) -> list:
    return list(value) if isinstance(value, (list, tuple)) else [value]


def channel_names(dataset: dict) -> list[str]:
    """Input channel names in channel order (v2 ``channel_names``, v1 ``modality``).

    >>> channel_names({"channel_names": {"1": "ADC", "0": "T2"}, "labels": {}})
    ['T2', 'ADC']
    """
    channels = dataset.get("channel_names") or dataset.get("modality") or {"0": "image"}
    return [str(channels[key]) for key in sorted(channels, key=int)]


def fold_folder(model_folder: Path, fold: str) -> Path:
    """``fold_N`` (v2 also ``fold_all``); v1 trained the "all" fold into ``all``."""
    folder = Path(model_folder) / f"fold_{fold}"
    if fold == "all" and not folder.is_dir():
        return Path(model_folder) / "all"
    return folder


def fold_checkpoints(model_folder: Path, checkpoint_name: str) -> tuple[list[str], list[str]]:
    """(folds whose checkpoint exists, fold folders without it), as the fold names
    nnU-Net takes ("0", "1", ..., "all"), numbers first in numeric order."""
    names = {p.name.removeprefix("fold_") for p in Path(model_folder).glob("fold_*")
             if p.is_dir()}
    if (Path(model_folder) / "all").is_dir():
        names.add("all")
    found, missing = [], []
    for name in sorted(names, key=lambda n: (0, int(n), "") if n.isdigit() else (1, 0, n)):
        has = (fold_folder(model_folder, name) / checkpoint_name).is_file()
        (found if has else missing).append(name)
    return found, missing


def chosen_folds(model_folder: Path, folds: list | None, checkpoint_name: str) -> list[str]:
    """The folds to run: all that have a checkpoint when ``folds`` is None or empty,
    else ``folds`` after checking each has one. RuntimeError with a message for a user."""
    found, _ = fold_checkpoints(model_folder, checkpoint_name)
    if not folds:
        if not found:
            raise RuntimeError(f"{model_folder} has no fold_N/{checkpoint_name}: "
                               "the model is not trained (or not copied) completely")
        return found
    wanted = [str(f) for f in folds]
    absent = [f for f in wanted if f not in found]
    if absent:
        raise RuntimeError(f"{model_folder}: no {checkpoint_name} for fold(s) "
                           f"{', '.join(absent)} (available: {', '.join(found) or 'none'})")
    return wanted


def find_dataset_json(model_folder: Path) -> Path | None:
    """dataset.json of a model: in the model folder (nnU-Net v2 copies it there), else in
    the task folder above it (where v1 results that carry one keep it)."""
    for folder in (Path(model_folder), Path(model_folder).parent):
        if (folder / "dataset.json").is_file():
            return folder / "dataset.json"
    return None


def check_model_folder(model_folder: str, required: tuple[str, ...]) -> Path:
    """The folder as a Path after checking it holds ``required`` files; RuntimeError else."""
    folder = Path(model_folder)
    if not folder.is_dir():
        raise RuntimeError(f"model folder {folder} does not exist")
    absent = [name for name in required if not (folder / name).is_file()]
    if absent:
        raise RuntimeError(f"{folder} is not an nnU-Net model folder (no {', '.join(absent)})")
    return folder
