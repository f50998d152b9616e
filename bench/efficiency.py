"""The simulated user of issue #13: how many contours and scribbles each method needs.

    python -m bench.efficiency                          # the real CT, liver/spleen/stomach
    python -m bench.efficiency IMAGE REFERENCE_MAP --labels 5 6
    python -m bench.efficiency --no-peer --contours 8 --scribbles 10

A reference organ (one value of the reference map; names are looked up in a
``*classmap.json`` beside the map) is segmented by a simulated user who always corrects
the worst error, and the Dice coefficient against the reference is recorded after each
interaction.

Contour protocol: the user draws the organ's exact outline (the reference mask on that
plane), up to ``--contours`` planes. Two users, each for every method:

- the worst-plane user (issue #13's rule): every contour on the plane where the current
  result has the most wrong voxels;
- the guide's user (MITK's user guide on 3D interpolation: "not meant to be used for
  parallel slice-wise segmentation, but rather segmentations in i.e. the axial, coronal
  and sagittal plane"): one axial, one coronal and one sagittal contour through the
  organ's centre (its voxels' mean, rounded) first, then the worst plane.

A shape-only interpolation cannot reach past its outermost drawn planes (nothing says
where the organ ends there), so under the worst-plane user its next contour is always
the neighbour of a drawn one: a slab that grows by one slice per contour. The methods:

- MITK-style slice interpolation: SimpleITK's signed Maurer distance maps of the drawn
  slices of one axis, blended linearly between consecutive drawn slices (MITK's
  shape-based interpolation), each orientation's drawn slices on their own and the
  union of those; under the worst-plane rule MITK's user draws in one orientation, so
  the worst slice is picked among that axis' slices, a second such user draws evenly
  spaced slices over the organ's extent instead, and the best axis and user for MITK
  are reported; the guide's user gets the union of the three orientations;
- our 3D interpolation (``demarcate.gpu.contour_interpolation``) from planes of any
  orientation, when that module is there;
- our image-aware mode (``demarcate.gpu.guided_segmentation``), from the image and the
  drawn planes, and once more with the 3D interpolation as its shape prior.

The kernels are called directly with the drawn planes (what the session hands them).

Scribble protocol (number of clicks): each scribble is a short stroke (7 voxels along
the longer in-plane extent of the error, 3 wide, in the axial plane, kept inside the
error region) centred at the deepest point (largest distance to its border) of the
largest connected error region: object where the result misses the organ, background
where it spills over. GrowCut, alone and with automatic background (the tool's option),
runs through the session as a user drives it (the tool
armed, the scribbles written through the document's write path into the first group,
the time until the exact preview has landed measured as the window waits on it), and
itk FastGrowCut (when importable) on the same seeds, whole image. With seeds of one
label only, GrowCut grows that label over everything it computes on; our tool then
shows nothing ("draw seeds of at least two labels"), and the bench counts its seeds'
box as that label's result, which is what GrowCut would give.

Prints a table per organ and draws Dice against interactions to ``--plot``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import SimpleITK as sitk
from scipy import ndimage

from bench.efficiency_plot import draw
from demarcate.gpu.growcut import growcut_box
from demarcate.gpu.guided_segmentation import segment_from_contours
from demarcate.gpu.warmup import warm_up
from demarcate.model import MaskRegion
from demarcate.model.preferences import Preferences
from demarcate.session import Session
from demarcate.tools.growcut_tool import MARGIN

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "ct"
DEFAULT_IMAGE = DATA / "example_ct_sm.nii.gz"
DEFAULT_MAP = DATA / "example_seg.nii.gz"
DEFAULT_ORGANS = ("liver", "spleen", "stomach")
CONTOUR_TARGET, SCRIBBLE_TARGET = 0.95, 0.90
STROKE_LENGTH, STROKE_WIDTH = 7, 3
POLL_S = 0.002
OBJECT, BACKGROUND = 1, 2  # seed values in the first group: "Label 1", "Background"


def dice(a: np.ndarray, b: np.ndarray) -> float:
    return 2.0 * np.logical_and(a, b).sum() / max(1, int(a.sum()) + int(b.sum()))


@dataclass
class Series:
    """Dice (and seconds per update, for scribbles) after each interaction."""

    method: str
    dice: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    note: str = ""

    def needed(self, target: float) -> int | None:
        """Interactions until Dice first reaches ``target`` (None: never)."""
        return next((k + 1 for k, value in enumerate(self.dice) if value >= target), None)


# --- contour protocol --------------------------------------------------------------------


def plane(axis: int, index: int) -> tuple:
    where: list = [slice(None)] * 3
    where[axis] = index
    return tuple(where)


def worst_plane(result: np.ndarray, reference: np.ndarray, axes: tuple[int, ...],
                drawn: set[tuple[int, int]]) -> tuple[int, int]:
    """The (axis, index) not drawn yet with the most wrong voxels (ties: lowest axis,
    then lowest index)."""
    wrong = result != reference
    best, where = -1, (axes[0], 0)
    for axis in axes:
        counts = wrong.sum(axis=tuple(k for k in range(3) if k != axis))
        for index in np.argsort(-counts, kind="stable"):
            if (axis, int(index)) not in drawn:
                if counts[index] > best:
                    best, where = int(counts[index]), (axis, int(index))
                break
    return where


def mitk_interpolation(reference: np.ndarray, axis: int, drawn: list[int],
                       spacing_zyx: tuple[float, float, float]) -> np.ndarray:
    """MITK's shape-based interpolation of the drawn slices of ``axis``: between each
    pair of consecutive drawn slices that both hold the organ, the blend of their
    SimpleITK signed Maurer distance maps (inside negative, mm) at or below 0."""
    spacing_xy = tuple(spacing_zyx[k] for k in range(3) if k != axis)[::-1]
    result = np.zeros(reference.shape, bool)

    def distance(index: int) -> np.ndarray:
        image = sitk.GetImageFromArray(reference[plane(axis, index)].astype(np.uint8))
        image.SetSpacing(spacing_xy)
        return sitk.GetArrayFromImage(sitk.SignedMaurerDistanceMap(
            image, insideIsPositive=False, squaredDistance=False, useImageSpacing=True))

    for lower, upper in zip(drawn[:-1], drawn[1:], strict=False):
        result[plane(axis, lower)] = reference[plane(axis, lower)]
        result[plane(axis, upper)] = reference[plane(axis, upper)]
        if upper - lower < 2 or not (reference[plane(axis, lower)].any()
                                     and reference[plane(axis, upper)].any()):
            continue
        d_lower, d_upper = distance(lower), distance(upper)
        for index in range(lower + 1, upper):
            ratio = (index - lower) / (upper - lower)
            result[plane(axis, index)] = (1 - ratio) * d_lower + ratio * d_upper <= 0
    for index in drawn:
        result[plane(axis, index)] = reference[plane(axis, index)]
    return result


#: A contour method: (image, spacing, axes, indices, masks) -> result mask.
ContourMethod = Callable[[np.ndarray, tuple, list[int], list[int], list[np.ndarray]],
                         np.ndarray]


def guide_planes(reference: np.ndarray) -> list[tuple[int, int]]:
    """The guide's user's first contours: the axial, coronal and sagittal planes
    through the organ's centre (the mean of its voxels, rounded)."""
    centre = np.rint(np.argwhere(reference).mean(axis=0)).astype(int)
    return [(axis, int(centre[axis])) for axis in range(3)]


