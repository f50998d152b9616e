"""TotalSegmentator adapter: its Python API on a NIfTI written to a temporary folder.

Params: ``task`` (default "total"), ``fast``, ``device`` ("cpu" or "cuda:N", given to
TotalSegmentator as "cpu" / "gpu:N"), ``roi_subset`` (class names, or None for all).
Labels are named from ``totalsegmentator.map_to_binary.class_map[task]``.

TotalSegmentator reorients its input to a canonical orientation before the model runs, so
the NIfTI must say where the image lies: ``direction`` (ITK's 3x3, LPS, rows as lists) and
``origin`` (x, y, z in mm) come with the params (identity and zero when absent) and
``nifti_affine`` turns them into the RAS affine. TotalSegmentator writes its result back in
the input's orientation; ``onto_grid`` checks that it lies voxel for voxel on our grid
and returns it in our (Z, Y, X) order.

Weights come from TotalSegmentator's weights folder (``TOTALSEG_WEIGHTS_PATH``, else
``TOTALSEG_HOME_DIR``/nnunet/results, else ~/.totalsegmentator/nnunet/results). When a
model is missing there and cannot be downloaded (no network here), the download error
becomes one message naming the model folder and where it must be placed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
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
    affine = nifti_affine(spacing_zyx, params.get("direction") or np.eye(3),
                          params.get("origin") or (0.0, 0.0, 0.0))
    progress(None, f"TotalSegmentator {task}{' (fast)' if params.get('fast') else ''}")
    with tempfile.TemporaryDirectory(prefix="demarcate-totalseg-") as temp:
        path = Path(temp) / "image.nii.gz"
        nib.save(nib.Nifti1Image(np.asarray(image[0]).transpose(2, 1, 0), affine), path)
        result = python_api.totalsegmentator(
            path, None, task=task, fast=bool(params.get("fast", False)),
            device=_device(str(params.get("device") or "cpu")), roi_subset=roi_subset,
            quiet=True)
        labels = onto_grid(np.asarray(result.dataobj), result.affine, affine,
                           image.shape[1:])
    return np.rint(labels).astype(np.uint16), names


def nifti_affine(spacing_zyx: Sequence[float], direction: Sequence[Sequence[float]] | np.ndarray,
                 origin: Sequence[float]) -> np.ndarray:
    """The NIfTI (RAS) affine of our (Z, Y, X) array written transposed to (X, Y, Z).

    ITK puts index (i, j, k) = (x, y, z) at ``origin + direction @ (spacing * index)`` in
    LPS; RAS is LPS with the first two world axes negated.
    """
    lps_to_ras = np.diag([-1.0, -1.0, 1.0])
    spacing_xyz = np.asarray(spacing_zyx, dtype=float)[::-1]
    affine = np.eye(4)
    affine[:3, :3] = lps_to_ras @ (np.asarray(direction, dtype=float).reshape(3, 3)
                                   * spacing_xyz)
    affine[:3, 3] = lps_to_ras @ np.asarray(origin, dtype=float)
    return affine


def onto_grid(labels_xyz: np.ndarray, labels_affine: np.ndarray, grid_affine: np.ndarray,
              shape_zyx: Sequence[int]) -> np.ndarray:
    """``labels_xyz`` (a NIfTI array with ``labels_affine``) as a (Z, Y, X) array on the
    grid of ``grid_affine``, when it is that grid with its axes permuted or flipped (a
    reorientation); RuntimeError when it lies anywhere else (resampled or shifted),
    because a label map on another grid would be written onto the wrong voxels."""
    to_grid = np.linalg.inv(grid_affine) @ np.asarray(labels_affine, dtype=float)
    axes = np.rint(to_grid[:3, :3])
    order = np.abs(axes).argmax(axis=1)
    signs = axes[np.arange(3), order]
    on_grid = (labels_xyz.ndim == 3 and sorted(order) == [0, 1, 2]
               and np.allclose(to_grid[:3, :3], axes, atol=1e-3))
    if on_grid:
        grid_xyz = labels_xyz.transpose(order)
        offset = np.where(signs < 0, np.asarray(grid_xyz.shape) - 1, 0)
        on_grid = (grid_xyz.shape == tuple(shape_zyx)[::-1]
                   and np.allclose(to_grid[:3, 3], offset, atol=1e-2))
    if not on_grid:
        raise RuntimeError(
            f"TotalSegmentator's result ({labels_xyz.shape} voxels, affine "
            f"{np.round(labels_affine, 3).tolist()}) is not on the image's voxel grid")
    flips = tuple(slice(None, None, -1) if sign < 0 else slice(None) for sign in signs)
    return grid_xyz[flips].transpose(2, 1, 0)


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
