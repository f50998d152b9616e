"""nnU-Net results folders parsed into datasets → configurations → trainers → plans → folds.

Two layouts (nnU-Net v2, and v1, which MITK 2023.04 drives):

- v2: ``<root>/DatasetXXX_Name/Trainer__Plans__config/fold_N/checkpoint_final.pth``,
  with ``dataset.json`` and ``plans.json`` copied into every model folder; an ensemble
  chosen by ``nnUNetv2_find_best_configuration`` lives in
  ``DatasetXXX_Name/ensembles/ensemble___<model>___<model>___<folds>/`` with its
  ``postprocessing.pkl``, and ``DatasetXXX_Name/inference_information.json`` names the
  best model or ensemble.
- v1: ``<root>/nnUNet/<config>/TaskXXX_Name/Trainer__Plans/fold_N/model_final_checkpoint.model``
  (``postprocessing.json`` in the model folder); ensembles in
  ``nnUNet/ensembles/TaskXXX_Name/ensemble_<c>__<tr>__<p>--<c>__<tr>__<p>/postprocessing.json``.

Parsing a large folder reads many small files, so the result is cached as JSON keyed by
the root path and revalidated by the modification times of every folder listed and file
read: a second scan only stats those paths. ``refresh=True`` rescans.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..atomic import write_text_atomic
from .cache import default_cache_folder
from .worker.nnunet_common import (
    CHECKPOINT_V1,
    CHECKPOINT_V2,
    channel_names,
    find_dataset_json,
    fold_checkpoints,
    fold_folder,
    label_names,
    read_dataset_json,
)

CONFIGURATIONS = ("2d", "3d_fullres", "3d_lowres", "3d_cascade_fullres")
_CACHE_FORMAT = 1
_DATASET_V2 = re.compile(r"^Dataset\d{3}_.+")
_TASK_V1 = re.compile(r"^Task\d{3}_.+")


class NnunetFolderError(ValueError):
    """A folder that cannot be parsed as nnU-Net results; the message is for a user."""


@dataclass(frozen=True)
class NnunetModel:
    """One trained model folder (``Trainer__Plans__config`` in v2, ``Trainer__Plans`` in v1).

    ``folds`` have a final checkpoint; ``incomplete_folds`` are fold folders without one
    (training still running or not copied). ``postprocessing`` is the file nnU-Net chose
    for this model (v2 ``crossval_results_folds_*/postprocessing.pkl``, v1
    ``postprocessing.json``), or None.
    """

    folder: Path
    configuration: str
    trainer: str
    plans: str
    folds: tuple[str, ...]
    incomplete_folds: tuple[str, ...] = ()
    postprocessing: Path | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.configuration, self.trainer, self.plans)


@dataclass(frozen=True)
class NnunetEnsemble:
    """An ensemble that nnU-Net evaluated: member models as (configuration, trainer,
    plans), the folds it was built from, and its postprocessing file if any."""

    folder: Path
    members: tuple[tuple[str, str, str], ...]
    folds: tuple[str, ...] = ()
    postprocessing: Path | None = None


@dataclass(frozen=True)
class NnunetDataset:
    """A dataset (v2) or task (v1) with its models, ensembles and dataset.json names.

    ``recommended`` is the best model or ensemble members from v2's
    ``inference_information.json`` (empty when absent).
    """

    name: str
    folder: Path
    version: int
    channel_names: tuple[str, ...]
    label_names: Mapping[int, str] = field(hash=False)
    models: tuple[NnunetModel, ...] = ()
    ensembles: tuple[NnunetEnsemble, ...] = ()
    recommended: tuple[tuple[str, str, str], ...] = ()

    def configurations(self) -> list[str]:
        """Configurations with at least one model, in nnU-Net's usual order."""
        present = {m.configuration for m in self.models}
        known = [c for c in CONFIGURATIONS if c in present]
        return known + sorted(present - set(known))

    def trainers(self, configuration: str) -> list[str]:
        return sorted({m.trainer for m in self.models if m.configuration == configuration})

    def plans(self, configuration: str, trainer: str) -> list[str]:
        return sorted({m.plans for m in self.models
                       if m.configuration == configuration and m.trainer == trainer})

    def model(self, configuration: str | None = None, trainer: str | None = None,
              plans: str | None = None) -> NnunetModel:
        """The one model matching the given parts; NnunetFolderError listing the choices
        when none or several match (a part left None matches anything)."""
        matches = [m for m in self.models
                   if configuration in (None, m.configuration) and trainer in (None, m.trainer)
                   and plans in (None, m.plans)]
        if len(matches) == 1:
            return matches[0]
        choices = ", ".join("__".join((m.trainer, m.plans, m.configuration))
                            for m in self.models) or "none"
        wanted = "/".join(p for p in (configuration, trainer, plans) if p) or "a model"
        verb = "no model matches" if not matches else "several models match"
        raise NnunetFolderError(f"{self.name}: {verb} {wanted} (models: {choices}); "
                                "choose with configuration, trainer and plans")

    def ensemble_for(self, model: NnunetModel | None = None) -> NnunetEnsemble | None:
        """The ensemble holding ``model``, else the one nnU-Net recommended, else the
        first; None when the dataset has no ensemble."""
        for wanted in (model.key if model else None, *self.recommended[:1]):
            for ensemble in self.ensembles:
                if wanted in ensemble.members:
                    return ensemble
        return self.ensembles[0] if self.ensembles else None

    def request(self, model: NnunetModel | None, *, folds: list[str] | None = None,
                ensemble: NnunetEnsemble | None = None, use_mirroring: bool = True,
                mixed_precision: bool = True, device: str = "cpu",
                postprocessing: bool = False) -> tuple[str, dict]:
        """(adapter, params) of the worker's nnU-Net adapter for ``model``, or for the
        members of ``ensemble`` averaged (then with its postprocessing file when
        ``postprocessing`` is asked for; a single model's is the one nnU-Net chose for it).
        """
        if ensemble is not None:
            members = [self.model(*key) for key in ensemble.members]
            pp_file = ensemble.postprocessing
        elif model is not None:
            members, pp_file = [model], model.postprocessing
        else:
            raise NnunetFolderError(f"{self.name}: choose a model or an ensemble")
        params = {"model_folder": str(members[0].folder),
                  "ensemble_folders": [str(m.folder) for m in members[1:]],
                  "folds": [int(f) if f.isdigit() else f for f in folds] if folds else None,
                  "use_mirroring": bool(use_mirroring),
                  "mixed_precision": bool(mixed_precision) and device != "cpu",
                  "device": device,
                  "postprocessing": str(pp_file) if postprocessing and pp_file else None}
        return ("nnunet_v2" if self.version == 2 else "nnunet_v1"), params


