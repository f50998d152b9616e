"""Saves that fail safely: a full disk, a kill between the files of a set, what a killed
save left behind (issue #16, data loss)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from demarcate import formats
from demarcate.atomic import TEMP_MARKER, remove_stale_temps
from demarcate.model import Label, LabelGroup, Segmentation

CONVERT = [sys.executable, "-m", "demarcate", "convert"]


def limited(command: list[str], kilobytes: int) -> subprocess.CompletedProcess:
    """Run with a file-size limit, as `ulimit -f` (a full disk, for one process)."""
    line = " ".join(f"'{part}'" for part in command)
    return subprocess.run(["bash", "-c", f"ulimit -f {kilobytes}; exec {line}"],
                          capture_output=True, text=True)


@pytest.mark.parametrize("suffix", [".nii.gz", ".nii", ".nrrd"])
def test_a_save_on_a_full_disk_fails_and_keeps_the_previous_file(shared_data, tmp_path,
                                                                  suffix):
    source = shared_data / "ct/example_seg.nii.gz"
    target = tmp_path / f"out{suffix}"
    formats.write_segmentation(formats.read_segmentation(source), target)
    before = target.read_bytes()
    done = limited([*CONVERT, str(source), str(target)], kilobytes=8)
    assert done.returncode != 0, done.stdout
    # ITK's NIfTI library prints its own line too; ours is the last, one line.
    last = done.stderr.strip().splitlines()[-1]
    assert "Traceback" not in done.stderr and last.startswith("demarcate convert:")
    assert "Nothing was replaced" in last or "No space" in last or "too large" in last, last
    assert target.read_bytes() == before, "the previous file is untouched"
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name], "no temp left"


def two_groups(fill: int) -> Segmentation:
    seg = Segmentation((8, 64, 64))
    for index, value in enumerate((1, 2)):
        array = seg.new_group_array()
        array[0, :, :, : 10 * fill] = value
        seg.groups.append(LabelGroup(f"Group {index}", array, [Label(value, f"L{value}")]))
    return seg


def test_a_label_map_set_is_replaced_together_or_not_at_all(tmp_path, monkeypatch):
    target = tmp_path / "set.nii.gz"
    old = formats.write_segmentation(two_groups(1), target)
    contents = [path.read_bytes() for path in old]
    from demarcate.formats import labelmap

    calls = []
    real_write = labelmap.write_sitk

    def fail_on_the_second(image, path, **kwargs):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full")
        real_write(image, path, **kwargs)

    monkeypatch.setattr(labelmap, "write_sitk", fail_on_the_second)
    with pytest.raises(OSError, match="disk full"):
        formats.write_segmentation(two_groups(3), target)
    assert [path.read_bytes() for path in old] == contents, "the first group stayed old"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in old)


def test_temps_of_a_killed_save_go_on_the_next_save_to_that_folder(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True, check=True)
        stale = tmp_path / f".seg.nrrd.{TEMP_MARKER}-{int(dead.stdout)}-abc.nrrd"
        alive = tmp_path / f".seg.nrrd.{TEMP_MARKER}-{sleeper.pid}-def.nrrd"
        other = tmp_path / ".someone-elses.tmp"
        for path in (stale, alive, other):
            path.write_bytes(b"x" * 100)
        formats.write_segmentation(two_groups(1), tmp_path / "new.nrrd")
        assert not stale.exists(), "a dead process's temp is removed"
        assert alive.exists() and other.exists(), "nothing else is touched"
        assert remove_stale_temps(tmp_path) == []
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_truncated_write_is_caught_before_the_rename(tmp_path, monkeypatch):
    """A writer that stops early without an error (as ITK does on a full disk)."""
    import SimpleITK as sitk

    from demarcate.formats import sitk_arrays

    target = tmp_path / "out.nii"
    target.write_bytes(b"previous")

    def short_write(image, path, useCompression=True):
        sitk.ImageFileWriter().Execute(image, str(path), False, -1)
        size = os.path.getsize(path)
        with open(path, "r+b") as handle:
            handle.truncate(size // 2)

    monkeypatch.setattr(sitk_arrays.sitk, "WriteImage", short_write)
    seg = two_groups(2)
    seg.groups = seg.groups[:1]
    with pytest.raises(OSError, match="damaged"):
        formats.write_segmentation(seg, target)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.nii"]


def test_a_kill_at_any_moment_leaves_a_whole_old_or_new_label_map_set(tmp_path):
    """SIGKILL during `convert` to a two-file set, at moments spread over the write:
    the set reads back all old or all new, and temps go on the next save. (A kill in
    the microseconds between the two renames is the one window left.)"""
    import random
    import time

    source = tmp_path / "source.nrrd"
    formats.write_segmentation(two_groups(6), source, mitk_version=4)
    target = tmp_path / "out" / "set.nii"
    target.parent.mkdir()

    def contents() -> list[bytes]:
        return [p.read_bytes() for p in sorted(target.parent.glob("set_group*.nii"))]

    formats.write_segmentation(two_groups(1), target)
    old = contents()
    started = time.monotonic()
    subprocess.run([*CONVERT, str(source), str(target)], check=True, capture_output=True)
    duration = time.monotonic() - started
    new = contents()
    rng = random.Random(7)
    for _ in range(12):
        formats.write_segmentation(two_groups(1), target)  # back to the old set
        process = subprocess.Popen([*CONVERT, str(source), str(target)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.3, 1.0) * duration)  # when to kill, not a wait
        process.kill()
        process.wait()
        assert contents() in (old, new), "a mixed set: one group new, one old"
    formats.write_segmentation(two_groups(1), target)
    assert sorted(p.name for p in target.parent.iterdir()) == ["set_group0.nii",
                                                               "set_group1.nii"]
