"""Compute kernels: NumPy/numba on the CPU, CuPy on a GPU (see :mod:`.backend`).

Threads. The app shares the CPU with whatever else runs, and a parallel numba kernel
waits for every worker it wakes to be scheduled. So idle OpenMP workers sleep instead
of spinning, and kernels of a 2D slice run on the calling thread:

- numba's threading layer stays numba's choice: TBB when installed, else OpenMP, else
  its workqueue (``NUMBA_THREADING_LAYER`` overrides it). Without TBB that is GNU
  OpenMP, whose idle workers spin (300,000 rounds by default) before they sleep. With
  two busy processes on two cores, spinning workers take the CPU from the thread they
  wait for: a 20x512 distance map took 13 ms instead of 0.15 ms (in some starts:
  where the scheduler puts the threads decides it). ``OMP_WAIT_POLICY=passive``
  (GNU, LLVM and Intel OpenMP) made it 0.24 ms, and the large 3D kernels on an idle
  machine no slower. It is set below as a default that the environment overrides,
  before numba loads OpenMP (at the first parallel call); OpenMP reads it when it is
  loaded, so it does not apply where another library loaded OpenMP first.
- TBB needs no setting (0.18 ms loaded, as fast as OpenMP idle); the workqueue layer
  does not spin but is 1.5-3x slower than OpenMP on small kernels of an idle machine.
- A sleeping worker still costs a wake-up, more than a small kernel's whole run (the
  20x512 map: 0.30 ms idle with the passive policy, 0.12 ms on the calling thread). So
  kernels with a ``PARALLEL_MIN_VOXELS`` (:mod:`.threshold`, :mod:`.distance`) run on
  the calling thread below it: any slice's threshold, a small slice's or interpolation
  box's distance map. A 512x512 map still gains from the second core, busy or not.
"""

import os

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
