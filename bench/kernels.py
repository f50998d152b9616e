"""Compute kernels (``demarcate.gpu``) against peer libraries, timed in the same run.

    python -m bench            # standard volumes (CT-like 512x512x300, small 256^3) + real data
    python -m bench --quick    # 128^3 stand-in + real data, under a minute on 2 cores

One line per case and peer: ``case  ours_s  peer_s  ratio`` with ratio = peer / ours
(> 1: Demarcate is faster), best of >= 3 runs (1 for the multi-second GrowCut peers),
after one untimed warm-up call that compiles numba kernels and loads ITK modules.
Streaming kernels also print the memory-copy floor (``np.copyto`` of the same array).
The last lines are bench/under_load.py: small 2D kernels beside two busy processes.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from scipy import ndimage

from bench.timing import best_of, report
from bench.under_load import bench_under_load
from demarcate.gpu.components import component_at, label_components
from demarcate.gpu.distance import interpolate_masks, signed_distance
from demarcate.gpu.growcut import growcut
from demarcate.gpu.morphology import surface_mesh
from demarcate.gpu.otsu import otsu_regions, otsu_thresholds
from demarcate.gpu.region import region_grow
from demarcate.gpu.threshold import threshold

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def ct_like(shape_zyx: tuple[int, int, int], seed: int = 0) -> np.ndarray:
    """int16 CT stand-in: smoothed noise around -50 HU plus eight bright spheres."""
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal(shape_zyx, dtype=np.float32)
    image = ndimage.gaussian_filter(noise, 1.5, truncate=3.0) * 400 - 50
    for _ in range(8):
        centre = rng.uniform(0.2, 0.8, 3) * shape_zyx
        radius = rng.uniform(0.04, 0.1) * min(shape_zyx)
        box = tuple(slice(max(0, int(c - radius)), int(c + radius) + 1) for c in centre)
        grid = np.ogrid[box]
        inside = sum((g - c) ** 2 for g, c in zip(grid, centre, strict=True)) <= radius**2
        image[box][inside] += 600
    return image.astype(np.int16)


def floor(case: str, array: np.ndarray, repeat: int) -> None:
    target = np.empty_like(array)
    print(f"{case}[floor np.copyto]".ljust(44)
          + f"{'':9} {best_of(lambda: np.copyto(target, array), repeat):9.4f}", flush=True)


def sitk_image(array: np.ndarray, spacing_zyx=(1.0, 1.0, 1.0)) -> sitk.Image:
    image = sitk.GetImageFromArray(array)
    image.SetSpacing(tuple(float(s) for s in spacing_zyx[::-1]))
    return image


def bench_threshold(name: str, image: np.ndarray, repeat: int) -> None:
    lower, upper = 100, 700
    out = np.empty(image.shape, bool)
    ours = best_of(lambda: threshold(image, lower, upper, out=out), repeat)
    peers = {
        "numpy": best_of(lambda: np.logical_and(image >= lower, image <= upper, out=out), repeat),
        "sitk": best_of(lambda: sitk.BinaryThreshold(sitk_image(image), lower, upper), repeat),
    }
    report(f"threshold_ul_{name}", ours, peers)
    floor(f"threshold_ul_{name}", image, repeat)


def bench_otsu(name: str, image: np.ndarray, repeat: int, with_sitk: bool) -> None:
    from skimage.filters import threshold_multiotsu

    ours = best_of(lambda: otsu_regions(image, otsu_thresholds(image, 3, 128)), repeat)
    peers = {"skimage thresholds only": best_of(
        lambda: threshold_multiotsu(image, 3, nbins=128), repeat)}
    if with_sitk:
        peers["sitk with map"] = best_of(
            lambda: sitk.OtsuMultipleThresholds(sitk_image(image), 2, 0, 128), repeat)
    report(f"otsu3_{name}", ours, peers)
    many = best_of(lambda: otsu_thresholds(image, 8, 128), repeat)
    print(f"otsu8_{name}[ours only; peers: exhaustive search]".ljust(44) + f"{many:9.4f}")


def growcut_seeds(image: np.ndarray) -> np.ndarray:
    """Object seed: a small cube at the brightest smoothed spot; background: three lines."""
    seeds = np.zeros(image.shape, np.uint8)
    depth, height, width = image.shape
    seeds[depth // 2, 2, :] = 2
    seeds[:, height - 3, width // 2] = 2
    seeds[depth // 4, :, 2] = 2
    z, y, x = bright_spot(image)
    seeds[max(0, z - 2):z + 3, y - 2:y + 3, x - 2:x + 3] = 1
    return seeds


def bright_spot(image: np.ndarray) -> tuple[int, int, int]:
    """Index of the brightest spot after smoothing, away from the array border."""
    smooth = ndimage.uniform_filter(image.astype(np.float32), 5)
    inner = smooth[2:-2, 4:-4, 4:-4]
    spot = np.unravel_index(np.argmax(inner), inner.shape)
    return int(spot[0]) + 2, int(spot[1]) + 4, int(spot[2]) + 4


def dice(a: np.ndarray, b: np.ndarray) -> float:
    return 2.0 * np.logical_and(a, b).sum() / max(1, a.sum() + b.sum())


def bench_growcut(name: str, image: np.ndarray, spacing_zyx, with_peer: bool) -> None:
    import itk

    seeds = growcut_seeds(image)
    warm = min(40, image.shape[0])  # deep enough to be cut into two slabs
    tiny = np.zeros((warm, 4, 4), np.uint8)
    tiny[0, 0, 0], tiny[-1, 3, 3] = 1, 2
    growcut(image[:warm, :4, :4], tiny, slabs=2)  # compiles (or loads) the kernels, untimed
    start = time.perf_counter()
    result = growcut(image, seeds, spacing_zyx)
    ours = time.perf_counter() - start
    peers = {}
    if with_peer:
        peer_image = itk.image_from_array(image.astype(np.float32))
        peer_image.SetSpacing(tuple(float(s) for s in spacing_zyx[::-1]))
        peer_seeds = itk.image_from_array(seeds)
        peer_seeds.CopyInformation(peer_image)
        small = itk.image_from_array(np.ascontiguousarray(image[:warm, :4, :4], np.float32))
        small_seeds = itk.image_from_array(tiny)
        small_seeds.CopyInformation(small)
        itk.fast_grow_cut(small, seed_image=small_seeds)  # loads the module, untimed
        start = time.perf_counter()
        reference = itk.array_from_image(itk.fast_grow_cut(peer_image, seed_image=peer_seeds))
        peers["itk FastGrowCut"] = time.perf_counter() - start
        agreement = min(dice(result.labels == v, reference == v) for v in (1, 2))
        peers = {f"{k}, dice {agreement:.3f}": v for k, v in peers.items()}
    report(f"growcut_{name}", ours, peers or {"none": float("nan")})
    # A re-run after a stroke: far from everything (a background stroke in the middle of
    # the volume, which takes over a large share of it), then a short object stroke next
    # to the object seed (a local correction). The work of an exact re-run is the voxels
    # whose cheapest path got cheaper, so each line says how many there were.
    depth, height, width = image.shape
    z, y, x = bright_spot(image)
    strokes = {"far": (np.s_[depth // 2, height // 2 + 5:height // 2 + 15, width // 3], 2),
               "near_object": (np.s_[z, min(y + 3, height - 1), max(0, x - 5):x + 6], 1)}
    scribbled, previous = seeds.copy(), result
    for kind, (where, value) in strokes.items():
        scribbled[where] = value
        before = previous.path_costs()  # a copy: the re-run takes the arrays over
        start = time.perf_counter()
        previous = growcut(image, scribbled, spacing_zyx, previous=previous)
        incremental = time.perf_counter() - start
        changed = 100 * np.count_nonzero(previous.path_costs() != before) / image.size
        del before
        report(f"growcut_incremental_{kind}_{name}_{changed:.2g}pct_changed", incremental,
               {"full re-run (ours)": ours,
                **({"itk FastGrowCut re-run": peers[next(iter(peers))]} if peers else {})})


def bench_region(name: str, image: np.ndarray, repeat: int) -> None:
    from skimage.segmentation import flood

    seed = bright_spot(image)
    value = int(image[seed])
    # small: the bright blob under the seed; large: everything above the background mean
    for size, lower, upper in (("small", value - 250, value + 250), ("large", -60, 2 * value + 60)):
        mask = region_grow(image, seed, lower, upper)
        tolerance = (upper - lower) / 2
        centred = image if upper - value == value - lower else None
        ours = best_of(lambda lo=lower, hi=upper: region_grow(image, seed, lo, hi), repeat)
        peers = {
            "sitk": best_of(lambda lo=lower, hi=upper: sitk.ConnectedThreshold(
                sitk_image(image), [seed[::-1]], lo, hi), repeat),
            "skimage flood": best_of(lambda t=tolerance, im=centred: flood(im, seed, tolerance=t),
                                     repeat),
        }
        report(f"region_{size}_{100 * mask.mean():.2g}pct_{name}", ours, peers)
        del mask


def bench_components(name: str, image: np.ndarray, repeat: int) -> None:
    import cc3d

    mask = image > np.percentile(image[::7, ::7, ::7], 95)
    ours = best_of(lambda: label_components(mask, 26), repeat)
    peers = {
        "cc3d": best_of(lambda: cc3d.connected_components(mask, connectivity=26), repeat),
        "sitk": best_of(lambda: sitk.ConnectedComponent(sitk_image(mask.astype(np.uint8)), True),
                        repeat),
        "scipy": best_of(lambda: ndimage.label(mask, np.ones((3, 3, 3))), repeat),
    }
    report(f"components26_{name}", ours, peers)
    labels, _ = label_components(mask, 6)
    largest = np.bincount(labels.reshape(-1))[1:].argmax() + 1
    click = np.unravel_index(np.argmax(labels == largest), mask.shape)
    ours = best_of(lambda: component_at(mask, click), repeat)
    report(f"components_pick_{name}", ours, {"cc3d label all": best_of(
        lambda: cc3d.connected_components(mask, connectivity=6), repeat)})


def bench_distance(name: str, mask: np.ndarray, spacing, repeat: int, with_scipy: bool) -> None:
    ours = best_of(lambda: signed_distance(mask, spacing), repeat)
    peers = {"sitk": best_of(lambda: sitk.SignedMaurerDistanceMap(
        sitk_image(mask.astype(np.uint8), spacing), insideIsPositive=False,
        squaredDistance=False, useImageSpacing=True), repeat)}
    if with_scipy:
        peers["scipy edt x2"] = best_of(lambda: (
            ndimage.distance_transform_edt(mask, sampling=spacing),
            ndimage.distance_transform_edt(~mask, sampling=spacing)), repeat)
    report(f"distance{mask.ndim}d_{name}", ours, peers)


def bench_interpolation(repeat: int) -> None:
    """An organ-sized pair of shapes, and a pair spanning most of the slice (the worst
    case: the box ours computes on is then nearly the whole slice)."""
    yy, xx = np.ogrid[:512, :512]
    cases = {
        "organ": ((yy - 200) ** 2 + (xx - 240) ** 2 < 80**2,
                  (yy - 280) ** 2 / 2 + (xx - 300) ** 2 < 90**2),
        "body": ((yy - 256) ** 2 / 1.4 + (xx - 250) ** 2 < 210**2,
                 (yy - 260) ** 2 / 1.2 + (xx - 262) ** 2 / 1.1 < 220**2),
    }
    for name, (lower, upper) in cases.items():
        ours = best_of(lambda a=lower, b=upper: interpolate_masks(a, b, 0.4, (0.7, 0.7)), repeat)

        def peer(a=lower, b=upper):
            maps = [sitk.GetArrayViewFromImage(sitk.SignedMaurerDistanceMap(
                sitk_image(m.astype(np.uint8), (0.7, 0.7)), insideIsPositive=False,
                squaredDistance=False, useImageSpacing=True)) for m in (a, b)]
            return 0.6 * maps[0] + 0.4 * maps[1] <= 0

        report(f"interpolation2d_512_{name}", ours, {"sitk distance maps": best_of(peer, repeat)})


def bench_surface(name: str, mask: np.ndarray, repeat: int) -> None:
    from skimage.measure import marching_cubes

    ours = best_of(lambda: surface_mesh(mask), repeat)
    peer = best_of(lambda: marching_cubes(mask.astype(np.float32), 0.5), repeat)
    report(f"surface_{name}", ours, {"skimage marching_cubes": peer})


def real_volumes() -> list[tuple[str, np.ndarray, tuple[float, ...]]]:
    volumes = []
    for name, relative in (("ct_sm", "ct/example_ct_sm.nii.gz"),
                           ("mr_brain", "mr/brain1_image.nrrd")):
        path = DATA / relative
        if path.exists():
            image = sitk.ReadImage(str(path))
            volumes.append((name, sitk.GetArrayFromImage(image).astype(np.int16),
                            tuple(image.GetSpacing()[::-1])))
    return volumes


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small volumes, under a minute")
    args = parser.parse_args(argv)
    repeat = 3
    if args.quick:
        synthetic = [("quick128", ct_like((128, 128, 128)))]
    else:
        synthetic = [("small256", ct_like((256, 256, 256))),
                     ("ct512x512x300", ct_like((300, 512, 512)))]
    print("case".ljust(44) + "   ours_s    peer_s   ratio")
    for name, image in synthetic:
        bench_threshold(name, image, repeat)
        bench_otsu(name, image, repeat, with_sitk=True)
        bench_region(name, image, repeat)
        bench_components(name, image, repeat)
        mask = image > 300
        bench_distance(name, mask, (1.0, 1.0, 1.0), 1 if image.size > 2e7 else repeat,
                       with_scipy=image.size < 1e7)
        bench_surface(name, mask, repeat)
        bench_growcut(name, image, (1.0, 1.0, 1.0), with_peer=True)
    yy, xx = np.ogrid[:512, :512]
    bench_distance("512x512", (yy - 250) ** 2 / 1.4 + (xx - 240) ** 2 < 150**2, (0.7, 0.7),
                   repeat, with_scipy=True)
    bench_interpolation(repeat)
    for name, image, spacing in real_volumes():
        bench_threshold(name, image, repeat)
        bench_otsu(name, image, repeat, with_sitk=True)
        bench_growcut(name, image, spacing, with_peer=True)
        bench_distance(name, image > np.percentile(image, 90), spacing, repeat, with_scipy=True)
    bench_under_load()
