"""``python -m bench``: the compute-kernel benchmarks (see bench/kernels.py)."""

from bench.kernels import main

main()
