"""The ``demarcate`` command: the GUI, and headless subcommands for scripts and checks.

Headless subcommands print a one-line message and exit non-zero on bad input, never a
traceback: they are what batch jobs and other tools call.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

from . import __version__, formats
from .ai import predict_command
from .ai.errors import AiCancelled, AiError
from .model import ReferenceImage, Segmentation
from .model.statistics import label_statistics

SUBCOMMANDS = ("info", "convert", "stats", "predict")


def image_info(image: ReferenceImage) -> dict:
    low, high = image.intensity_range()
    return {
        "kind": "image",
        "path": image.source_path,
        "shape": list(image.array.shape[1:][::-1]),
        "time_steps": image.time_steps,
        "spacing": list(image.geometry.spacing_xyz),
        "origin": list(image.geometry.origin_xyz),
        "direction": image.geometry.direction.ravel().tolist(),
        "dtype": str(image.array.dtype),
        "intensity_range": [low, high],
    }


def segmentation_info(seg: Segmentation) -> dict:
    counts = seg.voxel_counts()
    return {
        "kind": "segmentation",
        "format": seg.source_format,
        "version": seg.source_version,
        "shape": list(seg.shape_zyx[::-1]),
        "time_steps": seg.time_steps,
        "dynamic": seg.is_dynamic,
        "spacing": list(seg.geometry.spacing_xyz),
        "origin": list(seg.geometry.origin_xyz),
        "groups": [
            {
                "name": group.name,
                "labels": [
                    {
                        "value": label.value,
                        "name": label.name,
                        "color": list(label.color),
                        "locked": label.locked,
                        "visible": label.visible,
                        "opacity": label.opacity,
                        "voxels": counts.get(label.value, 0),
                    }
                    for label in group.labels
                ],
            }
            for group in seg.groups
        ],
    }


def _print_text(info: dict) -> None:
    size = " x ".join(str(v) for v in info["shape"])
    spacing = " x ".join(f"{v:g}" for v in info["spacing"])
    print(f"{info['kind']}: {size} voxels, {info['time_steps']} time step(s), "
          f"spacing {spacing} mm")
    if info["kind"] == "image":
        low, high = info["intensity_range"]
        print(f"dtype {info['dtype']}, intensities {low:g} .. {high:g}")
        return
    version = f" version {info['version']}" if info["version"] is not None else ""
    print(f"format {info['format']}{version}, {len(info['groups'])} group(s)")
    for group in info["groups"]:
        print(f"  {group['name']}")
        for label in group["labels"]:
            rgb = ",".join(f"{c:.3f}" for c in label["color"])
            flags = ("locked" if label["locked"] else "unlocked") + (
                "" if label["visible"] else ", hidden")
            print(f"    [{label['value']}] {label['name']}  color {rgb}  opacity "
                  f"{label['opacity']:g}  {flags}  {label['voxels']} voxels")


def finite_or_null(value):
    """``value`` with every NaN or infinite float replaced by None.

    JSON has no spelling for them (``json.dumps`` would print a bare ``NaN`` that JSON
    readers refuse), and ``info`` should describe, not refuse, a float image that holds
    NaN voxels (common outside a mask): its intensity range prints as null.
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: finite_or_null(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [finite_or_null(item) for item in value]
    return value


def print_json(info: dict, indent: int | None = None) -> None:
    """Print strict JSON: one object that any JSON reader accepts."""
    print(json.dumps(finite_or_null(info), indent=indent, allow_nan=False))


def system_info() -> dict:
    from .gpu.backend import describe_backend

    return {"kind": "system", "version": __version__, "compute": describe_backend()}


def run_info(args: argparse.Namespace) -> int:
    if args.system:
        print_json(system_info(), indent=None if args.json else 2)
        return 0
    if args.path is None:
        raise formats.FormatError("info needs a PATH (or --system)")
    path = Path(args.path)
    if not path.exists():
        raise formats.FormatError(f"{path}: no such file or folder")
    if args.segmentation or formats.is_segmentation_file(path):
        info = segmentation_info(formats.read_segmentation(path))
    else:
        info = image_info(formats.read_image(path))
    if args.json:
        print_json(info)
    else:
        _print_text(info)
    return 0


def run_convert(args: argparse.Namespace) -> int:
    source, target = Path(args.input), Path(args.output)
    if not source.exists():
        raise formats.FormatError(f"{source}: no such file or folder")
    reference = formats.read_image(args.reference) if args.reference else None
    segmentation = formats.read_segmentation(source, reference=reference,
                                             round_floats=args.round)
    written = formats.write_segmentation(
        segmentation, target, mitk_version=args.mitk_version, labelmap=args.labelmap
    )
    for path in written:
        print(path)
    return 0


def run_stats(args: argparse.Namespace) -> int:
    """Label statistics of a segmentation over its image: CSV on stdout, or into --csv."""
    image = formats.read_image(args.image)
    segmentation = formats.read_segmentation(args.segmentation, reference=image)
    if segmentation.time_steps != image.time_steps:
        raise ValueError(f"{args.segmentation} has {segmentation.time_steps} time step(s), "
                         f"the image {image.time_steps}")
    if not 0 <= args.time_step < image.time_steps:
        raise ValueError(f"--time-step {args.time_step} is outside 0..{image.time_steps - 1}")
    rows = label_statistics(segmentation, image, args.time_step)
    if args.csv:
        formats.write_statistics_csv(rows, args.csv)
        print(args.csv)
    else:
        print(formats.statistics_csv(rows), end="")
    return 0


def run_predict(args: argparse.Namespace) -> int:
    """An AI prediction into a segmentation file (the logic is in ai/predict_command)."""
    image = formats.read_image(args.image)
    extras = [formats.read_image(path) for path in args.channel]
    segmentation = predict_command.predict_segmentation(args, image, extras)
    written = formats.write_segmentation(segmentation, args.output)
    names = predict_command.names_file(Path(args.output))
    if names is not None:
        formats.write_itksnap_labels(segmentation.groups[0].labels, names)
        written.append(names)
    for path in written:
        print(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="demarcate",
        description="Interactive segmentation of medical images. Without a subcommand, "
        "opens the window (optionally on IMAGE and its SEGMENTATIONs).",
    )
    parser.add_argument("--version", action="version", version=f"demarcate {__version__}")
    sub = parser.add_subparsers(dest="command")

    info = sub.add_parser("info", help="describe an image or a segmentation file")
    info.add_argument("path", nargs="?", help="image file, DICOM folder or segmentation")
    info.add_argument("--json", action="store_true", help="print one JSON object")
    info.add_argument("--segmentation", action="store_true",
                      help="read PATH as a label map even without segmentation header keys")
    info.add_argument("--system", action="store_true", help="describe the compute backend")

    convert = sub.add_parser(
        "convert",
        help="convert a segmentation between MITK .nrrd, Slicer .seg.nrrd and label maps",
        description="The output format follows the suffix: .seg.nrrd is Slicer, other .nrrd "
        "is MITK (unless --labelmap), .nii/.nii.gz/.mha are plain label maps (one file per "
        "group).",
    )
    convert.add_argument("input")
    convert.add_argument("output")
    convert.add_argument("--reference", help="image whose grid the segmentation must match")
    convert.add_argument("--mitk-version", type=int, choices=(1, 4), default=1,
                         help="MITK format version: 1 opens in MITK 2023.04, 4 is current MITK")
    convert.add_argument("--labelmap", action="store_true",
                         help="write plain label maps even for a .nrrd output")
    convert.add_argument("--round", action="store_true",
                         help="accept a float label map by rounding to the nearest integers")

    stats = sub.add_parser(
        "stats", help="label statistics: voxels, volume and image mean/SD/min/max per label",
        description="One row per label of every group: group,value,name,voxels,volume_ml,"
        "mean,sd,min,max (SD over all the label's voxels; empty fields for an empty label).",
    )
    stats.add_argument("image")
    stats.add_argument("segmentation", help="a segmentation on the image's grid")
    stats.add_argument("--csv", metavar="OUT", help="write the table to OUT instead of stdout")
    stats.add_argument("--time-step", type=int, default=0, metavar="T",
                       help="time step of a 3D+t image (from 0; default 0)")
    predict_command.add_predict_parser(sub)
    return parser


def has_display() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def build_gui_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="demarcate",
        description="Open the Demarcate window. Subcommands for scripts: "
        + ", ".join(SUBCOMMANDS) + " (see 'demarcate info --help').",
    )
    parser.add_argument("paths", nargs="*", metavar="IMAGE [SEGMENTATION ...]",
                        help="an image, then segmentations of it to open")
    parser.add_argument("--sample", action="store_true", help="open the bundled sample CT")
    return parser


def run_gui(paths: list[str], sample: bool = False) -> int:
    if not has_display():
        print(
            "demarcate: no display found (DISPLAY/WAYLAND_DISPLAY unset). The window needs a "
            "screen; on a headless machine use 'xvfb-run demarcate ...', or the headless "
            f"subcommands: {', '.join(SUBCOMMANDS)} (see 'demarcate --help').",
            file=sys.stderr,
        )
        return 2
    from .ui.app import run_app

    return run_app(paths, sample=sample)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] not in (*SUBCOMMANDS, "-h", "--help", "--version"):
        gui_args = build_gui_parser().parse_args(argv)
        return run_gui(gui_args.paths, sample=gui_args.sample)
    args = build_parser().parse_args(argv)
    if args.command is None:
        return run_gui([])
    handlers = {"info": run_info, "convert": run_convert, "stats": run_stats,
                "predict": run_predict}
    try:
        return handlers[args.command](args)
    except (formats.FormatError, OSError, ValueError, AiError, AiCancelled) as error:
        print(f"demarcate {args.command}: {formats.first_line(error)}", file=sys.stderr)
        return 1