@dataclass(frozen=True)
class NnunetResults:
    """Every dataset found under ``root``; ``from_cache`` says whether the parse was reused."""

    root: Path
    datasets: tuple[NnunetDataset, ...]
    from_cache: bool = False

    def dataset(self, key: str) -> NnunetDataset:
        """A dataset by full name (``Dataset004_Hippocampus``), id (``4``, ``004``,
        ``Dataset004``, ``Task004``) or the name after the id (``Hippocampus``)."""
        key = key.strip()
        for dataset in self.datasets:
            number, _, short = dataset.name.partition("_")
            digits = number[-3:]
            if key in (dataset.name, number, digits, short) or (
                    key.isdigit() and int(key) == int(digits)):
                return dataset
        names = ", ".join(d.name for d in self.datasets) or "none"
        raise NnunetFolderError(f"{self.root}: no dataset '{key}' (found: {names})")


def default_results_folder(environ: Mapping[str, str]) -> Path | None:
    """The results folder the user's environment names: ``nnUNet_results`` (v2), then
    ``RESULTS_FOLDER`` (v1); None when neither is set."""
    for name in ("nnUNet_results", "RESULTS_FOLDER"):
        if environ.get(name):
            return Path(environ[name])
    return None


def scan_results(root: Path, *, refresh: bool = False,
                 cache_dir: Path | None = None) -> NnunetResults:
    """Parse an nnU-Net results folder (v2 and/or v1 layout), reusing the cached parse
    while nothing it read has changed (``refresh=True`` always rescans).

    Raises NnunetFolderError for a missing folder, an empty one, or one that holds
    neither layout.
    """
    root = Path(root).expanduser().absolute()
    if not root.is_dir():
        raise NnunetFolderError(f"{root}: no such folder")
    cache_file = (cache_dir or default_cache_folder()) / "nnunet-folders" / (
        hashlib.sha256(str(root).encode()).hexdigest()[:32] + ".json")
    if not refresh:
        cached = _load_cache(cache_file, root)
        if cached is not None:
            return cached
    scan = _Scan()
    datasets = _scan_v2(root, scan) + _scan_v1(root, scan)
    if not datasets:
        if not any(root.iterdir()):
            raise NnunetFolderError(f"{root} is empty: it is not an nnU-Net results folder")
        raise NnunetFolderError(
            f"{root} is not an nnU-Net results folder: it holds no DatasetXXX_Name folders "
            "(nnU-Net v2) and no nnUNet/<configuration>/TaskXXX_Name folders (v1)")
    results = NnunetResults(root, tuple(datasets))
    _save_cache(cache_file, results, scan.stamps())
    return results


