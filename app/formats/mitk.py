"""MITK multilabel segmentation .nrrd: read versions 1-4 (and pre-2023 files), write 1-4.

One uint16 array per group; with several groups the NRRD's first axis is a "vector" axis
holding the groups. Label metadata is JSON in a header key (see mitk_json.py). Header
keys MITK adds for its own bookkeeping (uid, DICOM tags, relations) are kept verbatim in
``Segmentation.extra_header`` so that a read/write cycle does not lose them.

Facts from MITK 2023.04's MultiLabelSegmentationIO: it writes modality, version "1", the
label-group JSON, ``unlabeledlabellock`` as "0"/"1", its property list and
``org_mitk_uid``; its reader refuses a version above 1 and needs as many JSON groups as
the image has components. Pre-2023 files (LabelSetImage) have modality
``org.mitk.image.multilabel``, a ``layers`` count, ``layer_NNN`` label counts and one XML
label per ``org.mitk.label_NNN_NNNNN`` key.
"""

from __future__ import annotations

import itertools
import os
import xml.etree.ElementTree as ET
from dataclasses import replace

import numpy as np

from ..model.geometry import Geometry
from ..model.segmentation import Segmentation
from .checks import (
    check_geometry,
    check_group_names,
    check_labels,
    parse_integer,
    parse_number,
    shown,
)
from .decoded import Decoded, DecodedGroup, renumber_duplicates, split_components
from .errors import format_error
from .json_text import dump_json, load_json
from .mitk_json import group_to_json, groups_from_json
from .mitk_xml import label_from_xml
from .nrrd_writer import write_label_nrrd
from .progress import Progress

MODALITY_KEY = "modality"
MODALITY = "org.mitk.multilabel.segmentation"
LEGACY_MODALITY = "org.mitk.image.multilabel"
VERSION_KEY = "org.mitk.multilabel.segmentation.version"
GROUPS_KEY = "org.mitk.multilabel.segmentation.labelgroups"
UNLABELED_LOCK_KEY = "org.mitk.multilabel.segmentation.unlabeledlabellock"
TIME_TYPE_KEY = "org_mitk_timegeometry_type"
TIME_POINTS_KEY = "org_mitk_timegeometry_timepoints"
OWN_KEYS = (MODALITY_KEY, VERSION_KEY, GROUPS_KEY, UNLABELED_LOCK_KEY, TIME_TYPE_KEY,
            TIME_POINTS_KEY)
READ_VERSIONS = (1, 2, 3, 4)
WRITE_VERSIONS = (1, 2, 3, 4)
_FLAGS = {"0": False, "false": False, "1": True, "true": True}
_MAX_GROUPS = 65535


def is_mitk(keyvalues: dict[str, str]) -> bool:
    return keyvalues.get(MODALITY_KEY) == MODALITY or GROUPS_KEY in keyvalues


def is_legacy_mitk(keyvalues: dict[str, str]) -> bool:
    return keyvalues.get(MODALITY_KEY) == LEGACY_MODALITY or any(
        key.startswith("org.mitk.label_") for key in keyvalues
    )


def _groups_of(array: np.ndarray, count: int, path: str | os.PathLike) -> list[np.ndarray]:
    arrays = split_components(array)
    if len(arrays) != count:
        raise format_error(
            path, f"holds {len(arrays)} group image(s) but its header describes {count} group(s)"
        )
    return arrays


def _is_foreign_key(key: str) -> bool:
    """Header keys that belong to Slicer and must not be written into an MITK file."""
    return key.startswith("Segment")


def decode_mitk(
    keyvalues: dict[str, str], array: np.ndarray, geometry: Geometry, path: str | os.PathLike
) -> Decoded:
    """Decode a current (2023+) MITK multilabel segmentation."""
    text = keyvalues.get(VERSION_KEY)
    if text is None:
        raise format_error(path, f"MITK segmentation header lacks '{VERSION_KEY}'")
    try:
        version = int(text.strip())
    except ValueError:
        raise format_error(
            path, f"MITK segmentation version {shown(text)} is not a number"
        ) from None
    if version not in READ_VERSIONS:
        raise format_error(
            path,
            f"MITK segmentation version {version} is unknown (Demarcate reads versions "
            f"{READ_VERSIONS[0]}-{READ_VERSIONS[-1]})",
        )
    if GROUPS_KEY not in keyvalues:
        raise format_error(path, f"MITK segmentation header lacks '{GROUPS_KEY}'")
    data = load_json(keyvalues[GROUPS_KEY], path, "label groups are")
    groups = groups_from_json(data, path)
    arrays = _groups_of(array, len(groups), path)
    geometry = _with_time_step(geometry, keyvalues.get(TIME_POINTS_KEY), path)
    return Decoded(
        [
            DecodedGroup(name or f"Group {index}", arr, labels, extra)
            for index, ((name, labels, extra), arr) in enumerate(zip(groups, arrays, strict=True))
        ],
        geometry,
        "mitk",
        version,
        {k: v for k, v in keyvalues.items() if k not in OWN_KEYS},
        _unlabeled_lock(keyvalues.get(UNLABELED_LOCK_KEY, "0"), path),
    )


