"""Where a NRRD file's voxels lie: its axes sorted into space, time and components, and
the Geometry, read from the header as ITK's NRRD reader read it.

A non-domain axis (kind vector, list, RGB-color...) holds components: MITK groups,
Slicer layers. Spatial axes are those with a space direction (all domain axes up to the
third when the file has no space). One more domain axis is time: MITK writes a 4D space
whose last axis is time (its 4th direction component is the frame interval, its spatial
part is ignored as ITK ignores it; in other 4D spaces time is the axis whose direction
has a time component), and other writers give a 3D space with a ``none`` direction for
the time axis, which ITK could not read at all.

Right-anterior-superior and left-anterior-superior coordinates (with or without time)
become ITK's left-posterior-superior ones, as ITK converts them.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..model.geometry import Geometry
from .errors import format_error
from .layout import dimension_error
from .nrrd_header import NrrdHeader

# Kinds of domain axes; anything else (vector, list, RGB-color...) holds components.
_DOMAIN_KINDS = {"domain", "space", "time", "???", "none", "(unknown_kind)"}
_RAS = (-1.0, -1.0, 1.0)
_LAS = (1.0, -1.0, 1.0)
_LPS = (1.0, 1.0, 1.0)
# NRRD space names without case, spaces or hyphens -> (space dimension, signs to LPS).
_SPACES = {
    "rightup": (2, _LPS), "rightdown": (2, _LPS),
    "rightanteriorsuperior": (3, _RAS), "ras": (3, _RAS),
    "leftanteriorsuperior": (3, _LAS), "las": (3, _LAS),
    "leftposteriorsuperior": (3, _LPS), "lps": (3, _LPS),
    "rightanteriorsuperiortime": (4, _RAS), "rast": (4, _RAS),
    "leftanteriorsuperiortime": (4, _LAS), "last": (4, _LAS),
    "leftposteriorsuperiortime": (4, _LPS), "lpst": (4, _LPS),
    "scannerxyz": (3, _LPS), "scannerxyztime": (4, _LPS), "scannerxyzt": (4, _LPS),
    "3drighthanded": (3, _LPS), "3dlefthanded": (3, _LPS),
    "3drighthandedtime": (4, _LPS), "3dlefthandedtime": (4, _LPS),
}  # fmt: skip
_VECTOR = re.compile(r"\(([^)]*)\)|none", re.IGNORECASE)


@dataclass(frozen=True)
class NrrdLayout:
    """NRRD axis numbers (fastest first) of the spatial axes (x first), the time axis and
    the component axis, and the geometry they give."""

    spatial: tuple[int, ...]
    time: int | None
    component: int | None
    geometry: Geometry


def _space(header: NrrdHeader) -> tuple[int, tuple[float, float, float]]:
    name = header.fields.get("space")
    if name is not None:
        key = re.sub(r"[\s-]", "", name.lower())
        if key not in _SPACES:
            raise format_error(header.path, f"NRRD space {name!r} is unknown")
        return _SPACES[key]
    try:
        return int(header.fields.get("space dimension", "0")), _LPS
    except ValueError:
        raise format_error(header.path, "NRRD space dimension is not a whole number") from None


def _vectors(header: NrrdHeader, name: str, count: int) -> list[np.ndarray | None]:
    """The ``(a,b,c)`` vectors (None for ``none``) of a field, or all None without it."""
    text = header.fields.get(name)
    if text is None:
        return [None] * count
    vectors: list[np.ndarray | None] = []
    try:
        for match in _VECTOR.finditer(text):
            inner = match.group(1)
            vectors.append(None if inner is None else np.array(inner.split(","), dtype=float))
    except ValueError:
        raise format_error(header.path, f"NRRD {name} hold a value that is not a number: "
                           f"{text!r}") from None
    if len(vectors) != count:
        raise format_error(header.path, f"NRRD {name} give {len(vectors)} vectors where "
                           f"{count} belong")
    return vectors


def _numbers(header: NrrdHeader, name: str, count: int) -> list[float]:
    """Per-axis numbers of a field (NaN where missing or for the whole absent field)."""
    words = header.fields.get(name, "").split() or ["nan"] * count
    try:
        values = [float(w) for w in words]
    except ValueError:
        raise format_error(header.path, f"NRRD {name} are not numbers: {words}") from None
    if len(values) != count:
        raise format_error(header.path, f"NRRD {name} give {len(values)} values for {count} axes")
    return values


def _axes(header: NrrdHeader, has_space: bool, space_dim: int,
          directions: list[np.ndarray | None]) -> tuple[list[int], int | None, int | None]:
    """(spatial axes, time axis, component axis), as described in the module doc."""
    dim = len(directions)
    kinds = header.kinds() or ["???"] * dim
    if len(kinds) != dim:
        raise format_error(header.path, f"NRRD gives {len(kinds)} kinds for {dim} axes")
    ranges = [i for i, kind in enumerate(kinds) if kind.lower() not in _DOMAIN_KINDS]
    if len(ranges) > 1:
        raise format_error(header.path, f"has {len(ranges)} non-spatial axes (kinds "
                           f"{' '.join(kinds)}); Demarcate reads one at most")
    domain = [i for i in range(dim) if i not in ranges]
    if not 2 <= len(domain) <= 4:
        raise dimension_error(header.path, len(domain))
    if has_space:
        spatial = [i for i in domain if directions[i] is not None]
        if space_dim == 4 and len(spatial) == 4:
            timed = [i for i in spatial if len(directions[i]) == 4 and directions[i][3] != 0]
            spatial.remove(timed[-1] if timed else spatial[-1])
    else:
        spatial = domain[:3]
    others = [i for i in domain if i not in spatial]
    if not 2 <= len(spatial) <= 3 or len(others) > 1:
        raise format_error(header.path, f"has {len(spatial)} spatial and {len(others)} other "
                           "axes; Demarcate reads 2D, 3D and 3D+t images")
    return spatial, (others[0] if others else None), (ranges[0] if ranges else None)


def _xyz(vector: np.ndarray, signs: tuple[float, float, float]) -> np.ndarray:
    """The first three components of a space vector (a 2D one gets z = 0), in LPS."""
    xyz = vector[:3]
    return np.pad(xyz, (0, 3 - len(xyz))) * signs


def _oriented(header: NrrdHeader, spatial: list[int], space_dim: int,
              signs: tuple[float, float, float], directions: list[np.ndarray | None]
              ) -> tuple[list[float], np.ndarray, np.ndarray]:
    """Spacing, direction and origin (LPS) from space directions and space origin."""
    columns, spacing = [], []
    for axis in spatial:
        vector = directions[axis]
        if len(vector) != space_dim:
            raise format_error(header.path, f"NRRD space direction {tuple(vector)} of axis "
                               f"{axis} does not have {space_dim} values")
        world = _xyz(vector, signs)
        length = float(np.linalg.norm(world))
        if not length > 0:
            raise format_error(header.path, f"NRRD space direction of axis {axis} has no length")
        columns.append(world / length)
        spacing.append(length)
    if len(columns) == 2:
        normal = np.cross(columns[0], columns[1])
        columns.append(normal / np.linalg.norm(normal) if space_dim >= 3 else np.eye(3)[2])
        spacing.append(1.0)
    (origin,) = _vectors(header, "space origin", 1)
    if origin is None:
        return spacing, np.column_stack(columns), np.zeros(3)
    if len(origin) != space_dim:
        raise format_error(header.path, f"NRRD space origin has {len(origin)} values for a "
                           f"{space_dim}D space")
    return spacing, np.column_stack(columns), _xyz(origin, signs)


def _unoriented(header: NrrdHeader, spatial: list[int], sizes: list[int]
                ) -> tuple[list[float], np.ndarray, np.ndarray]:
    """Spacing from 'spacings' and origin from 'axis mins', as teem computes them for a
    file without a space (cell centring unless 'centers' says node)."""
    dim = len(sizes)
    steps = _numbers(header, "spacings", dim)
    known = [steps[a] if math.isfinite(steps[a]) and steps[a] else 1.0 for a in spatial]
    known += [1.0] * (3 - len(spatial))
    spacing = [abs(step) for step in known]
    direction = np.diag(np.sign(known))  # a negative spacing runs the axis backwards
    mins, maxs = _numbers(header, "axis mins", dim), _numbers(header, "axis maxs", dim)
    centers = header.fields.get("centers", "").split() or ["???"] * dim
    origin = np.zeros(3)
    for j, axis in enumerate(spatial):
        cell = centers[axis].lower() != "node" if axis < len(centers) else True
        step = steps[axis]
        if not math.isfinite(step):
            step = (maxs[axis] - mins[axis]) / (sizes[axis] if cell else max(sizes[axis] - 1, 1))
        if not (math.isfinite(mins[axis]) and math.isfinite(step)):
            return spacing, direction, np.zeros(3)
        origin[j] = mins[axis] + (step / 2 if cell else 0.0)
    return spacing, direction, origin


def _time_step(header: NrrdHeader, time: int | None, space_dim: int,
               directions: list[np.ndarray | None]) -> float:
    """The frame interval: the 4th component of a 4D time direction, else 'spacings'."""
    if time is None:
        return 1.0
    vector = directions[time]
    if vector is not None and space_dim == 4:
        step = abs(float(vector[3]))
    else:
        step = abs(_numbers(header, "spacings", len(directions))[time])
    return step if math.isfinite(step) and step > 1e-9 else 1.0


def read_layout(header: NrrdHeader) -> NrrdLayout:
    """The axes and geometry of a NRRD file; FormatError for a layout Demarcate cannot show."""
    sizes = header.sizes()
    space_dim, signs = _space(header)
    directions = _vectors(header, "space directions", len(sizes))
    has_space = space_dim > 0 and any(v is not None for v in directions)
    spatial, time, component = _axes(header, has_space, space_dim, directions)
    if has_space:
        spacing, direction, origin = _oriented(header, spatial, space_dim, signs, directions)
    else:
        spacing, direction, origin = _unoriented(header, spatial, sizes)
    geometry = Geometry(spacing, origin, direction,
                        _time_step(header, time, space_dim, directions))
    return NrrdLayout(tuple(spatial), time, component, geometry)