def contour_run(name: str, method: ContourMethod, image: np.ndarray, spacing_zyx,
                reference: np.ndarray, axes: tuple[int, ...], count: int,
                first: Sequence[tuple[int, int]] = ()) -> Series:
    """The simulated user draws ``count`` contours: the planes ``first``, then each on
    the worst plane of ``axes``."""
    series = Series(name)
    result = np.zeros(reference.shape, bool)
    drawn: list[tuple[int, int]] = []
    for k in range(count):
        drawn.append(first[k] if k < len(first)
                     else worst_plane(result, reference, axes, set(drawn)))
        planes_axes = [axis for axis, _ in drawn]
        indices = [index for _, index in drawn]
        masks = [reference[plane(axis, index)] for axis, index in drawn]
        start = time.perf_counter()
        result = method(image, spacing_zyx, planes_axes, indices, masks)
        series.seconds.append(time.perf_counter() - start)
        series.dice.append(dice(result, reference))
    series.note = "planes " + " ".join(f"{'zyx'[a]}{i}" for a, i in drawn)
    return series


def mitk_method(reference: np.ndarray) -> ContourMethod:
    """MITK's slice interpolation of the drawn slices of each orientation on their own
    (MITK interpolates within one orientation), and the union of those."""
    def run(image, spacing_zyx, axes, indices, masks):
        result = np.zeros(reference.shape, bool)
        for axis in sorted(set(axes)):
            result |= mitk_interpolation(reference, axis, sorted(
                index for a, index in zip(axes, indices, strict=True) if a == axis),
                spacing_zyx)
        return result
    return run


