"""Let real MITK (the ``mitk-python`` wheel) read or write a multilabel segmentation.

Run by the Python 3.12 interpreter of the MITK venv (tests/interop/setup_mitk_venv.sh),
never by Demarcate's own interpreter, and never importing demarcate: the point is that
MITK's C++ reader and writer, not our code, decide what a file contains.

    mitk_dump.py IN.nrrd OUT_DIR
        Load IN with ``mitk.IOUtil.load``. Write OUT_DIR/labels.json (groups, labels,
        geometry, properties, MITK's own consistency warnings) and OUT_DIR/group_<i>.npy,
        each group's voxels as uint16, shaped (z, y, x) or, for 3D+t, (t, z, y, x).
        Exit 3 when MITK does not load IN as a MultiLabelSegmentation (for example when it
        falls back to a plain image because it did not recognise our header).

    mitk_dump.py --write SPEC.json OUT.nrrd
        Build a segmentation with MITK from SPEC (see ``write_from_spec``) and save it with
        MITK's own writer, so tests can also read files that MITK wrote just now.

    mitk_dump.py --preset PRESET OUT_DIR
        Apply a label-set preset (MITK JSON or legacy XML .lsetp) with MITK's own
        ``MultiLabelIOHelper::LoadMultiLabelSegmentationPreset`` and write OUT_DIR/labels.json
        (groups and labels only). mitk-python has no binding for presets, so this calls the
        C++ function through ctypes (see ``load_preset``). Exit 4 when MITK refuses it;
        a malformed file can abort the process (MITK lets a JSON exception escape).

MITK logs to stdout, so results go to files, never to stdout. Facts about mitk-python
2026.06 this script works around (found by experiment):

* ``Image.as_numpy(time_step=t)`` on a 3D+t image returns a 4D view that starts at time
  step t but keeps the full time extent, so reading past its first frame reads beyond the
  buffer (a segfault for t > 0). Only frame ``[0]`` of that view is safe.
* ``numpy.asarray(image)`` of a 3D+t image is only right when MITK holds all time steps
  in one buffer (true after loading a file, false for ``mitk.Image(array_4d)``).
* ``MultiLabelSegmentation(reference)`` already has one empty, unnamed group.
* ``set_group_image`` takes a NumPy array only for 3D groups; 3D+t groups are filled one
  time step at a time with ``update_group_image``, whose source must have the same
  geometry (checked by MITK).
"""

from __future__ import annotations

import argparse
import ctypes
import json
import sys
from pathlib import Path
from typing import Any

import mitk
import numpy as np

# Properties that name the machine or the reading session, not the file's content.
SESSION_PROPERTIES = ("path", "MITK.IO.reader.inputlocation")
EXIT_NOT_A_SEGMENTATION = 3
EXIT_PRESET_REFUSED = 4


def group_voxels(image: mitk.Image) -> np.ndarray:
    """A copy of a group image's voxels: (z, y, x), or (t, z, y, x) for 3D+t.

    Reads one time step at a time and keeps only the first frame of each view, the one
    access pattern that is safe for every buffer layout (see the module docstring).
    """
    frames = []
    for time_step in range(int(image.time_steps)):
        view = image.as_numpy(writeable=False, time_step=time_step)
        if view.ndim == 4:
            view = view[0]
        if view.ndim == 2:  # a single-slice image comes back without its z axis
            view = view[np.newaxis]
        frames.append(np.array(view, copy=True))
    if len(frames) == 1:
        return frames[0]
    return np.stack(frames)


def label_record(label: mitk.Label) -> dict[str, Any]:
    """What MITK made of one label, as plain JSON values."""
    return {
        "value": int(label.value),
        "name": str(label.name),
        "color": [float(c) for c in label.color],
        "opacity": float(label.opacity),
        "locked": bool(label.locked),
        "visible": bool(label.visible),
        "description": str(label.description),
        "tracking_id": str(label.tracking_id),
    }


