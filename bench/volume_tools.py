"""The 3D tools as a user drives them, through the session, on a 512 x 512 x 300 CT.

The volume is the real abdominal CT in ../shared/data (or the bundled sample), resampled
to 300 x 512 x 512 with linear interpolation. Every figure is what the window waits on:
the tool runs through ``Session`` and its job runner, and results are collected the way
the UI thread collects them (polling every 2 ms), so job hand-off is included.

- Threshold drag: a slider value until the slices in view show it (``quick``), and
  until the whole volume's preview has landed; peer: SimpleITK's BinaryThreshold over
  the volume, which is what a tool that recomputes the volume per slider move waits on.
- Otsu: arming with 3 regions until the region map landed; peer: SimpleITK's
  OtsuMultipleThresholds (128 bins) with its region map.
- GrowCut: the first preview (coarse, then exact) on two seed scribbles; peer: itk
  FastGrowCut on the same seeds (whole image, as FastGrowCut has no box option; our run
  uses the seeds' box plus margin as MITK, and is also timed on the whole image). Then
  one scribble next to the object and one that changes about a quarter of the volume:
  time until the coarse and the exact preview show. The same once more with automatic
  background (the strokes undone first, so it starts from the same two scribbles).

    python -m bench.volume_tools [--size 256] [--no-peers] [--tools threshold,otsu,growcut]
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from scipy import ndimage

from bench.timing import best_of, report
from demarcate.gpu.backend import crop_to_bounding_box
from demarcate.model import Geometry, MaskRegion, ReferenceImage
from demarcate.model.preferences import Preferences
from demarcate.session import Session

REPO = Path(__file__).resolve().parents[1]
SOURCES = (REPO.parent / "shared" / "data" / "ct" / "example_ct_sm.nii.gz",
           REPO / "assets" / "samples" / "example_ct_sm.nii.gz")
POLL_S = 0.002


def resampled_ct(size: int) -> tuple[np.ndarray, tuple[float, float, float]]:
    """The real CT resampled to (300 * size / 512, size, size) voxels, int16."""
    source = next(path for path in SOURCES if path.exists())
    image = sitk.ReadImage(str(source))
    array = sitk.GetArrayFromImage(image).astype(np.float32)
    depth = max(32, round(300 * size / 512))
    factors = (depth / array.shape[0], size / array.shape[1], size / array.shape[2])
    volume = ndimage.zoom(array, factors, order=1).astype(np.int16)
    spacing_xyz = image.GetSpacing()
    spacing_zyx = tuple(s / f for s, f in zip(spacing_xyz[::-1], factors, strict=True))
    return volume, spacing_zyx


def session_on(volume: np.ndarray, spacing_zyx) -> Session:
    session = Session(Preferences())
    session.add_image(ReferenceImage(volume[None], Geometry(spacing_zyx[::-1]), "bench CT"))
    session.new_segmentation()
    return session


def until(session: Session, condition) -> float:
    """Seconds until ``condition()`` holds, polling jobs as the UI thread does."""
    start = time.perf_counter()
    while not condition():
        session.poll_jobs()
        time.sleep(POLL_S)
    return time.perf_counter() - start


def exact(session: Session):
    tool = session.armed_tool
    return lambda: (tool.result is not None and tool.result.exact
                    and not session.volume_preview_pending)


def bench_threshold(session: Session, volume: np.ndarray, peers: bool) -> None:
    session.select_tool("threshold")
    until(session, exact(session))
    low, high = float(volume.min()), float(volume.max())
    values = np.linspace(low + 0.3 * (high - low), low + 0.6 * (high - low), 12)
    in_view, whole = [], []
    for value in values:
        start = time.perf_counter()
        session.set_tool_option("lower", float(value))
        in_view.append(time.perf_counter() - start)  # the planes in view are on screen
        whole.append(in_view[-1] + until(session, exact(session)))
    ms = 1e3
    print(f"threshold drag, slices in view: median {np.median(in_view) * ms:.1f} ms, "
          f"worst {max(in_view) * ms:.1f} ms (target <= 33 ms)")
    print(f"threshold drag, whole volume:   median {np.median(whole) * ms:.1f} ms, "
          f"worst {max(whole) * ms:.1f} ms")
    if peers:
        image = sitk.GetImageFromArray(volume)
        peer = best_of(lambda: sitk.BinaryThreshold(image, float(values[0]), high), 3)
        report("threshold_preview_in_view", float(np.median(in_view)), {"sitk volume": peer})
        report("threshold_preview_volume", float(np.median(whole)), {"sitk volume": peer})
    session.cancel_volume_tool()


def bench_otsu(session: Session, volume: np.ndarray, peers: bool) -> None:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        session.select_tool("otsu")
        times.append(time.perf_counter() - start + until(session, exact(session)))
        session.cancel_volume_tool()
    ours = min(times)
    print(f"otsu 3 regions, armed until the region map shows: {ours * 1e3:.0f} ms")
    if peers:
        image = sitk.GetImageFromArray(volume)
        report("otsu_tool_3_regions", ours, {"sitk with map": best_of(
            lambda: sitk.OtsuMultipleThresholds(image, 2, 0, 128), 2)})


def seed_scribbles(session: Session, volume: np.ndarray) -> None:
    """Label 1 on the brightest organ near the middle, Label 2 (background) around it."""
    document = session.document
    document.add_label("Background")
    document.set_active_label(1)
    depth, rows, cols = volume.shape
    z = depth // 2
    inside = np.zeros(volume.shape, bool)
    inside[z - 2:z + 2, rows // 2 - 4:rows // 2 + 4, cols // 3:cols // 3 + cols // 10] = True
    outside = np.zeros(volume.shape, bool)
    outside[z - 2:z + 2, rows // 8:rows // 8 + 4, cols // 4:3 * cols // 4] = True
    outside[z - 2:z + 2, 7 * rows // 8:7 * rows // 8 + 4, cols // 4:3 * cols // 4] = True
    document.write(MaskRegion.from_full(inside), 0, 1)
    document.write(MaskRegion.from_full(outside), 0, 2)


def growcut_updates(session: Session, volume: np.ndarray) -> None:
    """Time the preview after each scribble (GrowCut stays armed while Paint draws)."""
    tool = session.armed_tool
    session.select_tool("paint")
    depth, rows, cols = volume.shape
    z = depth // 2
    near = np.zeros(volume.shape, bool)
    near[z, rows // 2 + 6:rows // 2 + 10, cols // 3:cols // 3 + cols // 20] = True
    far = np.zeros(volume.shape, bool)
    far[depth // 4: 3 * depth // 4, rows // 2, cols - cols // 5:cols - cols // 5 + 3] = True
    for name, stroke, value in (("next to the object", near, 1),
                                ("changing a quarter of the volume", far, 2)):
        before = tool.result
        drawn, box = crop_to_bounding_box(stroke)  # as the brush hands over its strokes
        start = time.perf_counter()
        session.document.write(MaskRegion(drawn, tuple(s.start for s in box)), 0, value)
        coarse = until(session, lambda b=before: tool.result is not b)
        total = time.perf_counter() - start + until(session, exact(session))
        print(f"growcut scribble {name}: first preview {coarse + 0:.2f} s, exact {total:.2f} s "
              f"({tool.status}); target <= 1 s")


def bench_growcut(session: Session, volume: np.ndarray, spacing_zyx, peers: bool) -> None:
    seed_scribbles(session, volume)
    for whole, automatic in ((False, False), (True, False), (False, True)):
        session.set_tool_option("whole_image", whole, tool="growcut")
        session.set_tool_option("auto_background", automatic, tool="growcut")
        start = time.perf_counter()
        session.select_tool("growcut")
        tool = session.armed_tool
        first = (until(session, lambda armed=tool: armed.result is not None)
                 + time.perf_counter() - start)
        total = until(session, exact(session)) + first
        scope = ("whole image" if whole else "seeds' box + margin") + (
            ", automatic background" if automatic else "")
        print(f"growcut first run ({scope}): first preview {first:.2f} s, exact {total:.2f} s")
        if whole and peers:
            report("growcut_tool_first_run_whole", total,
                   {"itk FastGrowCut": itk_fast_growcut(session, volume)})
        if not whole:
            growcut_updates(session, volume)
        session.cancel_volume_tool()
        if not whole:
            session.undo()  # the two strokes of growcut_updates
            session.undo()


def itk_fast_growcut(session: Session, volume: np.ndarray) -> float:
    import itk

    seeds = session.document.segmentation.groups[0].array[0].astype(np.uint8)
    image = itk.image_from_array(volume.astype(np.float32))
    seed_image = itk.image_from_array(seeds)
    tiny = itk.image_from_array(np.ascontiguousarray(seeds[:4, :4, :4]))
    itk.fast_grow_cut(itk.image_from_array(np.zeros((4, 4, 4), np.float32)),
                      seed_image=tiny)  # loads the module, untimed
    start = time.perf_counter()
    itk.fast_grow_cut(image, seed_image=seed_image)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512, help="rows and columns (512)")
    parser.add_argument("--no-peers", action="store_true", help="skip the peer timings")
    parser.add_argument("--tools", default="threshold,otsu,growcut",
                        help="which tools to time (comma-separated)")
    args = parser.parse_args()
    tools = set(args.tools.split(","))
    volume, spacing_zyx = resampled_ct(args.size)
    print(f"volume {volume.shape} int16, {os.cpu_count()} CPUs, CPU path (NumPy/numba)")
    session = session_on(volume, spacing_zyx)
    session.jobs.wait(session.start_warm_up(), timeout_s=600)
    if "threshold" in tools:
        bench_threshold(session, volume, not args.no_peers)
    if "otsu" in tools:
        bench_otsu(session, volume, not args.no_peers)
    if "growcut" in tools:
        bench_growcut(session, volume, spacing_zyx, not args.no_peers)
    session.shutdown()


if __name__ == "__main__":
    main()
