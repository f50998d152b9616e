"""Timing and the report line shared by the kernel benchmarks (bench.kernels,
bench.under_load): ``case[peer]  ours_s  peer_s  ratio`` with ratio = peer / ours."""

from __future__ import annotations

import time
from collections.abc import Callable


def run_times(function: Callable[[], object], repeat: int) -> list[float]:
    """Seconds of ``repeat`` runs after one untimed run (which compiles numba kernels)."""
    function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return times


def best_of(function: Callable[[], object], repeat: int) -> float:
    return min(run_times(function, repeat))


def report(case: str, ours_s: float, peers: dict[str, float]) -> None:
    for peer, peer_s in peers.items():
        print(f"{case}[{peer}]".ljust(44) + f"{ours_s:9.4f} {peer_s:9.4f} {peer_s / ours_s:7.2f}",
              flush=True)
