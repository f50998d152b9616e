"""Seeded fuzzing of the label-metadata readers over variants of the real files.

Each variant of a real file (truncated, a few bits flipped, a token of its JSON, XML or
text replaced by a hostile value, a line dropped or repeated) must end in one of two
ways within the time limit: a FormatError, or a load that is correct. A correct load
holds only labels the writers accept, survives a write and a read unchanged, and, for
segmentations, keeps the original's voxels (up to renumbered values). Variants change
only what the label readers own: key/value header lines and the payload, never the
NRRD fields that give the grid. Counts are in docs/reliability.md.
"""

from __future__ import annotations

import gzip
import math
import random
import re
import signal
import time
import xml.etree.ElementTree as ET
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

from demarcate.formats import (
    FormatError,
    read_itksnap_labels,
    read_preset,
    read_segmentation,
    read_suggestions,
    write_itksnap_labels,
    write_preset,
    write_segmentation,
    write_suggestions,
)
from demarcate.formats.checks import check_labels, check_name
from demarcate.formats.mitk_xml import label_to_xml
from demarcate.formats.nrrd_writer import write_label_nrrd
from demarcate.model import Suggestion, palette_color

from .conftest import real

SEED = 16  # the number; change it to explore, keep it to reproduce
LIMIT_S = 5.0  # per variant; the slowest variant here takes well under 0.1 s
TEXT_VARIANTS = 80
NRRD_VARIANTS = 60
HUGE = b"1" + b"0" * 4300
# Replacement tokens: hostile ones, and plausible ones so that loads are exercised too.
TOKENS = [
    b"NaN", b"Infinity", b"1e999", b"-1", b"0", b"1.5", b"2", b"256", b"65536", HUGE,
    b'""', b"null", b"true", b"abc", b"[]", b"{}", b"[" * 70, b'"\\u0000"', b'"\\ud800"',
    b'"a\\nb"', b"\\", b'"', b"0x10", b"-0", b"1e-320",
    b"0.25", b"1", b"7", b"false", b'"Organ"', b'"x y"',
]  # fmt: skip
# Header keys that carry label metadata; the others (DICOM tags, uids) are kept verbatim.
LABEL_KEYS = (b"org.mitk.", b"modality", b"layer", b"Segment", b"org_mitk_timegeometry")
TOKEN = re.compile(rb'"(?:[^"\\\n]|\\.)*"|-?[0-9][0-9.eE+-]*|[A-Za-z_][A-Za-z_0-9]*')


# --- variants -----------------------------------------------------------------------------


def _flip(blob: bytes, rng: random.Random, start: int = 0, end: int | None = None) -> bytes:
    data = bytearray(blob)
    end = len(data) if end is None else end
    for _ in range(rng.randint(1, 3)):
        data[rng.randrange(start, end)] ^= 1 << rng.randrange(8)
    return bytes(data)


def _edit_token(text: bytes, rng: random.Random) -> bytes:
    tokens = list(TOKEN.finditer(text))
    if not tokens:
        return text + rng.choice(TOKENS)
    token = rng.choice(tokens)
    return text[: token.start()] + rng.choice(TOKENS) + text[token.end() :]


def _edit_line(blob: bytes, rng: random.Random) -> bytes:
    lines = blob.split(b"\n")
    index = rng.randrange(len(lines))
    if rng.random() < 0.5:
        del lines[index]
    else:
        lines.insert(rng.randrange(len(lines)), lines[index])
    return b"\n".join(lines)


def _damaged(kind: str, blob: bytes, rng: random.Random) -> tuple[str, bytes]:
    """The file cut at a random byte ("truncate"), or with one to three bits flipped."""
    if kind == "truncate":
        cut = rng.randrange(len(blob))
        return f"truncated at {cut}", blob[:cut]
    return "bits flipped", _flip(blob, rng)


def text_variant(blob: bytes, rng: random.Random) -> tuple[str, bytes]:
    """(what was done, the variant) of a JSON, XML or ITK-SNAP text file."""
    kind = rng.choice(("truncate", "flip", "token", "token", "token", "line"))
    if kind in ("truncate", "flip"):
        return _damaged(kind, blob, rng)
    if kind == "token":
        return "token replaced", _edit_token(blob, rng)
    return "line dropped or repeated", _edit_line(blob, rng)


