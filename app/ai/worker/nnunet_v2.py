"""nnU-Net v2 adapter: ``nnUNetPredictor`` on the image array, one or several model folders.

Params: ``model_folder``; ``folds`` (list, or None/empty for every fold with a
checkpoint); ``use_mirroring``; ``mixed_precision`` (CUDA only: nnU-Net never autocasts
on the CPU); ``device`` ("cpu" or "cuda:N"); ``ensemble_folders`` (more model folders
whose softmax is averaged with the first's, as ``nnUNetv2_ensemble`` does);
``postprocessing`` (a ``postprocessing.pkl`` that nnU-Net wrote, applied at the end);
``checkpoint`` (default ``checkpoint_final.pth``). A cascade stage (a configuration with
a ``previous_stage``, e.g. 3d_cascade_fullres) first runs that stage's model folder beside
it with the same folds and hands its labels on, as ``nnUNetv2_predict`` does.

The array is (C, Z, Y, X) with spacing (z, y, x): the axis order nnU-Net's SimpleITK
reader produces (it reverses SimpleITK's x, y, z spacing to match the array), so both go
to ``predict_single_npy_array`` as they are. torch and nnunetv2 are imported inside
``run`` so that the folder checks and their messages need neither.
"""

from __future__ import annotations

import time
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
    checkpoint = params.get("checkpoint") or nnunet_common.CHECKPOINT_V2
    folders = [params.get("model_folder") or ""] + list(params.get("ensemble_folders") or [])
    folders = [nnunet_common.check_model_folder(f, ("dataset.json", "plans.json"))
               for f in folders]
    folds = [nnunet_common.chosen_folds(f, params.get("folds"), checkpoint) for f in folders]
    dataset = nnunet_common.read_dataset_json(folders[0] / "dataset.json")
    channels = nnunet_common.channel_names(dataset)
    if image.shape[0] != len(channels):
        raise RuntimeError(f"the model takes {len(channels)} channel(s) ({', '.join(channels)}), "
                           f"the image has {image.shape[0]}")
    postprocessing = params.get("postprocessing")
    if postprocessing and not Path(postprocessing).is_file():
        raise RuntimeError(f"postprocessing file {postprocessing} does not exist")
    torch, base = _import_nnunet()
    device = _device(torch, str(params.get("device") or "cpu"))
    mixed = bool(params.get("mixed_precision", True)) and device.type == "cuda"
    tracker = _Tracker(progress, sum(map(len, folds)))
    predictor_class = _predictor_class(torch, base, tracker, mixed)

    def predict_folder(folder: Path, model_folds: list[str], probabilities: bool):
        """(segmentation, probabilities or None, label manager) of one model folder; a
        cascade stage first predicts its previous stage, whose labels it takes as input."""
        predictor = predictor_class(
            use_mirroring=bool(params.get("use_mirroring", True)),
            perform_everything_on_device=device.type == "cuda", device=device,
            verbose=False, allow_tqdm=False)
        progress(tracker.fraction(), f"loading {folder.name}")
        try:
            predictor.initialize_from_trained_model_folder(str(folder), tuple(model_folds),
                                                           checkpoint_name=checkpoint)
        except RuntimeError as error:
            if "torchvision::" not in str(error):
                raise
            # nnU-Net imports every trainer module to find the checkpoint's trainer; some
            # import timm and so torchvision, whose registry build needs a CUDA torch.
            raise RuntimeError(
                f"torchvision in this Python does not load with its torch {torch.__version__} "
                f"({error}); nnU-Net needs it to find the trainer: install the torchvision "
                "built for this torch") from error
        previous_labels = None
        previous = predictor.configuration_manager.previous_stage_name
        if previous:
            stage = folder.with_name(folder.name.rsplit("__", 1)[0] + f"__{previous}")
            if not stage.is_dir():
                raise RuntimeError(f"{folder.name} is a cascade stage: it needs the {previous} "
                                   f"model beside it ({stage} is missing)")
            stage_folds = nnunet_common.chosen_folds(stage, model_folds, checkpoint)
            tracker.passes += len(stage_folds)
            # Signed: nnU-Net marks voxels outside the nonzero crop with -1.
            previous_labels = predict_folder(stage, stage_folds, False)[0][None].astype(np.int16)
        # nnU-Net writes its bookkeeping into the properties: a fresh dict per call.
        properties = {"spacing": [float(s) for s in spacing_zyx]}
        result = predictor.predict_single_npy_array(image, properties, previous_labels, None,
                                                    probabilities)
        segmentation, folder_probabilities = result if probabilities else (result, None)
        return segmentation, folder_probabilities, predictor.label_manager

    ensemble = len(folders) > 1
    probabilities = None
    for folder, model_folds in zip(folders, folds, strict=True):
        segmentation, folder_probabilities, label_manager = predict_folder(
            folder, model_folds, ensemble)
        if ensemble:
            probabilities = (folder_probabilities.astype(np.float32) if probabilities is None
                             else probabilities + folder_probabilities)
    if ensemble:
        segmentation = label_manager.convert_probabilities_to_segmentation(
            probabilities / len(folders))
    if postprocessing:
        progress(1.0, "postprocessing")
        segmentation = _postprocess(np.asarray(segmentation), postprocessing)
    return np.asarray(segmentation), nnunet_common.label_names(dataset)


