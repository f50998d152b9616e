"""The prediction cache: keys cover every input, a hit starts no worker, the folder stays
within its bound by evicting the least recently used entry, and clear() empties it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from demarcate.ai.cache import PredictionCache, default_cache_folder, prediction_key
from demarcate.ai.client import run_prediction

from .conftest import FAKE_MODEL

SPACING = (1.0, 1.0, 1.0)
NAMES = {1: "liver", 7: "spleen"}


def labels_of(seed: int, shape=(16, 32, 32)) -> np.ndarray:
    """A label map that does not compress to nothing, so entries have distinct sizes."""
    return np.random.default_rng(seed).integers(0, 8, shape).astype(np.uint16)


def test_a_second_run_is_a_hit_that_starts_no_worker(python, image, tmp_path):
    cache = PredictionCache(tmp_path / "cache", max_bytes=10**8)
    first = run_prediction(python, FAKE_MODEL, image, SPACING, {"lower": 0.3}, cache=cache)
    assert not first.from_cache
    # A Python that does not exist: any worker start would raise.
    second = run_prediction(str(tmp_path / "no-python"), FAKE_MODEL, image, SPACING,
                            {"lower": 0.3}, cache=cache)
    assert second.from_cache
    np.testing.assert_array_equal(second.labels, first.labels)
    assert second.names == first.names
    assert second.seconds < 5.0  # no process start, one small file read (generous: busy CPUs)


def test_clear_empties_the_cache(python, image, tmp_path):
    cache = PredictionCache(tmp_path / "cache", max_bytes=10**8)
    run_prediction(python, FAKE_MODEL, image, SPACING, {}, cache=cache)
    assert cache.total_bytes() > 0
    cache.clear()
    assert cache.total_bytes() == 0
    again = run_prediction(python, FAKE_MODEL, image, SPACING, {}, cache=cache)
    assert not again.from_cache


def test_the_key_covers_every_input(image):
    base = prediction_key(image, SPACING, "nnunet_v2", {"model_folder": "/a", "folds": [0]})
    changed = image.copy()
    changed[0, 0, 0] += 1
    others = [
        prediction_key(changed, SPACING, "nnunet_v2", {"model_folder": "/a", "folds": [0]}),
        prediction_key(image, (1.0, 1.0, 2.0), "nnunet_v2", {"model_folder": "/a",
                                                              "folds": [0]}),
        prediction_key(image, SPACING, "nnunet_v1", {"model_folder": "/a", "folds": [0]}),
        prediction_key(image, SPACING, "nnunet_v2", {"model_folder": "/b", "folds": [0]}),
        prediction_key(image, SPACING, "nnunet_v2", {"model_folder": "/a", "folds": [1]}),
        prediction_key(image.astype(np.float64), SPACING, "nnunet_v2",
                       {"model_folder": "/a", "folds": [0]}),
        prediction_key(image.reshape(1, 12, 24, 20), SPACING, "nnunet_v2",
                       {"model_folder": "/a", "folds": [0]}),
    ]
    assert len({base, *others}) == 1 + len(others)
    # Neither the order in which parameters were written, nor paths and numpy values
    # against their plain equivalents, matter.
    assert prediction_key(image, SPACING, "nnunet_v2", {"model_folder": Path("/a"),
                                                        "folds": [np.int64(0)]}) == base
    assert base == prediction_key(image, SPACING, "nnunet_v2", {"folds": [0],
                                                                "model_folder": "/a"})


def test_entries_round_trip(tmp_path):
    cache = PredictionCache(tmp_path, max_bytes=10**8)
    labels = labels_of(1)
    cache.put("k", labels, NAMES)
    stored, names = cache.get("k")
    np.testing.assert_array_equal(stored, labels)
    assert names == NAMES and stored.dtype == np.uint16 and stored.flags.writeable
    assert cache.get("other") is None


def test_the_bound_evicts_the_least_recently_used(tmp_path):
    cache = PredictionCache(tmp_path, max_bytes=10**9)
    cache.put("a", labels_of(1), NAMES)
    entry_bytes = cache.total_bytes()
    cache.max_bytes = int(entry_bytes * 2.5)  # room for two entries
    cache.put("b", labels_of(2), NAMES)
    assert cache.get("a") is not None  # "a" is now more recent than "b"
    cache.put("c", labels_of(3), NAMES)
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None
    assert cache.total_bytes() <= cache.max_bytes


def test_a_result_larger_than_the_bound_is_not_kept(tmp_path):
    cache = PredictionCache(tmp_path, max_bytes=10)
    cache.put("big", labels_of(1), NAMES)
    assert cache.get("big") is None and cache.total_bytes() == 0


@pytest.mark.parametrize("damage", [
    lambda entry: b"",
    lambda entry: b"garbage",
    lambda entry: b"demarcate-ai-labels 1\n{}\n",
    lambda entry: entry[:len(entry) // 2],  # cut short
    lambda entry: entry.replace(b'"shape": [16, 32, 32]', b'"shape": [99999, 99999, 99]'),
], ids=["empty", "garbage", "no-header", "truncated", "wrong-shape"])
def test_a_damaged_entry_is_a_miss_and_removed(tmp_path, damage):
    cache = PredictionCache(tmp_path, max_bytes=10**8)
    cache.put("k", labels_of(1), NAMES)
    entry = (tmp_path / "k.labels").read_bytes()
    assert b'"shape": [16, 32, 32]' in entry
    (tmp_path / "k.labels").write_bytes(damage(entry))
    assert cache.get("k") is None
    assert not (tmp_path / "k.labels").exists()


def test_a_cache_that_cannot_be_written_does_not_fail_the_run(python, image, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    cache = PredictionCache(blocker / "cache", max_bytes=10**8)
    prediction = run_prediction(python, FAKE_MODEL, image, SPACING, {}, cache=cache)
    assert not prediction.from_cache and prediction.labels.shape == image.shape


def test_the_default_folder_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_folder() == tmp_path / "demarcate" / "ai"