def nrrd_variant(blob: bytes, rng: random.Random) -> tuple[str, bytes]:
    """A variant that changes key/value lines or the payload, never the grid fields."""
    end = blob.index(b"\n\n") + 2
    header, payload = blob[:end], blob[end:]
    lines = header.split(b"\n")
    keyvalue = [i for i, line in enumerate(lines) if b":=" in line]
    kind = rng.choice(("truncate", "payload", "value", "value", "value", "value", "kvflip",
                       "kvline"))
    if kind == "truncate":
        return _damaged(kind, blob, rng)
    if kind == "payload":
        return "payload bits flipped", header + _flip(payload, rng)
    labels = [i for i in keyvalue if lines[i].startswith(LABEL_KEYS)]
    index = rng.choice(labels if labels and rng.random() < 0.8 else keyvalue)
    key, value = lines[index].split(b":=", 1)
    if kind == "value":
        lines[index] = key + b":=" + _edit_token(value, rng)
        what = f"value of {key.decode()} edited"
    elif kind == "kvflip":
        lines[index] = _flip(lines[index], rng)
        what = f"bits of {key.decode()} flipped"
    else:
        other = rng.choice(keyvalue)
        lines[index] = key + b":=" + lines[other].split(b":=", 1)[1]
        what = f"{key.decode()} given the value of line {other}"
    return what, b"\n".join(lines) + payload


# --- oracles ------------------------------------------------------------------------------


class Hang(Exception):
    pass


@contextmanager
def time_limit(seconds: float):
    """A hang becomes an exception (POSIX); the elapsed time is checked as well."""
    if not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _same_labels(a, b, alpha_step: float = 1e-6) -> None:
    assert [x.value for x in a] == [y.value for y in b]
    for x, y in zip(a, b, strict=True):
        assert (x.name, x.visible) == (y.name, y.visible)
        assert np.allclose(x.color, y.color, atol=1e-6)
        assert math.isclose(x.opacity, y.opacity, abs_tol=alpha_step)


def _same_voxels_up_to_values(original, loaded) -> None:
    """Each group's voxels are the original's, with every value mapped one to one
    (Slicer and legacy MITK duplicates are renumbered; nothing else may change)."""
    assert len(loaded.groups) == len(original.groups)
    assert loaded.shape_zyx == original.shape_zyx
    assert loaded.time_steps == original.time_steps
    assert loaded.geometry.matches(original.geometry)
    for before, after in zip(original.groups, loaded.groups, strict=True):
        flat_before, flat_after = before.array.ravel(), after.array.ravel()
        values, first = np.unique(flat_before, return_index=True)
        mapped = flat_after[first]
        assert len(set(mapped.tolist())) == len(mapped)
        table = np.zeros(65536, np.uint16)
        table[values] = mapped
        assert np.array_equal(table[flat_before], flat_after)


class Fuzz:
    """Runs the variants of one source file and counts how each ended."""

    def __init__(self, name: str, folder: Path):
        self.rng = random.Random(f"{SEED}-{name}")
        self.folder = folder
        self.counts: Counter[str] = Counter()

    def run(self, variants: int, make, suffix: str, load, check) -> Counter:
        for number in range(variants):
            what, blob = make(self.rng)
            path = self.folder / f"v{number}{suffix}"
            path.write_bytes(blob)
            start = time.monotonic()
            try:
                with time_limit(LIMIT_S):
                    result = load(path)
            except FormatError as error:
                message = str(error)
                assert message.startswith(f"{path}: ") and "\n" not in message, (what, message)
                self.counts["refused"] += 1
            except Exception as error:
                raise AssertionError(f"variant {number} ({what}): {error!r}") from error
            else:
                try:
                    check(result, path)
                except Exception as error:
                    raise AssertionError(f"variant {number} ({what}) loaded wrongly") from error
                self.counts["loaded"] += 1
            assert time.monotonic() - start < LIMIT_S, f"variant {number} ({what}) too slow"
        self.counts["variants"] = variants
        return self.counts


def _print_counts(name: str, counts: Counter) -> None:
    print(f"fuzz {name}: {counts['variants']} variants, {counts['refused']} refused, "
          f"{counts['loaded']} loaded")
    assert counts["refused"] > 0 and counts["loaded"] > 0  # neither side is vacuous


# --- the readers --------------------------------------------------------------------------


def _itksnap_check(labels, path):
    check_labels(labels, path)
    write_itksnap_labels(labels, path.with_name("copy.label"))
    back = read_itksnap_labels(path.with_name("copy.label"))
    _same_labels(back, labels, alpha_step=0.005)  # ITK-SNAP stores alpha with 2 decimals


