"""``demarcate predict``: one AI prediction from the command line into a segmentation file.

The unit a batch over a cohort runs: read the image (and extra channels) with the
project's readers, run nnU-Net or TotalSegmentator through the same worker and client as
the window, and write the labels, named, as one group in the format OUT's suffix names
(.nrrd MITK, .seg.nrrd Slicer, .nii.gz/.nii/.mha a label map with an ITK-SNAP label
description beside it, since a label map holds no names). Failures end with one line on
stderr and exit code 1. Reading and writing files is ``cli``'s part: the AI layer sits
beside ``formats`` and does not use it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from ..model.geometry import Geometry
from ..model.image import ReferenceImage
from ..model.labels import Label, palette_color
from ..model.segmentation import LabelGroup, Segmentation
from .cache import PredictionCache, default_cache_folder
from .client import Prediction, run_prediction
from .environments import default_python
from .nnunet_folder import scan_results

LABELMAP_SUFFIXES = (".nii.gz", ".nii", ".mha", ".mhd")


def add_predict_parser(sub: argparse._SubParsersAction) -> None:
    predict = sub.add_parser(
        "predict", help="segment an image with nnU-Net or TotalSegmentator into a file",
        description="Runs the model in a worker with the chosen Python (--python) and "
        "writes OUT as .nrrd (MITK), .seg.nrrd (Slicer) or .nii.gz/.nii/.mha (a label map, "
        "its names in an ITK-SNAP label file beside it: seg.nii.gz -> seg.txt), one group "
        "of named labels. Results "
        "are cached: the same run again is instant.")
    predict.add_argument("image")
    predict.add_argument("output")
    source = predict.add_mutually_exclusive_group()
    source.add_argument("--nnunet", metavar="RESULTS_DIR", help="an nnU-Net results folder")
    source.add_argument("--totalsegmentator", metavar="TASK",
                        help="a TotalSegmentator task (total, total_mr, body, ...)")
    source.add_argument("--adapter", help=argparse.SUPPRESS)  # a model script, for tests
    predict.add_argument("--dataset", help="dataset/task: name or id (default: the only one)")
    predict.add_argument("--configuration", help="2d, 3d_fullres, 3d_lowres, ...")
    predict.add_argument("--trainer")
    predict.add_argument("--plans")
    predict.add_argument("--folds", nargs="+", metavar="FOLD",
                         help="folds to average (default: all with a checkpoint)")
    predict.add_argument("--ensemble", action="store_true",
                         help="average the dataset's nnU-Net ensemble instead of one model")
    predict.add_argument("--postprocessing", action="store_true",
                         help="apply the postprocessing nnU-Net determined, when present")
    predict.add_argument("--no-mirroring", action="store_true",
                         help="no test-time mirroring (faster, slightly worse)")
    predict.add_argument("--fast", action="store_true", help="TotalSegmentator's fast mode")
    predict.add_argument("--roi-subset", nargs="+", metavar="CLASS",
                         help="TotalSegmentator: only these classes")
    predict.add_argument("--channel", action="append", default=[], metavar="EXTRA_IMAGE",
                         help="another image of the same grid as the next input channel")
    predict.add_argument("--python", default=None,
                         help="the Python of the AI environment (default: this one)")
    predict.add_argument("--device", default="cpu", help="cpu or cuda:N (default: cpu)")
    predict.add_argument("--no-cache", action="store_true", help="neither use nor store "
                         "cached results")


def predict_segmentation(args: argparse.Namespace, image: ReferenceImage,
                         extra_images: list[ReferenceImage]) -> Segmentation:
    """Run the prediction ``args`` ask for on ``image`` (+ extra channels) and return one
    group of named labels on its grid. ValueError for bad arguments, AiError or
    AiCancelled from the run; the caller reads the images and writes the result (this
    layer does not use the file formats)."""
    channels = _channels(image, extra_images)
    adapter, params = _request(args, channels.shape[0], image.geometry)
    progress = _ProgressLine()
    try:
        prediction = run_prediction(
            args.python or default_python(), adapter, channels, image.geometry.spacing_zyx,
            params, progress=progress,
            cache=None if args.no_cache else PredictionCache(default_cache_folder()))
    finally:
        progress.finish()
    return _segmentation(image, prediction, Path(args.output))


def names_file(output: Path) -> Path | None:
    """Where the label names of a label-map OUT go (``stem.txt``, ITK-SNAP's label
    description); None for formats that hold names themselves."""
    for suffix in LABELMAP_SUFFIXES:
        if output.name.lower().endswith(suffix):
            return output.with_name(output.name[: -len(suffix)] + ".txt")
    return None


def _channels(image: ReferenceImage, extra_images: list[ReferenceImage]) -> np.ndarray:
    """(C, Z, Y, X) float32: the image, then each extra image, all on one grid."""
    arrays = []
    for picture in (image, *extra_images):
        if picture.time_steps != 1:
            raise ValueError(f"{picture.source_path} has {picture.time_steps} time steps; "
                             "predict takes 3D images")
        if picture.shape_zyx != image.shape_zyx or not picture.geometry.matches(image.geometry):
            raise ValueError(f"{picture.source_path} is not on the grid of {image.source_path} "
                             f"({picture.shape_zyx} vs {image.shape_zyx} voxels, or another "
                             "position); resample it first")
        arrays.append(picture.array[0])
    return np.stack([np.asarray(a, dtype=np.float32) for a in arrays])


def _request(args: argparse.Namespace, channel_count: int,
             geometry: Geometry) -> tuple[str, dict]:
    if args.totalsegmentator:
        # TotalSegmentator reorients the image, so it needs to know where it lies.
        return "totalsegmentator_adapter", {
            "task": args.totalsegmentator, "fast": args.fast, "device": args.device,
            "roi_subset": args.roi_subset, **geometry.placement()}
    if args.adapter:
        return str(Path(args.adapter).resolve()), {"device": args.device}
    if not args.nnunet:
        raise ValueError("say which model: --nnunet RESULTS_DIR or --totalsegmentator TASK")
    results = scan_results(Path(args.nnunet))
    if args.dataset is None and len(results.datasets) > 1:
        raise ValueError(f"{args.nnunet} holds several datasets "
                         f"({', '.join(d.name for d in results.datasets)}): choose with "
                         "--dataset")
    dataset = results.dataset(args.dataset) if args.dataset else results.datasets[0]
    chosen = (args.configuration, args.trainer, args.plans)
    model = dataset.model(*chosen) if not args.ensemble or any(chosen) else None
    ensemble = dataset.ensemble_for(model) if args.ensemble else None
    if args.ensemble and ensemble is None:
        raise ValueError(f"{dataset.name} has no ensemble")
    names = dataset.channel_names
    if len(names) != channel_count:
        raise ValueError(f"{dataset.name} takes {len(names)} image(s) ({', '.join(names)}); "
                         f"give {channel_count} (IMAGE and --channel for each extra one)")
    return dataset.request(model, folds=args.folds, ensemble=ensemble,
                           use_mirroring=not args.no_mirroring, device=args.device,
                           postprocessing=args.postprocessing)


def _segmentation(image: ReferenceImage, prediction: Prediction, output: Path) -> Segmentation:
    """One group of named labels on the image's grid, named after OUT."""
    values = sorted((set(np.unique(prediction.labels).tolist()) | set(prediction.names)) - {0})
    labels = [Label(v, prediction.names.get(v, f"Label {v}"), palette_color(i))
              for i, v in enumerate(values)]
    segmentation = Segmentation(image.shape_zyx, image.geometry,
                                name=output.name.split(".")[0] or "prediction")
    segmentation.groups.append(LabelGroup("Group 0", prediction.labels[None], labels))
    return segmentation


class _ProgressLine:
    """One progress line on stderr: rewritten in place on a terminal, else a new line
    at most every few seconds (logs of batch runs stay short)."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.last = 0.0
        self.shown = False

    def __call__(self, fraction: float | None, message: str | None) -> None:
        now = time.monotonic()
        if not self.tty and now - self.last < 5.0:
            return
        self.last = now
        percent = "  ?%" if fraction is None else f"{100 * fraction:3.0f}%"
        text = f"predict {percent} {message or ''}".rstrip()
        print(f"\r{text:<79}" if self.tty else text, end="" if self.tty else "\n",
              file=sys.stderr, flush=True)
        self.shown = True

    def finish(self) -> None:
        if self.tty and self.shown:
            print(file=sys.stderr)