def property_value(value: Any) -> Any:
    """A JSON-friendly form of a property value (DICOM tags are temporo-spatial objects)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        return [property_value(v) for v in value]
    inner = getattr(value, "value", None)
    if isinstance(inner, str | bool | int | float):
        return inner
    to_json = getattr(value, "to_json", None)
    return to_json() if callable(to_json) else repr(value)


def geometry_record(seg: mitk.MultiLabelSegmentation) -> dict[str, Any]:
    """Spacing, origin, direction (ITK convention: column j is index axis j) and time."""
    time_geometry = seg.time_geometry
    steps = int(time_geometry.count_time_steps())
    image = seg.get_group_image(0)
    return {
        "size_xyz": [int(image.get_dimension(i)) for i in range(3)],
        "spacing": [float(v) for v in seg.spacing],
        "origin": [float(v) for v in seg.origin],
        "direction": np.asarray(seg.direction, dtype=float).tolist(),
        "time_steps": int(seg.time_steps),
        "time_bounds": [
            [float(v) for v in time_geometry.get_time_bounds(step)] for step in range(steps)
        ],
    }


def dump(source: Path, out_dir: Path) -> int:
    """Load ``source`` with MITK and write labels.json and one .npy per group."""
    loaded = mitk.IOUtil.load(str(source))
    out_dir.mkdir(parents=True, exist_ok=True)
    kinds = [type(obj).__name__ for obj in loaded]
    if len(loaded) != 1 or not isinstance(loaded[0], mitk.MultiLabelSegmentation):
        reader = loaded[0].get_property("MITK.IO.reader.description") if loaded else None
        message = (
            f"MITK did not load {source.name} as one MultiLabelSegmentation: got {kinds}"
            f" (reader: {reader!r})"
        )
        (out_dir / "error.json").write_text(json.dumps({"error": message, "loaded": kinds}))
        print(message, file=sys.stderr)
        return EXIT_NOT_A_SEGMENTATION
    seg = loaded[0]
    groups = []
    for index in range(int(seg.num_groups)):
        voxels = group_voxels(seg.get_group_image(index))
        name = f"group_{index}.npy"
        np.save(out_dir / name, voxels)
        groups.append(
            {
                "index": index,
                "name": str(seg.get_group_name(index)),
                "array": name,
                "shape": list(voxels.shape),
                "dtype": str(voxels.dtype),
                "labels": [label_record(label) for label in seg.get_group_labels(index)],
            }
        )
    properties = {
        key: property_value(seg.get_property(key))
        for key in seg.property_keys
        if key not in SESSION_PROPERTIES
    }
    record = {
        "mitk_version": getattr(mitk, "__version__", "unknown"),
        "loaded_as": kinds[0],
        "geometry": geometry_record(seg),
        "groups": groups,
        "properties": properties,
        "validate": [str(w) for w in seg.validate()],
    }
    (out_dir / "labels.json").write_text(json.dumps(record, indent=1, ensure_ascii=False))
    return 0


def _reference(spec: dict[str, Any], base: Path) -> tuple[mitk.Image, dict[str, Any]]:
    """The reference image and the geometry keywords every per-time-step image needs."""
    if "reference" in spec:
        loaded = mitk.IOUtil.load(str(base / spec["reference"]))
        images = [obj for obj in loaded if isinstance(obj, mitk.Image)]
        if not images:
            raise SystemExit(f"reference {spec['reference']} did not load as an image")
        reference = images[0]
        geometry = {
            "spacing": tuple(reference.spacing),
            "origin": tuple(reference.origin),
            "direction": np.asarray(reference.direction, dtype=float),
        }
        return reference, geometry
    grid = spec["geometry"]
    geometry = {
        "spacing": tuple(float(v) for v in grid.get("spacing", (1.0, 1.0, 1.0))),
        "origin": tuple(float(v) for v in grid.get("origin", (0.0, 0.0, 0.0))),
        "direction": np.asarray(grid.get("direction", np.eye(3)), dtype=float).reshape(3, 3),
    }
    time_steps = int(grid.get("time_steps", 1))
    shape = tuple(int(v) for v in grid["shape_zyx"])
    if time_steps > 1:
        shape = (time_steps, *shape)
    return mitk.Image(np.zeros(shape, dtype=np.uint16), **geometry), geometry


def write_from_spec(spec_path: Path, target: Path) -> int:
    """Build a segmentation with MITK's API from a JSON spec and save it with MITK.

    Spec (paths relative to the spec file)::

        {"geometry": {"shape_zyx": [z, y, x], "spacing": [sx, sy, sz],
                      "origin": [ox, oy, oz], "direction": [[3x3], columns = axes],
                      "time_steps": 1},
         # or instead of "geometry": "reference": "image.nii.gz" (loaded by MITK)
         "groups": [{"name": "abdomen", "array": "g0.npy",
                     "labels": [{"value": 1, "name": "Liver", "color": [r, g, b],
                                 "opacity": 0.6, "locked": true, "visible": true}]}]}

    Arrays are integer, (z, y, x) or (t, z, y, x); a (1, z, y, x) or (z, y, x) array on a
    3D+t reference fills every time step.
    """
    base = spec_path.parent
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    reference, geometry = _reference(spec, base)
    seg = mitk.MultiLabelSegmentation(reference)
    time_steps = int(seg.time_steps)
    for index, group in enumerate(spec["groups"]):
        if index == 0:  # the constructor already made one empty group
            seg.set_group_name(0, group.get("name", ""))
        else:
            added = seg.add_group(group.get("name", ""))
            if added != index:
                raise SystemExit(f"MITK numbered group {group.get('name')!r} {added}, not {index}")
        for entry in group.get("labels", []):
            options = {
                key: entry[key]
                for key in ("opacity", "locked", "visible", "description", "tracking_id")
                if key in entry
            }
            if "color" in entry:
                options["color"] = tuple(float(c) for c in entry["color"])
            label = mitk.Label(int(entry["value"]), entry.get("name", ""), **options)
            stored = seg.add_label(label, index)
            if int(stored.value) != int(entry["value"]):
                raise SystemExit(
                    f"MITK gave label {entry['value']} the value {stored.value} (a collision)"
                )
        if "array" not in group:
            continue
        voxels = np.load(base / group["array"])
        if not np.issubdtype(voxels.dtype, np.integer):
            raise SystemExit(f"{group['array']}: voxels must be integers, not {voxels.dtype}")
        voxels = voxels.astype(np.uint16)
        if voxels.ndim == 4 and voxels.shape[0] == 1:
            voxels = voxels[0]
        if time_steps == 1:
            seg.set_group_image(index, voxels)
            continue
        for step in range(time_steps):
            frame = voxels if voxels.ndim == 3 else voxels[step]
            seg.update_group_image(index, mitk.Image(frame, **geometry), step, 0)
    for warning in seg.validate():
        print(f"MITK validate: {warning}", file=sys.stderr)
    target.parent.mkdir(parents=True, exist_ok=True)
    seg.save(str(target))
    return 0


class _StdString(ctypes.Structure):
    """libstdc++'s std::string (C++11 ABI): data pointer, length, local buffer/capacity."""

    _fields_ = [
        ("data", ctypes.c_void_p),
        ("length", ctypes.c_size_t),
        ("local", ctypes.c_char * 16),
    ]