def _preset_check(preset, path):
    check_labels(preset.labels, path)
    copy = path.with_name("copy" + path.suffix)
    write_preset(preset, copy)
    back = read_preset(copy)
    _same_labels(back.labels, preset.labels)
    if path.suffix == ".json":
        assert [g.name for g in back.groups] == [g.name for g in preset.groups]


def _suggestions_check(suggestions, path):
    for suggestion in suggestions:
        check_name(suggestion.name, path, "name")
    write_suggestions(suggestions, path.with_name("copy.json"))
    assert read_suggestions(path.with_name("copy.json")) == suggestions


def _text_sources(data: Path, folder: Path) -> dict:
    """name: (bytes, suffix, reader, oracle), every one made from a real file."""
    preset = read_preset(real(data, "seg/mitk/ct3slice_2groups.preset.json"))
    write_preset(preset, folder / "source.lsetp")
    classmap = (real(data, "ct/totalsegmentator_total_classmap.json")).read_text()
    names = re.findall(r'"\d+":\s*"([^"]+)"', classmap)
    write_suggestions([Suggestion(n, palette_color(i)) for i, n in enumerate(names[:40])],
                      folder / "source_suggestions.json")
    return {
        "preset-json": (real(data, "seg/mitk/ct3slice_2groups.preset.json").read_bytes(),
                        ".json", read_preset, _preset_check),
        "preset-lsetp": ((folder / "source.lsetp").read_bytes(), ".lsetp", read_preset,
                         _preset_check),
        "itksnap": (real(data, "seg/itksnap/MRIcrop-seg.label").read_bytes(), ".label",
                    read_itksnap_labels, _itksnap_check),
        "suggestions": ((folder / "source_suggestions.json").read_bytes(), ".json",
                        read_suggestions, _suggestions_check),
    }


@pytest.mark.parametrize("name", ["preset-json", "preset-lsetp", "itksnap", "suggestions"])
def test_fuzz_label_text_files(data, tmp_path, name):
    blob, suffix, read, check = _text_sources(data, tmp_path)[name]
    counts = Fuzz(name, tmp_path).run(
        TEXT_VARIANTS, lambda rng: text_variant(blob, rng), suffix, read, check
    )
    _print_counts(name, counts)


def _legacy_mitk(data: Path, path: Path) -> Path:
    """The real two-group MITK file in the pre-2023 layout: one XML label per key,
    with MITK's "Exterior" entry (value 0) first in layer 0."""
    seg = read_segmentation(real(data, "seg/mitk/ct3slice_2groups.mitk.nrrd"))
    keys = {"modality": "org.mitk.image.multilabel", "layers": str(len(seg.groups))}
    exterior = ('<Label><property key="name" type="StringProperty"><string value="Exterior"/>'
                '</property><property key="value" type="UIntProperty"><unsigned value="0"/>'
                "</property></Label>")
    for layer, group in enumerate(seg.groups):
        entries = ([exterior] if layer == 0 else []) + [
            ET.tostring(label_to_xml(label), encoding="unicode") for label in group.labels
        ]
        keys[f"layer_{layer:03d}"] = str(len(entries))
        for index, entry in enumerate(entries):
            keys[f"org.mitk.label_{layer:03d}_{index:05d}"] = entry
    write_label_nrrd(path, [g.array for g in seg.groups], seg.geometry, keys)
    return path


SEGMENTATIONS = {
    "mitk-2groups": "seg/mitk/ct3slice_2groups.mitk.nrrd",
    "mitk-4d": "seg/mitk/mitral_4d_11frames_2groups.mitk.nrrd",
    "mitk-41labels": "seg/mitk/ct_sm_totalseg.mitk.nrrd",
    "slicer": "seg/slicer/Segmentation.seg.nrrd",
    "mitk-legacy": None,
}


@pytest.mark.parametrize("name", list(SEGMENTATIONS))
def test_fuzz_segmentation_label_metadata(data, tmp_path, name):
    relative = SEGMENTATIONS[name]
    source = (_legacy_mitk(data, tmp_path / "legacy.nrrd") if relative is None
              else real(data, relative))
    suffix = ".seg.nrrd" if source.name.endswith(".seg.nrrd") else ".nrrd"
    original = read_segmentation(source)
    blob = source.read_bytes()

    def check(seg, path):
        _same_voxels_up_to_values(original, seg)
        check_labels(seg.labels, path)
        copy = path.with_name("copy.nrrd")
        write_segmentation(seg, copy, mitk_version=4)
        back = read_segmentation(copy)
        _same_labels(back.labels, seg.labels)
        _same_voxels_up_to_values(seg, back)

    counts = Fuzz(name, tmp_path).run(
        NRRD_VARIANTS, lambda rng: nrrd_variant(blob, rng), suffix, read_segmentation, check
    )
    _print_counts(name, counts)


