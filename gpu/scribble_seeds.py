"""Seeds a user did not draw, for GrowCut from a few scribbles, and the cleanup after it.

GrowCut alone needs the user to scribble the background all around the object: every
voxel goes to the seed it reaches most cheaply, so an object seed floods everything
that no background seed defends. Two kinds of background are implied by what the user
did draw:

- a region of interest: the object seeds' box grown by ``margin_mm`` on every side;
  its faces inside the image are background (the object is assumed to lie within
  that reach of what was scribbled; a scribble near the object's edge grows it);
- intensities unlike the object's: a voxel of the region whose (smoothed) intensity
  lies more than ``tolerance`` outside the interquartile range of every object stroke
  is background. Each stroke brings its own range, so an object of several
  intensities (a stomach with gas and fluid) is followed as the user marks each part,
  and a stroke that grazes the object's edge widens its range by its own quartiles,
  not by its most extreme voxel.

After GrowCut, the object is smoothed by a 3x3x3 majority, only its components that
hold an object seed are kept, and their holes are filled: a piece cut off from every
scribble is a leak, and a hole inside an organ is a vessel or noise.
"""

from __future__ import annotations

import math

from .backend import bounding_box, get_array_module
from .labelling import label_components
from .morphology import fill_holes, median3


def region_of_interest(object_seeds, spacing_zyx, margin_mm: float) -> tuple[slice, ...] | None:
    """The object seeds' bounding box grown by ``margin_mm`` (None: no object seed)."""
    box = bounding_box(object_seeds)
    if box is None:
        return None
    return tuple(slice(max(0, s.start - math.ceil(margin_mm / step)),
                       min(n, s.stop + math.ceil(margin_mm / step)))
                 for s, step, n in zip(box, spacing_zyx, object_seeds.shape, strict=True))


def inner_faces(box: tuple[slice, ...], shape: tuple[int, ...]) -> tuple[tuple[bool, bool], ...]:
    """For each axis, whether ``box``'s lower and upper faces lie inside ``shape``."""
    return tuple((s.start > 0, s.stop < n) for s, n in zip(box, shape, strict=True))


def implied_background(image, object_seeds, box: tuple[slice, ...], tolerance: float,
                       faces: tuple[tuple[bool, bool], ...] | None = None):
    """Voxels of ``box`` (a boolean array of its shape) that are background by
    implication: its faces that lie inside the image, and every voxel whose intensity
    lies more than ``tolerance`` outside the interquartile range of each object stroke
    (a 26-connected piece of ``object_seeds``) of ``image``. ``faces`` (default: from
    ``box`` and the image's shape, see :func:`inner_faces`) says which faces are
    background when ``image`` is already a crop, or a coarse grid of one."""
    xp = get_array_module(image)
    faces = inner_faces(box, image.shape) if faces is None else faces
    region = image[box]
    background = xp.ones(region.shape, bool)
    strokes, count = label_components(object_seeds[box], 26)
    for stroke in range(1, count + 1):
        low, high = (float(v) for v in xp.percentile(region[strokes == stroke], (25, 75)))
        background &= (region < low - tolerance) | (region > high + tolerance)
    for axis, (lower, upper) in enumerate(faces):
        lead = (slice(None),) * axis
        if lower:
            background[(*lead, 0)] = True
        if upper:
            background[(*lead, -1)] = True
    return background


def keep_seeded(grown, object_seeds):
    """``grown`` (a boolean mask) smoothed by a 3x3x3 majority, less its components
    without an object seed, with holes filled; the seeds themselves stay."""
    xp = get_array_module(grown)
    components, _ = label_components(median3(grown) | object_seeds)
    seeded = xp.unique(components[object_seeds])
    return fill_holes(xp.isin(components, seeded[seeded > 0]))