def _std_string(text: str) -> tuple[_StdString, ctypes.Array]:
    """A std::string the callee may read (not grow or free); keep both results alive."""
    encoded = text.encode("utf-8")
    buffer = ctypes.create_string_buffer(encoded)
    string = _StdString()
    string.length = len(encoded)
    local = ctypes.addressof(string) + _StdString.local.offset
    if len(encoded) < 16:  # short strings live in the local buffer (SSO)
        string.local = encoded
        string.data = local
    else:  # long ones on the heap; the local buffer then holds the capacity
        ctypes.c_size_t.from_address(local).value = len(encoded)
        string.data = ctypes.addressof(buffer)
    return string, buffer


def _multilabel_library() -> ctypes.CDLL:
    """MITK's Multilabel module as bundled in the wheel (mitk_python.libs beside mitk/)."""
    package = Path(mitk.__file__).resolve().parent
    for folder in sorted(package.parent.glob("mitk*.libs")) + [package / ".dylibs"]:
        found = sorted(folder.glob("libMitkMultilabel*.so*")) if folder.is_dir() else []
        if found:
            return ctypes.CDLL(str(found[0]))
    raise SystemExit("libMitkMultilabel not found beside the mitk package")


def _cpp_pointer(seg: mitk.MultiLabelSegmentation, library: ctypes.CDLL) -> int:
    """The C++ object behind a pybind11 wrapper, checked against a real MITK call.

    pybind11 keeps the value pointer right after the Python object header. The check
    (MITK's own GetNumberOfGroups through that pointer must equal ``num_groups``) makes a
    future layout change fail loudly instead of passing a wrong pointer on.
    """
    pointer = ctypes.c_void_p.from_address(id(seg) + 2 * ctypes.sizeof(ctypes.c_void_p)).value
    count = library._ZNK4mitk22MultiLabelSegmentation17GetNumberOfGroupsEv
    count.restype, count.argtypes = ctypes.c_size_t, [ctypes.c_void_p]
    if pointer is None or count(pointer) != seg.num_groups:
        raise SystemExit("cannot reach the C++ MultiLabelSegmentation behind mitk-python")
    return pointer


