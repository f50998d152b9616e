"""Label statistics through the session against SimpleITK, on a 300 x 512 x 512 CT.

The real CT and its 41-label TotalSegmentator map in ../shared/data (or the bundled
sample) are resampled to 300 x 512 x 512 (linear for the image, nearest for the labels).
Timed: the first count of the whole table, as the statistics window starts it (the
session's job, landing included); the recount after a brush stroke of 5 x 20 x 20
voxels (only the labels the stroke names, over their boxes); and SimpleITK's
LabelStatisticsImageFilter over the same image and labels.

    python -m bench.label_statistics [--size 256]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import SimpleITK as sitk
from scipy import ndimage

from bench.timing import best_of, report
from bench.volume_tools import SOURCES, resampled_ct, until
from demarcate.model import Geometry, Label, LabelGroup, MaskRegion, ReferenceImage, Segmentation
from demarcate.model.preferences import Preferences
from demarcate.session import Session


def resampled_labels(shape_zyx: tuple[int, int, int]) -> np.ndarray:
    source = next(path for path in SOURCES if path.exists())
    labels = sitk.GetArrayFromImage(sitk.ReadImage(str(source).replace("_ct_sm", "_seg")))
    factors = [n / m for n, m in zip(shape_zyx, labels.shape, strict=True)]
    return ndimage.zoom(labels, factors, order=0).astype(np.uint16)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=512, help="rows and columns (512)")
    args = parser.parse_args()
    volume, spacing_zyx = resampled_ct(args.size)
    labels = resampled_labels(volume.shape)
    values = [int(v) for v in np.unique(labels) if v]
    print(f"volume {volume.shape} int16, {len(values)} labels, {os.cpu_count()} CPUs")
    geometry = Geometry(spacing_zyx[::-1])
    session = Session(Preferences())
    session.add_image(ReferenceImage(volume[None], geometry, "bench CT"))
    seg = Segmentation(volume.shape, geometry)
    seg.groups.append(LabelGroup("Group 0", labels[None].copy(),
                                 [Label(v, f"structure {v}") for v in values]))
    session.add_segmentation(seg)
    session.jobs.wait(session.start_warm_up(), timeout_s=600)

    start = time.perf_counter()
    job = session.update_label_statistics()
    until(session, lambda: job.finished and session.label_statistics() is not None)
    first = time.perf_counter() - start
    stroke = np.ones((5, 20, 20), bool)
    centre = [n // 2 for n in volume.shape]
    recounts = []
    for shift in range(5):
        offset = (centre[0], centre[1] + 10 * shift, centre[2])
        session.document.write(MaskRegion(stroke, offset), 0, values[0])
        start = time.perf_counter()
        job = session.update_label_statistics()
        until(session, lambda job=job: job.finished)
        recounts.append(time.perf_counter() - start)
    image, label_image = sitk.GetImageFromArray(volume), sitk.GetImageFromArray(labels)

    def peer() -> None:
        sitk.LabelStatisticsImageFilter().Execute(image, label_image)

    peer_s = best_of(peer, 2)
    report("label_statistics_full_table", first, {"sitk LabelStatistics": peer_s})
    report("label_statistics_after_stroke", float(np.median(recounts)),
           {"sitk LabelStatistics": peer_s})
    session.shutdown()


if __name__ == "__main__":
    main()
