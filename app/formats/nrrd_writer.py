"""Write label NRRD files the way ITK's NrrdImageIO (and so MITK and Slicer) lays them out.

Writing the header ourselves gives byte-level control that SimpleITK does not: the kind
of the group axis ("vector" for MITK, "list" for Slicer), a 3D+t space, the field order
and the key/value pairs sorted as ITK's dictionary sorts them. The payload is gzip.
"""

from __future__ import annotations

import gzip
import os

import numpy as np

from ..atomic import atomic_path
from ..model.geometry import Geometry
from .nrrd_header import escape
from .progress import Progress, report
from .write_check import check_gzip_payload

_TYPE_NAMES = {"u1": "unsigned char", "u2": "unsigned short", "i2": "short", "i4": "int"}


def _number(value: float) -> str:
    value = float(value)
    if value == 0:
        value = 0.0  # no "-0" in headers
    return f"{value:.17g}"


def _vector(values) -> str:
    return "(" + ",".join(_number(v) for v in values) + ")"


def _geometry_fields(
    geometry: Geometry, sizes: list[int], component_kind: str | None, time: bool
) -> tuple[list[tuple[str, str]], str]:
    columns = geometry.direction @ np.diag(geometry.spacing_xyz)
    if time:
        directions = [_vector([*columns[:, j], 0.0]) for j in range(3)]
        directions.append(_vector([0.0, 0.0, 0.0, geometry.time_step_ms]))
        origin = _vector([*geometry.origin_xyz, 0.0])
        space = ("space dimension", "4")
    else:
        directions = [_vector(columns[:, j]) for j in range(3)]
        origin = _vector(geometry.origin_xyz)
        space = ("space", "left-posterior-superior")
    kinds = ["domain"] * (4 if time else 3)
    if component_kind:
        directions.insert(0, "none")
        kinds.insert(0, component_kind)
    return [
        ("dimension", str(len(sizes))),
        space,
        ("sizes", " ".join(str(s) for s in sizes)),
        ("space directions", " ".join(directions)),
        ("kinds", " ".join(kinds)),
    ], origin


def write_label_nrrd(
    path: str | os.PathLike,
    arrays: list[np.ndarray],
    geometry: Geometry,
    keyvalues: dict[str, str],
    *,
    dtype: np.dtype | str = np.uint16,
    component_kind: str = "vector",
    progress: Progress | None = None,
) -> None:
    """Write (T, Z, Y, X) arrays (one per group) as one gzip NRRD, atomically.

    Several arrays become the components of a vector axis (fastest, first in NRRD
    order); T > 1 adds a time axis last, in a 4D space whose time direction is (0,0,0,dt).
    ``progress`` hears after every plane; if it raises, the temporary file is removed.
    """
    dtype = np.dtype(dtype).newbyteorder("<")
    type_name = _TYPE_NAMES[dtype.str[1:]]
    data = np.stack(arrays, axis=-1) if len(arrays) > 1 else arrays[0]
    time = data.shape[0] > 1
    if not time:
        data = data[0]
    sizes = list(data.shape[::-1])
    fields, origin = _geometry_fields(
        geometry, sizes, component_kind if len(arrays) > 1 else None, time
    )
    lines = [
        "NRRD0004",
        "# Complete NRRD file format specification at:",
        "# http://teem.sourceforge.net/nrrd/format.html",
        f"type: {type_name}",
        *(f"{key}: {value}" for key, value in fields),
    ]
    if dtype.itemsize > 1:
        lines.append("endian: little")
    lines += ["encoding: gzip", f"space origin: {origin}"]
    lines += [f"{escape(key)}:={escape(value)}" for key, value in sorted(keyvalues.items())]
    header = ("\n".join(lines) + "\n\n").encode("utf-8")
    data = np.ascontiguousarray(data, dtype=dtype)
    with atomic_path(path) as temp, open(temp, "wb") as handle:
        handle.write(header)
        with gzip.GzipFile(fileobj=handle, mode="wb", compresslevel=6, mtime=0) as stream:
            flat = data.reshape(-1, *data.shape[-2:]) if data.ndim > 2 else data[None]
            for index, plane in enumerate(flat):
                stream.write(plane.tobytes())
                report(progress, (index + 1) / len(flat))
        handle.flush()
        check_gzip_payload(temp, len(header), data.nbytes)
