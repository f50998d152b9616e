"""Interactive latency of the 2D tools on a 512 x 512 x 300 CT-like volume.

Prints one line per case with the median and worst time of one update; the targets are
<= 2 ms per brush dab (lock rule and undo bookkeeping included) and <= 30 ms per preview
update of region growing and live wire on a 512 x 512 slice.

    python -m bench.tool_latency
"""

from __future__ import annotations

import time

import numpy as np
from scipy import ndimage

from demarcate.model import Label, LabelGroup, Segmentation, SegmentationDocument
from demarcate.tools.brush import BrushStroke
from demarcate.tools.live_wire import LiveWire
from demarcate.tools.region_growing import RegionGrowing
from demarcate.tools.slicing import SlicePosition

SHAPE_ZYX = (300, 512, 512)


def ct_like(seed: int = 3) -> np.ndarray:
    """Smoothed noise with bright blobs, int16 (the standard bench volume)."""
    rng = np.random.default_rng(seed)
    volume = ndimage.gaussian_filter(rng.normal(0, 60, SHAPE_ZYX).astype(np.float32), 2)
    for _ in range(12):
        z, y, x = (rng.integers(20, n - 20) for n in SHAPE_ZYX)
        radius = rng.integers(10, 40)
        zz, yy, xx = np.ogrid[: SHAPE_ZYX[0], : SHAPE_ZYX[1], : SHAPE_ZYX[2]]
        volume[(zz - z) ** 2 + (yy - y) ** 2 + (xx - x) ** 2 < radius**2] += 300
    return volume.astype(np.int16)


def document() -> SegmentationDocument:
    seg = Segmentation(SHAPE_ZYX)
    group = LabelGroup("Group 0", seg.new_group_array(), [Label(1, "Organ"), Label(2, "Lesion")])
    group.array[0, 100:200, 200:350, 150:350] = 1  # a locked neighbour the brush meets
    seg.groups.append(group)
    seg.active_label_value = 2
    return SegmentationDocument(seg)


def timed(function, repeats: int) -> tuple[float, float]:
    times = []
    for index in range(repeats):
        start = time.perf_counter()
        function(index)
        times.append(time.perf_counter() - start)
    return float(np.median(times)) * 1e3, float(np.max(times)) * 1e3


def main() -> None:
    image = ct_like()
    doc = document()
    print(f"{'case':52s} {'median_ms':>10s} {'max_ms':>10s} {'target_ms':>10s}")

    stroke = BrushStroke(doc, SlicePosition(0, 150), radius=20)
    median, worst = timed(lambda i: stroke.to((180 + (i % 50), 100 + 3 * i)), 100)
    stroke.finish()
    print(f"{'brush dab r=20 px, 512x512x300, locks + undo':52s} {median:10.3f} {worst:10.3f} "
          f"{2:10d}")

    position = SlicePosition(0, 150)
    plane = image[150]
    # Seed deep inside a bright blob (largest 9x9 minimum), as a user would click.
    inner = ndimage.minimum_filter(plane, size=9)
    seed = tuple(int(v) for v in np.unravel_index(np.argmax(inner), plane.shape))
    tool = RegionGrowing.start(doc, image, position, seed, window_width=400)
    sizes = []
    median, worst = timed(lambda i: sizes.append(
        tool.drag(offset_up=i % 40, offset_right=(i % 7) - 3).sum()), 30)
    print(f"{'region growing preview update, 512x512 slice':52s} {median:10.3f} {worst:10.3f} "
          f"{30:10d}  (regions of {min(sizes)}..{max(sizes)} px)")

    wire = LiveWire(plane)
    start = time.perf_counter()
    wire.set_anchor((100, 100))
    anchor_ms = (time.perf_counter() - start) * 1e3
    median, worst = timed(lambda i: wire.path_to((200 + i, 400 - i)), 30)
    print(f"{'live wire path to the mouse, 512x512 slice':52s} {median:10.3f} {worst:10.3f} "
          f"{30:10d}")
    print(f"{'live wire new anchor (costs from it), 512x512':52s} {anchor_ms:10.3f}")


if __name__ == "__main__":
    main()
