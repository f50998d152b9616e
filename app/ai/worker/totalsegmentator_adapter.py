"""TotalSegmentator adapter: its Python API on a NIfTI written to a temporary folder.

Params: ``task`` (default "total"), ``fast``, ``device`` ("cpu" or "cuda:N", given to
TotalSegmentator as "cpu" / "gpu:N"), ``roi_subset`` (class names, or None for all).
Labels are named from ``totalsegmentator.map_to_binary.class_map[task]``.

Only the voxel spacing reaches the worker, so the NIfTI gets the affine of an image whose
ITK direction is the identity (x to the patient's left, y to posterior: RAS flips x and
y); TotalSegmentator reorients to canonical and back itself.

Weights come from TotalSegmentator's weights folder (``TOTALSEG_WEIGHTS_PATH``, else
``TOTALSEG_HOME_DIR``/nnunet/results, else ~/.totalsegmentator/nnunet/results). When a
model is missing there and cannot be downloaded (no network here), the download error
becomes one message naming the model folder and where it must be placed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

Progress = Callable[[float | None, str], None]


def run(image: np.ndarray, spacing_zyx: tuple[float, float, float], params: dict,
        progress: Progress) -> tuple[np.ndarray, dict[int, str]]:
    if image.shape[0] != 1:
        raise RuntimeError(f"TotalSegmentator takes one image, got {image.shape[0]} channels")
    task = str(params.get("task") or "total")
    roi_subset = list(params.get("roi_subset") or []) or None
    nib, python_api, class_map = _import_totalsegmentator()
    if task not in class_map:
        raise RuntimeError(f"unknown TotalSegmentator task '{task}'")
    names = {int(v): str(n) for v, n in class_map[task].items()
             if roi_subset is None or n in roi_subset}
    if roi_subset is not None and len(names) < len(set(roi_subset)):
        unknown = sorted(set(roi_subset) - set(names.values()))
        raise RuntimeError(f"task '{task}' has no class {', '.join(unknown)}")
    _report_missing_weights(python_api)
    sz, sy, sx = (float(s) for s in spacing_zyx)
    affine = np.diag([-sx, -sy, sz, 1.0])
    progress(None, f"TotalSegmentator {task}{' (fast)' if params.get('fast') else ''}")
    with tempfile.TemporaryDirectory(prefix="demarcate-totalseg-") as temp:
        path = Path(temp) / "image.nii.gz"
        nib.save(nib.Nifti1Image(np.asarray(image[0]).transpose(2, 1, 0), affine), path)
        result = python_api.totalsegmentator(
            path, None, task=task, fast=bool(params.get("fast", False)),
            device=_device(str(params.get("device") or "cpu")), roi_subset=roi_subset,
            quiet=True)
        labels = np.asarray(result.dataobj).transpose(2, 1, 0)
    return np.rint(labels).astype(np.uint16), names


def _import_totalsegmentator():
    try:
        import nibabel as nib
        from totalsegmentator import python_api
        from totalsegmentator.map_to_binary import class_map
    except ImportError as error:
        raise RuntimeError(
            f"TotalSegmentator is not installed in this Python ({error.name or error}); "
            "install it with 'pip install TotalSegmentator' or choose another environment"
        ) from error
    return nib, python_api, class_map


def _device(device: str) -> str:
    if device == "cpu":
        return "cpu"
    if device.startswith("cuda"):
        return "gpu:" + (device.partition(":")[2] or "0")
    raise RuntimeError(f"unknown device '{device}' (use cpu or cuda:N)")


def _report_missing_weights(python_api) -> None:
    """Wrap TotalSegmentator's weight download so that a failure (offline) names the
    model and the folder it must be placed in instead of ending in a traceback."""
    from totalsegmentator.config import get_weights_dir
    from totalsegmentator.map_tasks_config import TASK_ID_WEIGHTS_CONFIGS

    download = getattr(python_api.download_pretrained_weights, "__wrapped__",
                       python_api.download_pretrained_weights)

    def download_or_explain(task_id):
        try:
            return download(task_id)
        except Exception as error:  # requests, zipfile and OS errors alike
            info = TASK_ID_WEIGHTS_CONFIGS.get(task_id, {})
            folder = Path(get_weights_dir()) / info.get("rel_path", "") / info.get(
                "foldername", f"model {task_id}")
            raise RuntimeError(
                f"TotalSegmentator weights {folder.name} are missing and cannot be "
                f"downloaded here ({type(error).__name__}); place the folder at {folder} "
                "(TotalSegmentator reads TOTALSEG_WEIGHTS_PATH, else TOTALSEG_HOME_DIR/"
                "nnunet/results, else ~/.totalsegmentator/nnunet/results)") from error

    download_or_explain.__wrapped__ = download
    python_api.download_pretrained_weights = download_or_explain
