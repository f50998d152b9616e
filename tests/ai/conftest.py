"""Every AI test ends with its shared memory released and its workers gone, whatever the
worker did: the client promises both, so each case checks them."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pytest

from demarcate.ai import client

FAKE_MODEL = str(Path(__file__).resolve().with_name("fake_model.py"))
SHM = Path("/dev/shm")


def leaked_blocks() -> list[str]:
    """Shared-memory blocks this test process created and did not unlink."""
    if not SHM.is_dir():
        return []
    return sorted(p.name for p in SHM.glob(f"{client.BLOCK_PREFIX}{os.getpid()}-*"))


def live_workers() -> list[int]:
    """Worker processes started by this test process that still exist (zombies too)."""
    pids = []
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        pids += [int(pid) for pid in children.read_text().split()]
    found = []
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except FileNotFoundError:
            continue
        if str(client.WORKER_SCRIPT).encode() in command:
            found.append(pid)
    return found


@pytest.fixture(autouse=True)
def released():
    """Check after each test: no block of ours in /dev/shm, no worker left running."""
    assert not leaked_blocks(), "blocks left by an earlier test"
    yield
    assert not leaked_blocks()
    assert not live_workers()


@pytest.fixture
def python() -> str:
    return sys.executable


@pytest.fixture
def image() -> np.ndarray:
    return np.random.default_rng(7).random((12, 20, 24), dtype=np.float32)