def even_run(name: str, reference: np.ndarray, spacing_zyx, axis: int, count: int) -> Series:
    """MITK's user who knows the organ's extent along ``axis``: n contours on n evenly
    spaced slices from its first to its last slice (n = 1: the middle one)."""
    series = Series(name)
    span = np.flatnonzero(reference.any(axis=tuple(k for k in range(3) if k != axis)))
    for n in range(1, count + 1):
        drawn = sorted({int(round(v)) for v in np.linspace(span[0], span[-1], n)}
                       if n > 1 else {int(span[len(span) // 2])})
        series.dice.append(dice(mitk_interpolation(reference, axis, drawn, spacing_zyx),
                                reference))
    series.note = f"evenly spaced slices of axis {'zyx'[axis]}"
    return series


def mitk_best(image, spacing_zyx, reference, count: int) -> Series:
    """MITK's user draws in one orientation: the best of every axis and of two users
    (the worst slice each time, or evenly spaced slices over the organ's extent, which
    suits slice interpolation better: it cannot extend the shape past the last drawn
    slice, so the worst slice is always next to the drawn ones); best = fewest contours
    to the target, then the highest final Dice."""
    runs = []
    for axis in range(3):
        name = f"MITK slice interp. ({'zyx'[axis]})"
        runs.append(contour_run(name, mitk_method(reference), image, spacing_zyx, reference,
                                (axis,), count))
        runs.append(even_run(name, reference, spacing_zyx, axis, count))
    return min(runs, key=lambda s: (s.needed(CONTOUR_TARGET) or count + 1, -s.dice[-1]))


def image_aware(prior: ContourMethod | None) -> ContourMethod:
    """Our image-aware mode; with ``prior``, that interpolation is its shape prior."""
    def run(image, spacing_zyx, axes, indices, masks):
        shape_prior = None if prior is None else prior(image, spacing_zyx, axes, indices, masks)
        return segment_from_contours(image, axes, indices, masks, spacing_zyx,
                                     shape_prior=shape_prior)
    return run


def interpolation_3d() -> ContourMethod | None:
    """Our 3D interpolation from contours of any orientation, when it is there."""
    try:
        from demarcate.gpu.contour_interpolation import interpolate_contours
    except ImportError:
        return None

    def run(image, spacing_zyx, axes, indices, masks):
        return np.asarray(interpolate_contours(axes, indices, masks, image.shape, spacing_zyx))
    return run


# --- scribble protocol -------------------------------------------------------------------


def next_scribble(result: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, int]:
    """A stroke at the deepest point of the largest error region, and its seed value."""
    missed, spilled = reference & ~result, result & ~reference
    regions = []
    for error, value in ((missed, OBJECT), (spilled, BACKGROUND)):
        components, count = ndimage.label(error)
        if count:
            sizes = np.bincount(components.ravel())[1:]
            regions.append((int(sizes.max()), value, components == int(sizes.argmax()) + 1))
    _, value, region = max(regions, key=lambda r: (r[0], r[1] == OBJECT))
    depth = ndimage.distance_transform_edt(np.pad(region, 1))[1:-1, 1:-1, 1:-1]
    z, y, x = np.unravel_index(int(np.argmax(depth)), depth.shape)
    in_plane = region[z]
    along_x = in_plane[y].sum() >= in_plane[:, x].sum()
    half, side = STROKE_LENGTH // 2, STROKE_WIDTH // 2
    stroke = np.zeros(reference.shape, bool)
    if along_x:
        stroke[z, max(0, y - side):y + side + 1, max(0, x - half):x + half + 1] = True
    else:
        stroke[z, max(0, y - half):y + half + 1, max(0, x - side):x + side + 1] = True
    stroke &= region  # the user keeps the stroke on the wrong part
    return stroke, value


class ToolUser:
    """A user of our GrowCut tool through the session: scribbles go through the
    document's write path into the first group while GrowCut stays armed."""

    def __init__(self, image_path: Path, options: dict) -> None:
        self.session = Session(Preferences())
        self.session.jobs.wait(self.session.open_image(image_path))
        document = self.session.new_segmentation()
        document.add_label("Background")
        document.set_active_label(OBJECT)
        self.session.select_tool("growcut")
        for name, value in options.items():
            self.session.set_tool_option(name, value)
        self.session.jobs.drain()
        self.tool = self.session.armed_tool
        self.session.select_tool("paint")  # GrowCut stays armed while the brush draws

    def scribble(self, stroke: np.ndarray, value: int) -> tuple[np.ndarray, float]:
        """Write the stroke; the object region once the exact preview landed, and the
        seconds from the write until then."""
        session, tool = self.session, self.tool
        before = tool.result
        box = ndimage.find_objects(stroke.astype(np.uint8))[0]
        start = time.perf_counter()
        session.document.write(MaskRegion(stroke[box], tuple(s.start for s in box)), 0, value)
        while not (tool.result is not before and tool.result.exact
                   and not session.volume_preview_pending):
            session.poll_jobs()
            time.sleep(POLL_S)
        seconds = time.perf_counter() - start
        return self.object_region(), seconds

    def object_region(self) -> np.ndarray:
        seeds = self.session.document.segmentation.groups[0].array[0]
        result = self.tool.result
        if result is None or result.preview is None:
            # One seed label: GrowCut would grow it over its box.
            mask = np.zeros(seeds.shape, bool)
            if (seeds == OBJECT).any() and not (seeds == BACKGROUND).any():
                mask[growcut_box(seeds, MARGIN)] = True
            return mask
        mask = np.zeros(seeds.shape, bool)
        number = next(r.number for r in result.regions if r.name == "Label 1")
        mask[result.preview.box] = result.preview.regions == number
        return mask

    def close(self) -> None:
        self.session.shutdown()


class FastGrowCutUser:
    """itk FastGrowCut on the same seeds, whole image (it has no box), from scratch."""

    def __init__(self, image: np.ndarray, spacing_zyx) -> None:
        import itk

        self.itk = itk
        self.image = itk.image_from_array(image.astype(np.float32))
        self.image.SetSpacing(tuple(float(s) for s in spacing_zyx[::-1]))
        self.seeds = np.zeros(image.shape, np.uint8)
        tiny = itk.image_from_array(np.zeros((4, 4, 4), np.float32))
        tiny_seeds = np.zeros((4, 4, 4), np.uint8)
        tiny_seeds[0, 0, 0], tiny_seeds[3, 3, 3] = 1, 2
        itk.fast_grow_cut(tiny, seed_image=itk.image_from_array(tiny_seeds))  # loads it

    def scribble(self, stroke: np.ndarray, value: int) -> tuple[np.ndarray, float]:
        self.seeds[stroke] = value
        seeds = self.itk.image_from_array(self.seeds)
        seeds.CopyInformation(self.image)
        start = time.perf_counter()
        output = self.itk.fast_grow_cut(self.image, seed_image=seeds)
        seconds = time.perf_counter() - start
        return self.itk.array_from_image(output) == OBJECT, seconds

    def close(self) -> None:
        pass


def scribble_run(name: str, user, reference: np.ndarray, count: int) -> Series:
    series = Series(name)
    result = np.zeros(reference.shape, bool)
    for _ in range(count):
        stroke, value = next_scribble(result, reference)
        result, seconds = user.scribble(stroke, value)
        series.dice.append(dice(result, reference))
        series.seconds.append(seconds)
    user.close()
    return series


# --- report ------------------------------------------------------------------------------


#: The panels of one organ: (title, target, x-axis label), in the order main() fills them.
PANELS = (("contours, worst-plane user", CONTOUR_TARGET, "contours drawn"),
          ("contours, guide's user", CONTOUR_TARGET, "contours drawn"),
          ("scribbles", SCRIBBLE_TARGET, "scribbles drawn"))


def print_table(organ: str, voxels: int, panels: list[list[Series]]) -> None:
    print(f"\n{organ} ({voxels} voxels)")
    for (title, target, _), runs in zip(PANELS, panels, strict=True):
        print(f"  {title}")
        print(f"  {'method':<34}{'to ' + str(target):>6}  Dice after each; "
              "seconds per update: median / worst")
        for run in runs:
            needed = run.needed(target)
            after = " ".join(f"{v:.3f}" for v in run.dice)
            times = (f"  {np.median(run.seconds):.3f} / {max(run.seconds):.3f} s"
                     if run.seconds else "")
            print(f"  {run.method:<34}{needed if needed else '>' + str(len(run.dice)):>6}"
                  f"  {after}{times}")
            if run.note:
                print(f"  {'':<34}{'':>6}  {run.note}")


def organ_values(map_path: Path, labels: list[str]) -> dict[str, int]:
    """Name -> value, from numbers or from names in a classmap beside the map."""
    names: dict[str, int] = {}
    maps = sorted(map_path.parent.glob("*classmap*.json"))
    if maps:
        names = {name: int(value) for value, name in json.loads(maps[0].read_text()).items()}
    found = {}
    for label in labels:
        if label.isdigit():
            found[next((n for n, v in names.items() if v == int(label)), label)] = int(label)
        elif label in names:
            found[label] = names[label]
        else:
            raise SystemExit(f"{label!r} is neither a number nor a name in {maps or 'a classmap'}")
    return found


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.efficiency",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("image", nargs="?", type=Path, default=DEFAULT_IMAGE)
    parser.add_argument("reference_map", nargs="?", type=Path, default=DEFAULT_MAP)
    parser.add_argument("--labels", nargs="+", default=list(DEFAULT_ORGANS),
                        help="values or names of the reference map (default: liver spleen "
                             "stomach)")
    parser.add_argument("--contours", type=int, default=10)
    parser.add_argument("--scribbles", type=int, default=12)
    parser.add_argument("--no-peer", action="store_true", help="skip itk FastGrowCut")
    parser.add_argument("--plot", type=Path, default=REPO / "docs" / "images" / "efficiency.png")
    args = parser.parse_args(argv)
    image_sitk = sitk.ReadImage(str(args.image))
    image = sitk.GetArrayFromImage(image_sitk)
    spacing_zyx = tuple(float(s) for s in image_sitk.GetSpacing()[::-1])
    reference_map = sitk.GetArrayFromImage(sitk.ReadImage(str(args.reference_map)))
    organs = organ_values(args.reference_map, args.labels)
    print(f"image {args.image.name} {image.shape[::-1]} (x, y, z), spacing "
          f"{spacing_zyx[::-1]} mm; {os.cpu_count()} CPUs, CPU path (NumPy/numba)")
    warm_up()
    interpolate = interpolation_3d()
    results = {}
    for organ, value in organs.items():
        reference = reference_map == value
        ours = [("image-aware (ours)", image_aware(None))]
        if interpolate is not None:
            ours = [("our 3D interpolation", interpolate), *ours,
                    ("image-aware, 3D interp. prior", image_aware(interpolate))]
        worst_plane_user = [mitk_best(image, spacing_zyx, reference, args.contours)] + [
            contour_run(name, method, image, spacing_zyx, reference, (0, 1, 2),
                        args.contours) for name, method in ours]
        guides_user = [contour_run(name, method, image, spacing_zyx, reference, (0, 1, 2),
                                   args.contours, guide_planes(reference))
                       for name, method in [("MITK slice interp. (z, y, x)",
                                             mitk_method(reference)), *ours]]
        scribbles = [scribble_run(name, ToolUser(args.image, {"auto_background": automatic}),
                                  reference, args.scribbles)
                     for name, automatic in (("our GrowCut (plain)", False),
                                             ("our GrowCut (auto background)", True))]
        if not args.no_peer:
            scribbles.append(scribble_run("itk FastGrowCut", FastGrowCutUser(image, spacing_zyx),
                                          reference, args.scribbles))
        results[organ] = [worst_plane_user, guides_user, scribbles]
        print_table(organ, int(reference.sum()), results[organ])
    draw(results, args.plot, PANELS)
    print(f"\nplot: {args.plot}")


if __name__ == "__main__":
    main()