# --- label-map voxels (issue #16, items 5 and 6) ------------------------------------------


def label_map_variant(blob: bytes, rng: random.Random, compressed: bool,
                      header_end: int) -> tuple[str, bytes]:
    """Truncation anywhere; in a compressed file, flipped bits anywhere (the CRC must
    catch every flip that changes voxels); in an uncompressed one, bytes added or removed
    after the header (nothing but the length can catch those). A few variants change only
    what does not hold voxels (the gzip time stamp, an NRRD comment, bytes after a NIfTI
    payload), so that the load side of the oracle is exercised too."""
    kind = rng.choice(("truncate", "flip", "flip", "harmless") if compressed
                      else ("truncate", "resize", "resize", "harmless"))
    if kind in ("truncate", "flip"):
        return _damaged(kind, blob, rng)
    if kind == "harmless":
        if compressed:
            return "gzip time stamp flipped", _flip(blob, rng, 4, 8)
        if blob.startswith(b"NRRD"):
            first = blob.index(b"\n") + 1
            return "comment added", blob[:first] + b"# fuzz\n" + blob[first:]
        return "bytes after the payload", blob + bytes(rng.randint(1, 64))
    cut = rng.randrange(header_end, len(blob))
    extra = rng.randint(1, 4096)
    # A NIfTI file may hold bytes after its data (the standard is silent; ITK and nibabel
    # ignore them), so only removal is detectable there; NRRD fixes the length exactly.
    if rng.random() < 0.5 or not blob.startswith(b"NRRD"):
        return f"{extra} bytes removed at {cut}", blob[:cut] + blob[cut + extra:]
    return f"{extra} bytes inserted at {cut}", blob[:cut] + bytes(extra) + blob[cut:]


def _raw_nrrd(data: Path, path: Path) -> Path:
    """The real two-group MITK file with its payload stored raw instead of gzip."""
    blob = real(data, "seg/mitk/ct3slice_2groups.mitk.nrrd").read_bytes()
    end = blob.index(b"\n\n") + 2
    header = blob[:end].replace(b"encoding: gzip\n", b"encoding: raw\n")
    assert header != blob[:end]
    path.write_bytes(header + gzip.decompress(blob[end:]))
    return path


def _uncompressed_nifti(data: Path, path: Path) -> Path:
    seg = read_segmentation(real(data, "ct/example_seg.nii.gz"))
    write_segmentation(seg, path)
    return path


LABEL_MAPS = {
    "nifti-gz": (lambda data, folder: real(data, "ct/example_seg.nii.gz"), ".nii.gz", True),
    "gipl-gz": (lambda data, folder: real(data, "seg/itksnap/MRIcrop-seg.gipl.gz"), ".gipl.gz",
                True),
    "nifti-raw": (lambda data, folder: _uncompressed_nifti(data, folder / "source.nii"), ".nii",
                  False),
    "nrrd-raw": (lambda data, folder: _raw_nrrd(data, folder / "source.nrrd"), ".nrrd", False),
}
LABEL_MAP_VARIANTS = 40


@pytest.mark.parametrize("name", list(LABEL_MAPS))
def test_fuzz_label_map_voxels(data, tmp_path, name):
    """A damaged label map is refused or loads the very same voxels on the same grid:
    never zero-filled, never uninitialised memory, never the first part of a longer
    payload."""
    make_source, suffix, compressed = LABEL_MAPS[name]
    source = make_source(data, tmp_path)
    original = read_segmentation(source)
    blob = source.read_bytes()
    header_end = blob.index(b"\n\n") + 2 if suffix == ".nrrd" else 352

    def check(seg, path):
        assert seg.shape_zyx == original.shape_zyx and seg.time_steps == original.time_steps
        assert seg.geometry.matches(original.geometry)
        for before, after in zip(original.groups, seg.groups, strict=True):
            assert np.array_equal(before.array, after.array)

    counts = Fuzz(name, tmp_path).run(
        LABEL_MAP_VARIANTS, lambda rng: label_map_variant(blob, rng, compressed, header_end),
        suffix, read_segmentation, check,
    )
    _print_counts(name, counts)