def _import_nnunet():
    try:
        import torch
        from nnunetv2.inference.predict_from_raw_data import nnUNetPredictor
    except ImportError as error:
        raise RuntimeError(
            f"nnU-Net v2 is not installed in this Python ({error.name or error}); "
            "install it with 'pip install nnunetv2' or choose another environment") from error
    return torch, nnUNetPredictor


def _device(torch, name: str):
    try:
        device = torch.device(name)
    except RuntimeError as error:
        raise RuntimeError(f"unknown device '{name}' (use cpu or cuda:N)") from error
    if device.type == "cuda":
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        if (device.index or 0) >= count:
            raise RuntimeError(f"{name} is not available in this Python (torch "
                               f"{torch.__version__} sees {count} CUDA device(s)); choose CPU")
    return device


def _predictor_class(torch, base, tracker: _Tracker, mixed_precision: bool):
    """nnUNetPredictor reporting progress per tile (and so able to stop at a cancel),
    with autocast turned off inside the network call when mixed precision is off
    (nnU-Net itself always autocasts on CUDA)."""

    class Predictor(base):
        def _internal_get_sliding_window_slicers(self, image_size):
            slicers = super()._internal_get_sliding_window_slicers(image_size)
            tracker.start_pass(len(slicers))
            return slicers

        def _internal_maybe_mirror_and_predict(self, x):
            tracker.tile()
            if mixed_precision or self.device.type != "cuda":
                return super()._internal_maybe_mirror_and_predict(x)
            with torch.autocast("cuda", enabled=False):
                return super()._internal_maybe_mirror_and_predict(x)

    return Predictor


class _Tracker:
    """Turns nnU-Net's passes (one per fold and model) and tiles into progress calls,
    at most a few a second but always at the start of a pass."""

    def __init__(self, progress: Progress, passes: int) -> None:
        self.progress = progress
        self.passes = max(passes, 1)
        self.done_passes = -1
        self.tiles = 1
        self.done_tiles = 0
        self.sent = 0.0

    def fraction(self) -> float:
        done = max(self.done_passes, 0) + self.done_tiles / self.tiles
        return min(done / self.passes, 1.0)

    def start_pass(self, tiles: int) -> None:
        self.done_passes += 1
        self.tiles, self.done_tiles = max(tiles, 1), 0
        self._send(force=True)

    def tile(self) -> None:
        self._send(force=False)
        self.done_tiles += 1

    def _send(self, force: bool) -> None:
        now = time.monotonic()
        if force or now - self.sent > 0.25:
            self.sent = now
            self.progress(self.fraction(), f"fold {self.done_passes + 1}/{self.passes}: "
                                           f"tile {self.done_tiles + 1}/{self.tiles}")


def _postprocess(segmentation: np.ndarray, path: str) -> np.ndarray:
    from batchgenerators.utilities.file_and_folder_operations import load_pickle
    from nnunetv2.postprocessing.remove_connected_components import apply_postprocessing

    functions, kwargs = load_pickle(path)
    return apply_postprocessing(segmentation, functions, kwargs)
