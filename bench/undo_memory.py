"""Undo cost on a 512x512x300 segmentation: bytes kept and time spent per change.

Peer: a full copy of the label volume per step (what Slicer's segment editor keeps;
MITK keeps no 3D undo at all); for compression, zlib at the same level. Prints
``case  ours  peer  ratio`` lines; ratio is peer/ours (>1: we keep less, or are faster).

    python -m bench.undo_memory
"""

from __future__ import annotations

import time

import numpy as np

from demarcate.model import Label, LabelGroup, MaskRegion, Segmentation, SegmentationDocument

SHAPE_ZYX = (300, 512, 512)


def make_document() -> SegmentationDocument:
    seg = Segmentation(SHAPE_ZYX)
    group = LabelGroup("Group 0", seg.new_group_array(), [Label(1, "Liver"), Label(2, "Lesion")])
    seg.groups.append(group)
    seg.active_label_value = 2
    # An existing locked organ the stroke and the 3D change have to respect.
    group.array[0, 100:200, 300:450, 150:350] = 1
    return SegmentationDocument(seg)


def brush_stroke(document: SegmentationDocument, radius_px: int = 20) -> list[float]:
    """A 200-px horizontal stroke of r=20 dabs every 2 px, half of it across the locked
    organ; returns per-dab seconds."""
    yy, xx = np.mgrid[-radius_px : radius_px + 1, -radius_px : radius_px + 1]
    disk = (np.hypot(yy, xx) <= radius_px)[None]
    dab_times = []
    document.begin_stroke("Paint")
    for x in range(100, 300, 2):
        start = time.perf_counter()
        document.write(MaskRegion(disk, (150, 420 - radius_px, x - radius_px)))
        dab_times.append(time.perf_counter() - start)
    start = time.perf_counter()
    document.end_stroke()
    dab_times.append(time.perf_counter() - start)  # commit cost, charged to the last dab
    return dab_times


def full_volume_change(document: SegmentationDocument) -> float:
    """A 3D confirm that replaces the active label in the whole volume (a thresholded ball)."""
    zz, yy, xx = np.ogrid[: SHAPE_ZYX[0], : SHAPE_ZYX[1], : SHAPE_ZYX[2]]
    ball = (zz - 150) ** 2 + (yy - 256) ** 2 + (xx - 256) ** 2 < 120**2
    start = time.perf_counter()
    document.write(MaskRegion.from_full(ball), description="Threshold confirm")
    return time.perf_counter() - start


def compression_vs_zlib(document: SegmentationDocument) -> None:
    """Why zstandard: the same label volume through zstd and zlib at level 1."""
    import zlib

    import zstandard

    raw = document.segmentation.groups[0].array.tobytes()
    results = {}
    for name, compress in (("zstd", zstandard.ZstdCompressor(level=1).compress),
                           ("zlib", lambda data: zlib.compress(data, 1))):
        times = []
        for _ in range(3):
            start = time.perf_counter()
            size = len(compress(raw))
            times.append(time.perf_counter() - start)
        results[name] = (min(times), size)
    (ours_s, ours_b), (peer_s, peer_b) = results["zstd"], results["zlib"]
    print(f"{'compress label volume s (zstd vs zlib)':40s} {ours_s:12.3f} {peer_s:12.3f} "
          f"{peer_s / ours_s:8.1f}")
    print(f"{'compressed label volume bytes':40s} {ours_b:12d} {peer_b:12d} "
          f"{peer_b / ours_b:8.1f}")


def main() -> None:
    raw_bytes = int(np.prod(SHAPE_ZYX)) * 2
    document = make_document()
    dabs = brush_stroke(document)
    stroke_bytes = document.history.nbytes
    print(f"{'case':40s} {'ours':>12s} {'peer':>12s} {'ratio':>8s}")
    print(f"{'undo_bytes brush stroke r=20 px':40s} {stroke_bytes:12d} {raw_bytes:12d} "
          f"{raw_bytes / stroke_bytes:8.0f}")
    print(f"{'brush dab median ms (incl. lock+undo)':40s} {np.median(dabs) * 1e3:12.3f}")
    print(f"{'brush dab max ms':40s} {max(dabs) * 1e3:12.3f}")
    before = document.history.nbytes
    elapsed = full_volume_change(document)
    volume_bytes = document.history.nbytes - before
    print(f"{'undo_bytes full-volume change':40s} {volume_bytes:12d} {raw_bytes:12d} "
          f"{raw_bytes / volume_bytes:8.0f}")
    print(f"{'full-volume change % of raw label bytes':40s} "
          f"{100 * volume_bytes / raw_bytes:12.3f}")
    print(f"{'full-volume write+undo record s':40s} {elapsed:12.3f}")
    compression_vs_zlib(document)
    start = time.perf_counter()
    document.undo()
    print(f"{'undo full-volume change s':40s} {time.perf_counter() - start:12.3f}")


if __name__ == "__main__":
    main()