class _Scan:
    """Remembers every folder listed and file read, to validate the cache later."""

    def __init__(self) -> None:
        self.watched: set[Path] = set()

    def subfolders(self, folder: Path) -> list[Path]:
        self.watched.add(folder)
        try:
            return sorted(p for p in folder.iterdir() if p.is_dir())
        except OSError:
            return []

    def watch(self, path: Path) -> Path:
        self.watched.add(path)
        return path

    def stamps(self) -> dict[str, int]:
        return {str(p): _mtime_ns(p) for p in sorted(self.watched)}


def _mtime_ns(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


def _scan_v2(root: Path, scan: _Scan) -> list[NnunetDataset]:
    datasets = []
    for folder in scan.subfolders(root):
        if _DATASET_V2.match(folder.name):
            dataset = _dataset_v2(folder, scan)
            if dataset.models:
                datasets.append(dataset)
    return datasets


def _dataset_v2(folder: Path, scan: _Scan) -> NnunetDataset:
    models = []
    for model_folder in scan.subfolders(folder):
        parts = model_folder.name.split("__")
        if len(parts) != 3:
            continue
        trainer, plans, configuration = parts
        crossval = [f for f in scan.subfolders(model_folder)
                    if f.name.startswith("crossval_results_folds_")]
        pp = [p for f in crossval if (p := _existing(f / "postprocessing.pkl"))]
        scan.watched.update(crossval)
        models.append(_model(model_folder, configuration, trainer, plans, CHECKPOINT_V2,
                             pp[0] if pp else None, scan))
    ensembles = []
    for ens in scan.subfolders(folder / "ensembles"):
        _, *members, folds = ens.name.split("___")
        if members and all(len(m.split("__")) == 3 for m in members):
            ensembles.append(NnunetEnsemble(
                ens, tuple(_v2_key(m) for m in members), tuple(folds.split("_")),
                _existing(scan.watch(ens / "postprocessing.pkl"))))
    names, channels = _names(models, scan)
    return NnunetDataset(folder.name, folder, 2, channels, names, tuple(models),
                         tuple(ensembles), _recommended_v2(folder, scan))


def _v2_key(identifier: str) -> tuple[str, str, str]:
    trainer, plans, configuration = identifier.split("__")
    return (configuration, trainer, plans)


def _recommended_v2(folder: Path, scan: _Scan) -> tuple[tuple[str, str, str], ...]:
    info_file = scan.watch(folder / "inference_information.json")
    try:
        info = json.loads(info_file.read_text(encoding="utf-8"))
        chosen = info["best_model_or_ensemble"]["selected_model_or_models"]
        return tuple((m["configuration"], m["trainer"], m["plans_identifier"]) for m in chosen)
    except (OSError, ValueError, KeyError, TypeError):
        return ()


def _scan_v1(root: Path, scan: _Scan) -> list[NnunetDataset]:
    base = root / "nnUNet" if (root / "nnUNet").is_dir() else root
    tasks: dict[str, list[NnunetModel]] = {}
    folders: dict[str, Path] = {}
    for config_folder in scan.subfolders(base):
        if config_folder.name not in CONFIGURATIONS:
            continue
        for task_folder in scan.subfolders(config_folder):
            if not _TASK_V1.match(task_folder.name):
                continue
            for model_folder in scan.subfolders(task_folder):
                trainer, sep, plans = model_folder.name.partition("__")
                if not sep:
                    continue
                pp = _existing(scan.watch(model_folder / "postprocessing.json"))
                tasks.setdefault(task_folder.name, []).append(_model(
                    model_folder, config_folder.name, trainer, plans, CHECKPOINT_V1, pp, scan))
                folders.setdefault(task_folder.name, task_folder)
    datasets = []
    for task, models in sorted(tasks.items()):
        names, channels = _names(models, scan)
        datasets.append(NnunetDataset(task, folders[task], 1, channels, names, tuple(models),
                                      _ensembles_v1(base / "ensembles" / task, scan)))
    return datasets


def _ensembles_v1(folder: Path, scan: _Scan) -> tuple[NnunetEnsemble, ...]:
    ensembles = []
    for ens in scan.subfolders(folder):
        members = ens.name.removeprefix("ensemble_").split("--")
        keys = [tuple(m.split("__")) for m in members]
        if ens.name.startswith("ensemble_") and all(len(k) == 3 for k in keys):
            ensembles.append(NnunetEnsemble(
                ens, tuple(keys), (), _existing(scan.watch(ens / "postprocessing.json"))))
    return tuple(ensembles)


def _model(folder: Path, configuration: str, trainer: str, plans: str, checkpoint: str,
           postprocessing: Path | None, scan: _Scan) -> NnunetModel:
    scan.watch(folder)
    found, missing = fold_checkpoints(folder, checkpoint)
    for name in found + missing:
        scan.watch(fold_folder(folder, name))
    return NnunetModel(folder, configuration, trainer, plans, tuple(found), tuple(missing),
                       postprocessing)


def _names(models: list[NnunetModel], scan: _Scan) -> tuple[dict[int, str], tuple[str, ...]]:
    """Label and channel names from the first readable dataset.json of the models."""
    for model in models:
        path = find_dataset_json(model.folder)
        if path is None:
            continue
        scan.watch(path)
        try:
            dataset = read_dataset_json(path)
        except ValueError:
            continue
        return label_names(dataset), tuple(channel_names(dataset))
    return {}, ("image",)


def _existing(path: Path) -> Path | None:
    return path if path.is_file() else None


# --- cache ------------------------------------------------------------------------------

def _load_cache(cache_file: Path, root: Path) -> NnunetResults | None:
    try:
        data = json.loads(cache_file.read_text(encoding="utf-8"))
        if data["format"] != _CACHE_FORMAT or data["root"] != str(root):
            return None
        if any(_mtime_ns(Path(p)) != t for p, t in data["stamps"].items()):
            return None
        return NnunetResults(root, tuple(_dataset_from_json(d) for d in data["datasets"]),
                             from_cache=True)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _save_cache(cache_file: Path, results: NnunetResults, stamps: dict[str, int]) -> None:
    """Best effort: a read-only or full cache folder only costs the next scan its speed."""
    data = {"format": _CACHE_FORMAT, "root": str(results.root), "stamps": stamps,
            "datasets": [_to_json(asdict(d)) for d in results.datasets]}
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(cache_file, json.dumps(data))
    except OSError:
        pass


def _to_json(value):
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _to_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_to_json(v) for v in value]
    return value


def _optional_path(value: str | None) -> Path | None:
    return None if value is None else Path(value)


def _dataset_from_json(d: dict) -> NnunetDataset:
    models = tuple(
        NnunetModel(Path(m["folder"]), m["configuration"], m["trainer"], m["plans"],
                    tuple(m["folds"]), tuple(m["incomplete_folds"]),
                    _optional_path(m["postprocessing"]))
        for m in d["models"])
    ensembles = tuple(
        NnunetEnsemble(Path(e["folder"]), tuple(tuple(k) for k in e["members"]),
                       tuple(e["folds"]), _optional_path(e["postprocessing"]))
        for e in d["ensembles"])
    return NnunetDataset(
        d["name"], Path(d["folder"]), d["version"], tuple(d["channel_names"]),
        {int(k): v for k, v in d["label_names"].items()}, models, ensembles,
        tuple(tuple(k) for k in d["recommended"]))
