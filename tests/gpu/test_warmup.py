"""The warm-up compiles what the tools call, and says how far it got."""

from __future__ import annotations

import importlib
import pkgutil

import numpy as np
from numba.core.dispatcher import Dispatcher

import demarcate.gpu
from demarcate.gpu.components import component_at
from demarcate.gpu.distance import interpolate_masks, signed_distance
from demarcate.gpu.growcut import growcut
from demarcate.gpu.otsu import otsu_regions, otsu_thresholds
from demarcate.gpu.region import region_grow
from demarcate.gpu.threshold import threshold
from demarcate.gpu.warmup import warm_up, warm_up_beside_a_child

from ._volumes import ct_like


def compiled_signatures() -> dict[str, int]:
    """How many type signatures each numba kernel of demarcate.gpu has compiled."""
    counts = {}
    for info in pkgutil.iter_modules(demarcate.gpu.__path__, "demarcate.gpu."):
        module = importlib.import_module(info.name)
        for name, value in vars(module).items():
            if isinstance(value, Dispatcher) and value.__module__ == info.name:
                counts[f"{info.name}.{name}"] = len(value.signatures)
    return counts


def test_progress_rises_to_one():
    reported = []
    warm_up(reported.append)
    assert len(reported) > 1
    assert all(0.0 <= f <= 1.0 for f in reported)
    assert reported == sorted(reported)
    assert reported[-1] == 1.0


def test_after_warm_up_the_tools_compile_nothing():
    """Slice- and volume-sized calls with the tools' types, on both sides of every
    calling-thread / parallel threshold, find every kernel compiled already."""
    warm_up()
    before = compiled_signatures()
    image = ct_like((40, 64, 64))
    plane = np.ascontiguousarray(np.tile(image[10], (8, 8))).astype(np.float32)  # 512x512
    labels = (plane > 0).astype(np.uint16)
    yy, xx = np.ogrid[:512, :512]
    organ = (yy - 200) ** 2 + (xx - 240) ** 2 < 80**2
    region_grow(plane, (100, 100), -2000.0, 2000.0, connectivity=4)
    component_at(labels, (0, 0), connectivity=4)
    component_at(labels > 0, (100, 100), connectivity=4)
    signed_distance(organ, (0.7, 0.7))
    signed_distance(organ[180:220, 200:260], (0.7, 0.7))
    interpolate_masks(organ, np.roll(organ, 30, axis=0), 0.3, (0.7, 0.7))
    region_grow(image, (20, 30, 30), -3000, 3000)
    large = np.tile(image, (3, 8, 8))  # 120x512x512: the parallel passes
    threshold(large, 100, 700)
    otsu_regions(large, otsu_thresholds(large, 3))
    seeds = np.zeros(image.shape, np.uint16)
    seeds[5, 5, 5], seeds[30, 50, 50] = 1, 2
    for margin in (None, 4):
        result = growcut(image, seeds, margin=margin)
        more = seeds.copy()
        more[20, 40, 40] = 1
        growcut(image, more, margin=margin, previous=result)
    compiled = {k: v for k, v in compiled_signatures().items() if v != before.get(k)}
    assert not compiled, f"compiled after the warm-up: {compiled}"


def test_a_child_process_fills_the_cache_and_reports_each_group(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    reported = []
    warm_up_beside_a_child(reported.append)
    assert reported[-1] == 1.0 and reported == sorted(reported) and len(reported) > 1
    assert any(tmp_path.rglob("*.nbi")), "the child wrote numba's cache index files"