def load_preset(preset: Path, out_dir: Path) -> int:
    """Apply ``preset`` to an empty segmentation with MITK's C++ preset loader and dump it."""
    library = _multilabel_library()
    seg = mitk.MultiLabelSegmentation(mitk.Image(np.zeros((1, 2, 2), dtype=np.uint16)))
    seg.add_group("")
    seg.add_group("")  # three groups while checking, so a stray 1 in memory cannot pass
    pointer = _cpp_pointer(seg, library)
    # Back to one unnamed group: a legacy XML preset fills the segmentation's existing
    # groups (it has no group names), a JSON preset replaces them.
    seg.remove_group(2)
    seg.remove_group(1)
    loader = library[
        "_ZN4mitk18MultiLabelIOHelper32LoadMultiLabelSegmentationPresetERKNSt7__cxx1112"
        "basic_stringIcSt11char_traitsIcESaIcEEEPNS_22MultiLabelSegmentationE"
    ]
    loader.restype, loader.argtypes = ctypes.c_bool, [ctypes.c_void_p, ctypes.c_void_p]
    name, keep_alive = _std_string(str(preset.resolve()))
    accepted = bool(loader(ctypes.addressof(name), pointer))
    del keep_alive
    out_dir.mkdir(parents=True, exist_ok=True)
    if not accepted:
        message = f"MITK's LoadMultiLabelSegmentationPreset refused {preset.name}"
        (out_dir / "error.json").write_text(json.dumps({"error": message}))
        print(message, file=sys.stderr)
        return EXIT_PRESET_REFUSED
    groups = [
        {
            "index": index,
            "name": str(seg.get_group_name(index)),
            "labels": [label_record(label) for label in seg.get_group_labels(index)],
        }
        for index in range(int(seg.num_groups))
    ]
    record = {"mitk_version": getattr(mitk, "__version__", "unknown"), "groups": groups}
    (out_dir / "labels.json").write_text(json.dumps(record, indent=1, ensure_ascii=False))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--write", action="store_true", help="build from SPEC and save")
    mode.add_argument("--preset", action="store_true", help="load a preset, dump its labels")
    parser.add_argument("source", type=Path, help="segmentation .nrrd, SPEC.json or preset")
    parser.add_argument("target", type=Path, help="output folder (or .nrrd with --write)")
    args = parser.parse_args(argv)
    if args.write:
        return write_from_spec(args.source, args.target)
    if args.preset:
        return load_preset(args.source, args.target)
    return dump(args.source, args.target)


if __name__ == "__main__":
    sys.exit(main())
