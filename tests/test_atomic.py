"""Saving keeps what the user had: the mode of a replaced file, the umask for a new one,
and a symlink stays a link to the file that is replaced."""

from __future__ import annotations

import os
import stat

from demarcate.atomic import write_text_atomic


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_replaced_file_keeps_its_mode_and_a_new_file_follows_the_umask(tmp_path):
    existing = tmp_path / "shared.json"
    existing.write_text("old")
    os.chmod(existing, 0o664)
    write_text_atomic(existing, "new")
    assert existing.read_text() == "new" and mode(existing) == 0o664
    old_mask = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "fresh.json", "x")
    finally:
        os.umask(old_mask)
    assert mode(tmp_path / "fresh.json") == 0o640


def test_saving_through_a_symlink_replaces_its_target(tmp_path):
    real = tmp_path / "data" / "seg.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "seg.json"
    link.symlink_to(real)
    write_text_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"
    assert sorted(p.name for p in real.parent.iterdir()) == ["seg.json"]