def _unlabeled_lock(text: str, path: str | os.PathLike) -> bool:
    flag = _FLAGS.get(text.strip().lower())
    if flag is None:
        raise format_error(path, f"'{UNLABELED_LOCK_KEY}' {shown(text)} is not 0 or 1")
    return flag


def _with_time_step(geometry: Geometry, time_points: str | None,
                    path: str | os.PathLike) -> Geometry:
    """The frame interval from MITK's time points (the only place MITK reads it from):
    the bounds of each time step, so finite and increasing."""
    points = [parse_number(v, path, "time point") for v in (time_points or "").split()]
    if any(later <= earlier for earlier, later in itertools.pairwise(points)):
        raise format_error(path, f"time points {shown(time_points)} do not increase")
    if len(points) < 2:
        return geometry
    return replace(geometry, time_step_ms=points[1] - points[0])


def _legacy_key(keyvalues: dict[str, str], suffix: str) -> str | None:
    """MITK's legacy reader finds keys by substring; accept both key spellings."""
    for key in (suffix, f"org.mitk.{suffix}"):
        if key in keyvalues:
            return keyvalues[key]
    return None


def decode_legacy_mitk(
    keyvalues: dict[str, str], array: np.ndarray, geometry: Geometry, path: str | os.PathLike
) -> Decoded:
    """Decode a pre-2023 MITK LabelSetImage (XML label per header key)."""
    layers = parse_integer(keyvalues.get("layers", "1"), 1, _MAX_GROUPS, path,
                           "legacy MITK 'layers' count")
    arrays = _groups_of(array, layers, path)
    groups = []
    for layer in range(layers):
        count = parse_integer(keyvalues.get(f"layer_{layer:03d}", "0"), 0, _MAX_GROUPS, path,
                              f"legacy MITK label count of layer {layer}")
        labels = []
        for index in range(count):
            xml = _legacy_key(keyvalues, f"label_{layer:03d}_{index:05d}")
            if xml is None:
                raise format_error(path, f"legacy MITK header lacks label {index} of layer {layer}")
            try:
                element = ET.fromstring(xml.strip())
            except ET.ParseError as error:
                raise format_error(path, f"label XML is not valid ({error})") from error
            label = label_from_xml(element, path, f"layer {layer}")
            if label is not None:
                labels.append(label)
        groups.append(DecodedGroup(f"Group {layer}", arrays[layer], labels))
    renumber_duplicates(groups, path)
    own = ("modality", "layers")
    extra = {
        k: v
        for k, v in keyvalues.items()
        if k not in own and not k.startswith(("layer_", "label_", "org.mitk.label_"))
    }
    return Decoded(groups, geometry, "mitk-legacy", None, extra)


def write_mitk(seg: Segmentation, path: str | os.PathLike, version: int = 1,
               progress: Progress | None = None) -> None:
    """Write an MITK multilabel .nrrd of the given format version (1 = MITK 2023.04)."""
    if version not in WRITE_VERSIONS:
        raise format_error(path, f"cannot write MITK segmentation version {version}")
    check_geometry(seg.geometry, path, seg.stored_time_steps)
    check_labels(seg.labels, path)
    check_group_names((group.name for group in seg.groups), path)
    groups = [
        group_to_json(group.name if version >= 2 else None, group.labels, group.extra, version)
        for group in seg.groups
    ]
    keyvalues = {k: v for k, v in seg.extra_header.items() if not _is_foreign_key(k)}
    keyvalues.update(
        {
            MODALITY_KEY: MODALITY,
            VERSION_KEY: str(version),
            GROUPS_KEY: dump_json(groups, path, separators=(",", ":")),
            UNLABELED_LOCK_KEY: "1" if seg.unlabeled_locked else "0",
        }
    )
    if seg.stored_time_steps > 1:
        keyvalues.update(_time_geometry_keys(seg))
    arrays = [group.array for group in seg.groups]
    write_label_nrrd(path, arrays, seg.geometry, keyvalues, dtype=np.uint16, progress=progress)


def _time_geometry_keys(seg: Segmentation) -> dict[str, str]:
    """MITK takes the frame interval of a 3D+t file only from these keys, not from the
    time axis' space direction: the time points bound each step (T + 1 values, in ms)."""
    step = seg.geometry.time_step_ms
    points = " ".join(f"{index * step:g}" for index in range(seg.stored_time_steps + 1))
    return {TIME_TYPE_KEY: "ArbitraryTimeGeometry", TIME_POINTS_KEY: points}
