"""GrowCut: every voxel takes the label of the seed that reaches it at the lowest cost.

Semantics (the "fast GrowCut" of Zhu et al. 2014, as 3D Slicer's Grow from seeds and
``itk-growcut``'s FastGrowCut): a path between 26-neighbours p -> q costs
``|I(p) - I(q)| + distance_penalty * |p - q|_mm``; each voxel gets the label of the seed
with the cheapest path to it (a Dijkstra competition started from all seeds at once).
Seed voxels keep their label; a voxel two seeds reach at the same cost goes to the lower
label, whatever the visiting order (so a seed that a lower label reaches at cost 0, in a
flat region without distance penalty, passes that label on, but shows its own).

CPU path: Dijkstra in numba. numba is here because the propagation is a priority queue
walked one voxel at a time, which no vectorised NumPy expresses; it is compiled once and
cached. Costs are quantised to integers (exact for integer images without a distance
penalty; 1/8 intensity unit otherwise, 16-bit levels for float images), which allows a
bucket queue (Dial's algorithm) with O(1) push and pop instead of a heap's O(log n).
Three choices make it several times faster than a textbook version:

- one int64 key per voxel, ``cost << 24 | level << 8 | owner``: a neighbour costs one
  load, and "cheaper, or as cheap with a lower label" is a single integer comparison;
- lazy deletion: an improved voxel is pushed again instead of being moved, and the old
  entry is recognised as stale when popped. Bucket entries live in blocks of 128, so
  pushing and popping touch memory that is already in cache;
- the box is cut into one slab per CPU thread, along the axis that gives the most slabs
  of >= 16 planes (Z unless it is too thin: a 20-slice CT is cut along Y, else it would
  run on one thread). Every slab keeps its own padded (z, y, x) key array, so the kernels
  see the same array types whatever the axis. Each slab runs its own Dijkstra in a
  thread (numba releases the GIL); then the two planes at every cut are relaxed across,
  the voxels that improved are queued, and the slabs run again until no cut improves
  anything. That is a correct shortest-path computation in any order, so the result
  equals the one-slab run exactly.

Incremental re-run: after the user adds a scribble, the old costs are still exact for
the old seeds, and the new answer is the minimum of them and the costs from the new
seeds. So only the new seeds are queued on top of the previous state, and only the
voxels they win are visited; each slab records the box of the voxels it settled, so
only cuts touched by a change are relaxed again and only that box of the label map is
rewritten (the rest is copied from the previous labels). Pass the previous result back
as ``previous``. The result says which path ran (``path``) and, for a full run, why
(``reason``): the tool shows it. A full run is still needed, for correctness, when a
seed was removed or relabelled (old costs may come from it) or the parameters changed.
A new label value is continued from (the owners are recoded, an O(box) pass). When a
margin is set and the seeds' box grew, the old costs are copied into the larger box and
Dijkstra restarts from the new seeds and from the old box's faces (the only voxels
whose cheapest path may now leave the old box), provided the intensity quantisation of
the larger box is the same (integer images); otherwise that is a full run too.

GPU path: the same integer keys relaxed in parallel over the whole box until nothing
changes (Bellman-Ford sweeps over the 26 directions). It converges to the same costs
and labels as Dijkstra, from any start whose costs are those of real paths; so an
incremental re-run starts from the previous keys with the new seeds at cost 0, exactly
like the CPU path (a grown box is a full run there).

Coarse preview (:func:`growcut_coarse`): an exact re-run after a stroke that takes over
a quarter of a 512x512x300 CT visits ~20 M voxels, several seconds of Dijkstra whatever
the bookkeeping, while a tool should answer each stroke in under a second. So the tool
shows a preview first: GrowCut on the box block-averaged by an integer factor (auto:
about a million coarse voxels, 4x on 512x512x300), the seeds reduced to the majority
label of each block, and the labels brought back by nearest neighbour with the seed
voxels kept. Block means keep the intensity edges the costs follow (and smooth noise,
unlike picking every 4th voxel), so the preview agrees with the exact result away from
object borders, where it is blocky. It costs a few streaming passes over the box plus a
small GrowCut and needs no state: 0.27 s on 512x512x300 with two cores (0.55 s while an
exact re-run shares them), against 0.14 s for the exact re-run after a stroke by the
object and 5.3 s after one that takes over a quarter of the volume. The exact
incremental run then replaces it. It is stateless on purpose: a coarse incremental
state would have to follow every seed edit (removals too) to save ~0.1 s, and an exact
search cut short after a time budget would leave the far part of the changed region at
its old label.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numba
import numpy as np
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

from .backend import bounding_box, get_array_module, to_host
from .threshold import SMALL_INTEGERS, distinct_values, value_range

_STEPS = np.array([(dz, dy, dx) for dz in (-1, 0, 1) for dy in (-1, 0, 1) for dx in (-1, 0, 1)
                   if (dz, dy, dx) != (0, 0, 0)], dtype=np.int64)
_STEP_INDEX = {step: k for k, step in enumerate(map(tuple, _STEPS.tolist()))}
_FLOAT_LEVELS = 65535
_MAX_DISTANCE = 2**31 - 1
#: Key layout: cost in bits 24 and up, intensity level in bits 8-23, owner in bits 0-7.
_COST_SHIFT = 24
_LEVEL_BITS = 0xFFFF00
_UNREACHED = _MAX_DISTANCE << _COST_SHIFT
_BLOCK = 128
#: The queue's first pool: one block per this many voxels (a CT-like 256^3 run needs
#: about one per 400), doubled whenever Dijkstra runs short; never below one pop's need.
_VOXELS_PER_BLOCK = 256
_MIN_BLOCKS = 64
#: Indices in _STEPS of the nine steps with dx = -1: the first voxel of each neighbour row.
_ROW_STARTS = (0, 3, 6, 9, 12, 14, 17, 20, 23)
#: A slab is at least this many planes thick: thinner ones spend more on their cuts than
#: their thread saves.
_MIN_SLAB = 16
#: The automatic coarse factor makes the preview's box about this many voxels: its
#: GrowCut then takes ~0.1-0.2 s, as long as the passes over the full-resolution box.
_COARSE_VOXELS = 1_250_000

#: Values of :attr:`GrowCutResult.path`.
FULL = "full"
INCREMENTAL = "incremental"
#: Values of :attr:`GrowCutResult.reason` (why a run was full).
FIRST_RUN = "first run"
PARAMETERS_CHANGED = "parameters changed"
SEED_REMOVED = "a seed was removed"
BOX_GREW = "the seeds' box grew"
ALREADY_CONTINUED = "the previous result was already continued from"
OTHER_DEVICE = "the previous result was computed on the other device"


@dataclass(kw_only=True)
class GrowCutResult:
    """A GrowCut label map, how it was computed, and the state a re-run continues from.

    ``labels`` has the image's shape and the seeds' dtype; outside ``box`` (the seeds'
    bounding box plus margin) it is 0. ``path`` is :data:`FULL` or :data:`INCREMENTAL`;
    ``reason`` says why a run was full (:data:`FIRST_RUN`, :data:`SEED_REMOVED`,
    :data:`BOX_GREW`, :data:`PARAMETERS_CHANGED`, ...; empty for an incremental run);
    ``device`` is "cpu" (Dijkstra) or "gpu" (parallel relaxation). The private arrays
    are taken over, not copied, by the next :func:`growcut` call that receives this
    result as ``previous``; an incremental CPU re-run starts from a copy of ``labels``
    and rewrites only the part that changed, so do not modify ``labels`` in place
    (copy it first) while the result may still be passed as ``previous``.
    """

    labels: np.ndarray
    box: tuple[slice, ...]
    path: str
    reason: str
    device: str
    _seeds: list = field(repr=False)
    _values: np.ndarray = field(repr=False)
    _slabs: list = field(repr=False)
    _axis: int = field(repr=False)
    _bounds: list = field(repr=False)
    _quantised: _Quantised = field(repr=False)
    _key: tuple = field(repr=False)
    _seed_box: tuple[slice, ...] | None = field(repr=False)
    _spent: bool = field(default=False, repr=False)

    @property
    def slab_axis(self) -> int:
        """The axis (0 = z, 1 = y, 2 = x) the box was cut along for the CPU threads."""
        return self._axis

    @property
    def slab_bounds(self) -> list[tuple[int, int]]:
        """(start, stop) of each slab along :attr:`slab_axis`, in box coordinates: one
        per thread that ran, which a tool or test can check."""
        return list(self._bounds)

    def path_costs(self):
        """Quantised cost of the cheapest seed path to each voxel of ``box``."""
        inner = [slab[1:-1, 1:-1, 1:-1] for slab in self._slabs]
        return get_array_module(inner[0]).concatenate(inner, axis=self._axis) >> _COST_SHIFT


@numba.njit(cache=True, nogil=True)
def _push(v, cost, heads, data, nxt, cnt, free, used, nfree):
    """Append voxel ``v`` to the bucket of ``cost``; returns the new pool counters."""
    h = cost & (heads.size - 1)
    b = heads[h]
    if b < 0 or cnt[b] == _BLOCK:
        if free >= 0:
            fresh = free
            free = nxt[free]
            nfree -= 1
        else:
            fresh = used
            used += 1
        nxt[fresh] = b
        cnt[fresh] = 0
        heads[h] = fresh
        b = fresh
    data[b, cnt[b]] = v
    cnt[b] += 1
    return free, used, nfree


@intrinsic
def _prefetch(typingctx, array, index):
    """Ask the CPU to start loading ``array[index]`` into the cache (llvm.prefetch)."""
    signature = types.void(array, index)

    def codegen(context, builder, sig, args):
        data = context.make_array(sig.args[0])(context, builder, args[0]).data
        pointer = builder.gep(data, [args[1]])
        int32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [pointer.type, int32, int32, int32]),
            "llvm.prefetch.p0")
        builder.call(function, [pointer, int32(0), int32(3), int32(1)])  # read, keep, data
        return context.get_dummy_value()

    return signature, codegen


@numba.njit(cache=True, nogil=True, inline="always")
def _prefetch_neighbourhood(keys, v, offsets):
    """Prefetch the 9 rows of 3 keys around ``v``: Dijkstra's pops jump around the
    volume, and starting those loads one pop early overlaps their latency with work."""
    for k in _ROW_STARTS:
        _prefetch(keys, v + offsets[k])


@numba.njit(cache=True, nogil=True)
def _propagate(keys, sources, source_costs, offsets, step_cost, scale,
               heads, data, nxt, cnt, state, plane, row, touched):
    """Dijkstra with a circular bucket queue over one slab's flat, padded keys.

    ``sources`` (sorted by ``source_costs``) enter the queue when the front reaches
    their cost. A popped entry whose key no longer holds the bucket's cost is stale
    (the voxel was improved and queued again) and is skipped. Padding keys are -1, so
    no candidate (>= 0) ever beats them and the neighbour offsets need no bounds checks.

    Every voxel whose key changed is popped with its final key, so the (z, y, x) box of
    the settled voxels (``touched``: min, max per axis, padded coordinates of a slab of
    ``plane`` voxels per z and ``row`` per y) holds every change: the caller rewrites
    only that part of the labels and relaxes only the cuts it reaches.

    The queue's blocks come from a pool owned by the caller. When fewer free blocks
    remain than one pop can need, the counters are saved in ``state`` and False is
    returned; the caller enlarges the pool and calls again to resume.
    """
    current, queued, free, used, nfree, pos = state
    buckets = heads.size
    while True:
        if nfree + data.shape[0] - used <= 26:
            state[:] = (current, queued, free, used, nfree, pos)
            return False
        if pos < sources.size and (queued == 0 or source_costs[pos] < current + buckets):
            current = max(current, source_costs[pos]) if queued == 0 else current
            free, used, nfree = _push(sources[pos], source_costs[pos], heads, data, nxt, cnt,
                                      free, used, nfree)
            queued += 1
            pos += 1
            continue
        if queued == 0:
            state[:] = (current, queued, free, used, nfree, pos)
            return True
        b = heads[current & (buckets - 1)]
        while b < 0:
            current += 1
            b = heads[current & (buckets - 1)]
        i = cnt[b] - 1
        v = data[b, i]
        if i == 0:
            heads[current & (buckets - 1)] = nxt[b]
            nxt[b] = free
            free = b
            nfree += 1
        else:
            cnt[b] = i
        queued -= 1
        if i > 0:  # the next pop, unless v queues a neighbour at this cost first
            _prefetch_neighbourhood(keys, data[b, i - 1], offsets)
        key = keys[v]
        if key >> 24 != current:
            continue
        z = v // plane
        y = (v - z * plane) // row
        x = v - z * plane - y * row
        touched[0] = min(touched[0], z)
        touched[1] = max(touched[1], z)
        touched[2] = min(touched[2], y)
        touched[3] = max(touched[3], y)
        touched[4] = min(touched[4], x)
        touched[5] = max(touched[5], x)
        level = (key >> 8) & 0xFFFF
        label = key & 255
        for k in range(26):
            u = v + offsets[k]
            other = keys[u]
            cost = current + abs(level - ((other >> 8) & 0xFFFF)) * scale + step_cost[k]
            candidate = (cost << 24) | (other & 0xFFFF00) | label
            if candidate < other:
                keys[u] = candidate
                # _push, written out: numba does not inline it, and calling it here made
                # the whole search 1.8x slower (128^3: 0.36-0.40 s against 0.68 s)
                h = cost & (buckets - 1)
                b = heads[h]
                if b < 0 or cnt[b] == _BLOCK:
                    if free >= 0:
                        fresh = free
                        free = nxt[free]
                        nfree -= 1
                    else:
                        fresh = used
                        used += 1
                    nxt[fresh] = b
                    cnt[fresh] = 0
                    heads[h] = fresh
                    b = fresh
                data[b, cnt[b]] = u
                cnt[b] += 1
                queued += 1


@numba.njit(cache=True, nogil=True)
def _fill_slab(image, low, per_unit, integer, seeds, owner_of, keys):
    """Write one slab's padded ``keys``: -1 on the padding, cost 0 on seeds (owner
    ``owner_of[seed value]``), unreached elsewhere. Returns the flat indices of the seeds.

    Runs in the slab's worker thread, so filling is as parallel as the search.
    """
    depth, height, width = image.shape
    unreached = np.int64(2**31 - 1) << 24
    keys[0] = -1
    keys[depth + 1] = -1
    count = 0
    for z in range(depth):
        keys[z + 1, 0] = -1
        keys[z + 1, height + 1] = -1
        for y in range(height):
            keys[z + 1, y + 1, 0] = -1
            keys[z + 1, y + 1, width + 1] = -1
            for x in range(width):
                if integer:
                    level = np.int64(image[z, y, x] - low)
                else:
                    level = np.int64(np.rint((image[z, y, x] - low) * per_unit))
                owner = owner_of[seeds[z, y, x]]
                keys[z + 1, y + 1, x + 1] = (level << 8) | owner | (0 if owner else unreached)
                count += owner != 0
    found = np.empty(count, np.int64)
    n = 0
    for z in range(depth):
        for y in range(height):
            for x in range(width):
                if seeds[z, y, x] != 0:
                    found[n] = ((z + 1) * (height + 2) + y + 1) * (width + 2) + x + 1
                    n += 1
    return found


@numba.njit(cache=True, nogil=True)
def _relax_cut(lower, upper, lower_base, upper_base, lower_u, lower_v, upper_u, upper_v,
               size_u, size_v, cut_steps, scale, u0, u1, v0, v1):
    """Relax the 9 edges from the voxels (u0..u1, v0..v1) of ``lower``'s last plane into
    ``upper``'s first plane, both ways. Returns the flat indices of the voxels improved
    in each slab.

    ``lower`` and ``upper`` are flat padded keys; a plane voxel (i, j), 1 <= i <= size_u,
    1 <= j <= size_v, is at ``base + i * stride_u + j * stride_v``. Flat indices and
    strides make one compiled kernel serve cuts along any axis.
    """
    improved_l = np.zeros((size_u + 2, size_v + 2), np.bool_)
    improved_u = np.zeros((size_u + 2, size_v + 2), np.bool_)
    for i in range(u0, u1 + 1):
        for j in range(v0, v1 + 1):
            at_a = lower_base + i * lower_u + j * lower_v
            for di in (-1, 0, 1):
                for dj in (-1, 0, 1):
                    step = cut_steps[di + 1, dj + 1]
                    at_b = upper_base + (i + di) * upper_u + (j + dj) * upper_v
                    a = lower[at_a]
                    b = upper[at_b]
                    if b < 0:
                        continue
                    weight = abs(((a >> 8) & 0xFFFF) - ((b >> 8) & 0xFFFF)) * scale + step
                    from_b = (((b >> 24) + weight) << 24) | (a & 0xFFFF00) | (b & 255)
                    if from_b < a:
                        lower[at_a] = from_b
                        improved_l[i, j] = True
                        a = from_b
                    from_a = (((a >> 24) + weight) << 24) | (b & 0xFFFF00) | (a & 255)
                    if from_a < b:
                        upper[at_b] = from_a
                        improved_u[i + di, j + dj] = True
    found_l = np.empty(np.count_nonzero(improved_l), np.int64)
    found_u = np.empty(np.count_nonzero(improved_u), np.int64)
    n_l = n_u = 0
    for i in range(max(0, u0 - 1), min(size_u + 2, u1 + 2)):
        for j in range(max(0, v0 - 1), min(size_v + 2, v1 + 2)):
            if improved_l[i, j]:
                found_l[n_l] = lower_base + i * lower_u + j * lower_v
                n_l += 1
            if improved_u[i, j]:
                found_u[n_u] = upper_base + i * upper_u + j * upper_v
                n_u += 1
    return found_l, found_u


@numba.njit(cache=True, nogil=True)
def _write_labels(keys, table, seeds, out, z0, y0, x0):
    """``out[...] = table[owner]`` for the padded keys from (z0, y0, x0) on, except that
    seed voxels keep their own label: a seed that another seed reaches at cost 0 (a flat
    region without distance penalty) passes the lower label on, as ties go, but shows
    its own. ``seeds`` is the slab's seed copy (unpadded)."""
    for z in range(out.shape[0]):
        for y in range(out.shape[1]):
            for x in range(out.shape[2]):
                seed = seeds[z + z0 - 1, y + y0 - 1, x + x0 - 1]
                out[z, y, x] = seed if seed != 0 else table[keys[z + z0, y + y0, x + x0] & 255]


@numba.njit(cache=True, nogil=True)
def _nonzero_box_span(seeds, z0, z1):
    """(min, max) per axis of the non-zero voxels of planes z0..z1-1; min > max if none."""
    height, width = seeds.shape[1], seeds.shape[2]
    box = np.array([2**62, -1, 2**62, -1, 2**62, -1], np.int64)
    for z in range(z0, z1):
        for y in range(height):
            first = -1
            last = -1
            for x in range(width):
                if seeds[z, y, x] != 0:
                    if first < 0:
                        first = x
                    last = x
            if first >= 0:
                box[0] = min(box[0], z)
                box[1] = max(box[1], z)
                box[2] = min(box[2], y)
                box[3] = max(box[3], y)
                box[4] = min(box[4], first)
                box[5] = max(box[5], last)
    return box


@numba.njit(cache=True, nogil=True)
def _changed_voxels(new, old):
    """Indices where ``new`` differs from ``old``, and whether any of them was non-zero
    in ``old`` (a seed removed or relabelled). Two passes of compares, no temporaries."""
    count = 0
    replaced = False
    for z in range(new.shape[0]):
        for y in range(new.shape[1]):
            for x in range(new.shape[2]):
                if new[z, y, x] != old[z, y, x]:
                    count += 1
                    replaced |= old[z, y, x] != 0
    index = (np.empty(count, np.int64), np.empty(count, np.int64), np.empty(count, np.int64))
    n = 0
    for z in range(new.shape[0]):
        for y in range(new.shape[1]):
            for x in range(new.shape[2]):
                if new[z, y, x] != old[z, y, x]:
                    index[0][n], index[1][n], index[2][n] = z, y, x
                    n += 1
    return index, replaced


@numba.njit(cache=True, nogil=True)
def _block_mean(image, fz, fy, fx, c0, c1, integer, sums, out):
    """Coarse planes c0..c1-1 of ``out``: the mean of each fz x fy x fx block of
    ``image`` (partial blocks at the far borders), rounded when ``integer``. ``sums`` is
    one coarse plane of int64 (exact and faster to add) or float64 for float images."""
    depth, height, width = image.shape
    coarse_h, coarse_w = out.shape[1], out.shape[2]
    for cz in range(c0, c1):
        sums[:] = 0
        z_end = min(depth, (cz + 1) * fz)
        for z in range(cz * fz, z_end):
            for y in range(height):
                row = sums[y // fy]
                for cx in range(coarse_w):
                    total = sums.dtype.type(0)
                    for x in range(cx * fx, min(width, (cx + 1) * fx)):
                        total += image[z, y, x]
                    row[cx] += total
        for cy in range(coarse_h):
            rows = min(height, (cy + 1) * fy) - cy * fy
            for cx in range(coarse_w):
                count = (z_end - cz * fz) * rows * (min(width, (cx + 1) * fx) - cx * fx)
                mean = sums[cy, cx] / count
                out[cz, cy, cx] = np.rint(mean) if integer else mean


@numba.njit(cache=True, nogil=True)
def _block_seeds(seeds, fz, fy, fx, c0, c1, out):
    """Coarse planes c0..c1-1 of ``out``: the seed label of each fz x fy x fx block, 0 if
    it holds none. One streaming pass marks each block's label; blocks holding several
    labels (rare: where strokes meet) then take the majority, ties to the lower label."""
    depth, height, width = seeds.shape
    conflict = np.zeros(out.shape[1:], np.bool_)
    for cz in range(c0, c1):
        conflict[:] = False
        out[cz] = 0
        any_conflict = False
        for z in range(cz * fz, min(depth, (cz + 1) * fz)):
            for y in range(height):
                row = out[cz, y // fy]
                for x in range(width):
                    value = seeds[z, y, x]
                    if value != 0:
                        held = row[x // fx]
                        if held == 0:
                            row[x // fx] = value
                        elif held != value:
                            conflict[y // fy, x // fx] = True
                            any_conflict = True
        if not any_conflict:
            continue
        values = np.empty(fz * fy * fx, seeds.dtype)
        counts = np.empty(fz * fy * fx, np.int64)
        for cy in range(out.shape[1]):
            for cx in range(out.shape[2]):
                if not conflict[cy, cx]:
                    continue
                n = 0
                for z in range(cz * fz, min(depth, (cz + 1) * fz)):
                    for y in range(cy * fy, min(height, (cy + 1) * fy)):
                        for x in range(cx * fx, min(width, (cx + 1) * fx)):
                            value = seeds[z, y, x]
                            if value == 0:
                                continue
                            k = 0
                            while k < n and values[k] != value:
                                k += 1
                            if k == n:
                                values[n] = value
                                counts[n] = 0
                                n += 1
                            counts[k] += 1
                best = 0
                for k in range(1, n):
                    if counts[k] > counts[best] or (counts[k] == counts[best]
                                                    and values[k] < values[best]):
                        best = k
                out[cz, cy, cx] = values[best]


@numba.njit(cache=True, nogil=True)
def _upsample_labels(coarse, seeds, fz, fy, fx, z0, z1, out):
    """Planes z0..z1-1 of ``out``: the seed where there is one, else the coarse label of
    the block (nearest neighbour)."""
    height, width = out.shape[1], out.shape[2]
    for z in range(z0, z1):
        for y in range(height):
            row = coarse[z // fz, y // fy]
            for cx in range(row.size):
                block = row[cx]
                for x in range(cx * fx, min(width, (cx + 1) * fx)):
                    value = seeds[z, y, x]
                    out[z, y, x] = value if value != 0 else block


@dataclass(frozen=True)
class _Quantised:
    """How intensities become integer levels, and the integer cost of each step."""

    low: float
    per_unit: float
    integer: bool
    max_level: int
    scale: int
    step_cost: np.ndarray

    def levels(self, image) -> np.ndarray:
        if self.integer:
            return image.astype(np.int64) - int(self.low)
        return np.rint((image - self.low) * self.per_unit).astype(np.int64)

    @property
    def buckets(self) -> int:
        """A power of two above the dearest single step, for the circular queue."""
        return 1 << int(self.scale * self.max_level + int(self.step_cost.max()) + 1).bit_length()

    def same_costs(self, other: _Quantised) -> bool:
        """Whether both turn intensity differences and steps into the same integer costs
        (the levels may be offset), so that costs of one can continue in the other."""
        return (self.integer == other.integer and self.per_unit == other.per_unit
                and self.scale == other.scale
                and np.array_equal(self.step_cost, other.step_cost))


def _quantise(image, distance_penalty: float, spacing_zyx) -> _Quantised:
    """Integer levels and step costs, chosen so no path cost can overflow int32:
    exact for integer images, 16-bit levels for float images; with a distance penalty
    costs count 1/8 intensity unit."""
    low, high = value_range(image)
    integer = image.dtype.kind in "iub" and high - low <= _FLOAT_LEVELS
    per_unit = 1.0 if integer else _FLOAT_LEVELS / max(high - low, 1e-12)
    max_level = int(round((high - low) * per_unit))
    step_mm = np.sqrt(((_STEPS * np.asarray(spacing_zyx, dtype=np.float64)) ** 2).sum(axis=1))
    longest = max(image.shape)
    scale = 8 if distance_penalty > 0 else 1
    while True:
        step_cost = np.rint(scale * distance_penalty * per_unit * step_mm).astype(np.int64)
        max_edge = scale * max_level + int(step_cost.max())
        if scale == 1 or (max_edge + 1) * (longest + 1) < _MAX_DISTANCE:
            return _Quantised(low, per_unit, integer, max_level, scale, step_cost)
        scale //= 2


def _seed_labels(seeds) -> np.ndarray:
    """The distinct non-zero seed values, sorted (one pass for <= 16-bit seeds)."""
    xp = get_array_module(seeds)
    if xp is not np:
        values = to_host(xp.unique(seeds))
    elif seeds.dtype in SMALL_INTEGERS:
        values = distinct_values(seeds)
    else:
        values = np.unique(seeds)
    return values[values != 0].astype(seeds.dtype)


def _check_labels(values: np.ndarray) -> None:
    if values.size < 2:
        raise ValueError("GrowCut needs seeds of at least two labels")
    if values.size > 255:
        raise ValueError("GrowCut supports at most 255 seed labels")


def _owner_table(seeds, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Seeds recoded for :func:`_fill_slab`: an array to index a uint8 table with, and
    the table (1-based index of each seed value in ``values``, 0 for unseeded).

    Seeds of <= 16-bit values index the table directly; others are first replaced by
    their owner index (one extra pass, and a 1-byte copy of the seeds).
    """
    if values[-1] < 2**16 and values[0] >= 0 and seeds.dtype.kind in "uib":
        table = np.zeros(int(values[-1]) + 1, np.uint8)
        table[values] = np.arange(1, values.size + 1)
        if seeds.dtype.itemsize <= 2:
            return seeds, table
        return table[seeds], np.arange(256, dtype=np.uint8)
    owners = ((np.searchsorted(values, seeds) + 1) * (seeds != 0)).astype(np.uint8)
    return owners, np.arange(256, dtype=np.uint8)


def _thread_count() -> int:
    """The threads the CPU path may use (numba's setting, which the user can lower)."""
    return numba.get_num_threads()


def _slab_plan(shape: tuple[int, ...], slabs: int | None) -> tuple[int, list[tuple[int, int]]]:
    """The axis and the ranges along it solved in parallel.

    Default: one slab per CPU thread, none thinner than 16 planes, along the axis that
    allows the most slabs (Z when it ties): a thin volume (a 20-slice CT) is cut along
    Y instead of running on one thread. ``slabs`` given: that many along Z (tests).
    """
    if slabs is not None:
        axis, count = 0, max(1, min(slabs, shape[0]))
    else:
        threads = _thread_count()
        counts = [max(1, min(threads, n // _MIN_SLAB)) for n in shape]
        axis = int(np.argmax(counts))
        count = counts[axis]
    cuts = np.linspace(0, shape[axis], count + 1).round().astype(int)
    return axis, list(zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True))


def _region(axis: int, start: int, stop: int) -> tuple[slice, ...]:
    """Slices of one slab inside the box."""
    return tuple(slice(start, stop) if a == axis else slice(None) for a in range(3))


def _seed_bounding_box(seeds) -> tuple[slice, ...] | None:
    """The seeds' bounding box: one threaded pass on the CPU (``bounding_box`` reads the
    array once per axis)."""
    if get_array_module(seeds) is not np:
        return bounding_box(seeds)
    depth = seeds.shape[0]
    count = max(1, min(_thread_count(), depth // 4))
    cuts = np.linspace(0, depth, count + 1).round().astype(int).tolist()
    boxes = _map_threads(lambda z0, z1: _nonzero_box_span(seeds, z0, z1), cuts[:-1], cuts[1:])
    lows = np.min([b[0::2] for b in boxes], axis=0)
    highs = np.max([b[1::2] for b in boxes], axis=0)
    if highs[0] < 0:
        return None
    return tuple(slice(int(lo), int(hi) + 1) for lo, hi in zip(lows, highs, strict=True))


def _margin_box(seed_box: tuple[slice, ...] | None, margin: int | None,
                shape: tuple[int, ...]) -> tuple[slice, ...]:
    if margin is None or seed_box is None:
        return tuple(slice(0, n) for n in shape)
    return tuple(slice(max(0, s.start - margin), min(n, s.stop + margin))
                 for s, n in zip(seed_box, shape, strict=True))


def growcut_box(seeds, margin: int | None) -> tuple[slice, ...]:
    """The box :func:`growcut` and :func:`growcut_coarse` compute on: the seeds'
    bounding box plus ``margin`` voxels, or the whole volume (``margin`` None)."""
    return _margin_box(_seed_bounding_box(seeds) if margin is not None else None, margin,
                       seeds.shape)


def box_contains(outer: tuple[slice, ...], inner: tuple[slice, ...]) -> bool:
    """Whether box ``inner`` lies within box ``outer`` (False when they differ in rank)."""
    return len(outer) == len(inner) and all(
        o.start <= i.start and i.stop <= o.stop for o, i in zip(outer, inner, strict=True))


def _use_relaxation(image) -> bool:
    """Whether ``image`` lives on the GPU, where the parallel relaxation runs."""
    return get_array_module(image) is not np


def growcut(image, seeds, spacing_zyx=(1.0, 1.0, 1.0), distance_penalty: float = 0.0,
            margin: int | None = None, previous: GrowCutResult | None = None, *,
            slabs: int | None = None) -> GrowCutResult:
    """Label every voxel with the seed label that reaches it at the lowest path cost.

    Parameters
    ----------
    image : (z, y, x) array
        Intensities (any real dtype).
    seeds : (z, y, x) integer array
        0 = unlabeled, otherwise the label value; at least two distinct labels.
    spacing_zyx : mm per voxel, used by the distance penalty.
    distance_penalty : intensity units per mm added to every step, so that far seeds
        lose against near ones in flat regions (0: pure intensity, as FastGrowCut).
    margin : voxels around the seeds' bounding box to compute on; None: whole volume.
        Voxels outside that box get label 0.
    previous : the result of the last call on the *same image* with the same
        parameters. When the new seeds only add voxels to the old ones (a new scribble,
        possibly of a new label), only the region the new seeds win is recomputed; the
        previous result's arrays are taken over (do not use it afterwards, except its
        ``labels``). Otherwise everything is recomputed, and the result's ``reason``
        says why.
    slabs : Z slabs solved in parallel on the CPU (default: one per numba thread, along
        the axis that allows the most). The result does not depend on it.

    Returns a :class:`GrowCutResult`: ``labels`` is the label map, ``path`` and
    ``reason`` say whether the run was incremental and, if not, why.
    """
    if image.shape != seeds.shape or image.ndim != 3:
        raise ValueError("image and seeds must be 3D arrays of the same shape")
    relaxed = _use_relaxation(image)
    key = (image.shape, tuple(map(float, spacing_zyx)), float(distance_penalty), margin,
           np.dtype(seeds.dtype).str)
    reason = _why_not_continue(previous, key, "gpu" if relaxed else "cpu")
    if not reason:
        attempt = _try_continue_relaxed if relaxed else _try_continue
        rerun = attempt(previous, image, seeds, spacing_zyx, distance_penalty, margin, slabs)
        if isinstance(rerun, GrowCutResult):
            return rerun
        reason = rerun
    values = _seed_labels(seeds)
    _check_labels(values)
    seed_box = _seed_bounding_box(seeds) if margin is not None else None
    box = _margin_box(seed_box, margin, image.shape)
    if relaxed:
        return _full_relaxed(image, seeds, box, seed_box, values, spacing_zyx, distance_penalty,
                             key, reason)
    quantised = _quantise(image[box], distance_penalty, spacing_zyx)
    result, sources = _fill(image, seeds, box, seed_box, values, quantised, key, slabs, reason)
    _solve(result, sources, seeds.dtype, image.shape)
    return result


def _why_not_continue(previous: GrowCutResult | None, key: tuple, device: str) -> str:
    """Why ``previous`` cannot be continued from at all; empty when it may be."""
    if previous is None:
        return FIRST_RUN
    if previous.device != device:
        return OTHER_DEVICE
    if previous._key != key:
        return PARAMETERS_CHANGED
    if previous._spent:
        return ALREADY_CONTINUED
    return ""


def _fill(image, seeds, box, seed_box, values, quantised: _Quantised, key: tuple,
          slabs: int | None, reason: str) -> tuple[GrowCutResult, list[np.ndarray]]:
    """A fresh CPU state for ``box``: slabs filled in their threads, and the seeds."""
    image_box, seeds_box = image[box], seeds[box]
    axis, bounds = _slab_plan(image_box.shape, slabs)

    def fill(start: int, stop: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        region = _region(axis, start, stop)
        copy = seeds_box[region].copy()  # a copy: the caller may paint into seeds next
        coded, owner_of = _owner_table(copy, values)
        keys = np.empty(tuple(n + 2 for n in copy.shape), np.int64)
        found = _fill_slab(image_box[region], quantised.low, quantised.per_unit,
                           quantised.integer, coded, owner_of, keys)
        return copy, keys, found

    copies, keys, sources = zip(*_map_threads(fill, *zip(*bounds, strict=True)), strict=True)
    result = GrowCutResult(labels=np.zeros(0, seeds.dtype), box=box, path=FULL, reason=reason,
                           device="cpu", _seeds=list(copies), _values=values, _slabs=list(keys),
                           _axis=axis, _bounds=bounds, _quantised=quantised, _key=key,
                           _seed_box=seed_box)
    return result, list(sources)


def _try_continue(previous: GrowCutResult, image, seeds, spacing_zyx, distance_penalty: float,
                  margin: int | None, slabs: int | None) -> GrowCutResult | str:
    """The incremental CPU re-run, or why it is not possible."""
    if margin is not None:
        seed_box = _seed_bounding_box(seeds)
        if seed_box is None or not box_contains(seed_box, previous._seed_box):
            return SEED_REMOVED  # the old box's extreme seeds are gone
        box = _margin_box(seed_box, margin, seeds.shape)
    else:
        seed_box, box = None, previous.box
    old_box = seeds[previous.box]
    regions = [_region(previous._axis, start, stop) for start, stop in previous._bounds]
    changes = _map_threads(lambda region, old: _changed_voxels(old_box[region], old),
                           regions, previous._seeds)
    if any(replaced for _, replaced in changes):
        return SEED_REMOVED
    if box != previous.box:
        return _grow(previous, image, seeds, box, seed_box, spacing_zyx, distance_penalty,
                     slabs)
    added = [index for index, _ in changes]
    new_values = [old_box[region][index] for region, index in zip(regions, added, strict=True)]
    values = np.union1d(previous._values, np.concatenate(new_values)).astype(seeds.dtype)
    _check_labels(values)
    if values.size != previous._values.size:
        _recode_owners(previous._slabs, previous._values, values, np)
    sources = []
    for slab, copy, index, written in zip(previous._slabs, previous._seeds, added, new_values,
                                          strict=True):
        copy[index] = written  # our own copy, kept for the next re-run
        flat = np.ravel_multi_index(tuple(i + 1 for i in index), slab.shape)
        keys = slab.reshape(-1)
        current = keys[flat]
        seeded = (current & _LEVEL_BITS) | (np.searchsorted(values, written) + 1)
        keys[flat] = np.minimum(current, seeded)  # a cost-0 lower label may hold it already
        sources.append(flat)  # an unchanged key is skipped as stale; the label is rewritten
    previous._spent = True
    result = GrowCutResult(labels=previous.labels, box=box, path=INCREMENTAL, reason="",
                           device="cpu", _seeds=previous._seeds, _values=values,
                           _slabs=previous._slabs, _axis=previous._axis,
                           _bounds=previous._bounds, _quantised=previous._quantised,
                           _key=previous._key, _seed_box=seed_box)
    _solve(result, sources, seeds.dtype, seeds.shape, base=previous.labels, all_cuts=False)
    return result


def _recode_owners(slabs: list, old_values: np.ndarray, values: np.ndarray, xp) -> None:
    """Renumber the owners in ``slabs`` from indices in ``old_values`` to indices in
    ``values`` (a superset: a new label came in). The order is kept, so the lower label
    still wins ties; padding (owner bits 255 on the CPU, 0 on the GPU) is unchanged."""
    table = np.arange(256, dtype=np.int64)
    table[1:old_values.size + 1] = np.searchsorted(values, old_values) + 1
    table = xp.asarray(table)
    chunk = 1 << 20

    def recode(slab) -> None:
        flat = slab.reshape(-1)
        for start in range(0, flat.size, chunk):
            part = flat[start:start + chunk]
            part[...] = (part & ~255) | table[part & 255]

    if xp is np:
        _map_threads(recode, slabs)
    else:
        for slab in slabs:
            slab[...] = (slab & ~255) | table[slab & 255]


def _grow(previous: GrowCutResult, image, seeds, box, seed_box, spacing_zyx,
          distance_penalty: float, slabs: int | None) -> GrowCutResult | str:
    """Continue in a larger box: the old costs (exact paths inside the old box, so upper
    bounds in the new one) are copied in, and Dijkstra restarts from every seed and from
    the old box's faces towards the new space, the only places a cheaper path can
    enter from. Needs the same integer costs in both boxes."""
    quantised = _quantise(image[box], distance_penalty, spacing_zyx)
    if not quantised.same_costs(previous._quantised):
        return BOX_GREW
    values = _seed_labels(seeds)
    _check_labels(values)
    result, sources = _fill(image, seeds, box, seed_box, values, quantised, previous._key,
                            slabs, "")
    result.path = INCREMENTAL
    old = tuple(slice(p.start - b.start, p.stop - b.start)
                for p, b in zip(previous.box, box, strict=True))
    if values.size != previous._values.size:
        _recode_owners(previous._slabs, previous._values, values, np)
        previous._values = values  # its owners now index these
    _copy_costs(previous, old, result)
    faces = _face_coordinates(old, tuple(b.stop - b.start for b in box))
    for i, flat in enumerate(_slab_indices(result, faces)):
        sources[i] = np.concatenate((sources[i], flat))
    _solve(result, sources, seeds.dtype, seeds.shape)
    return result


def _copy_costs(previous: GrowCutResult, old: tuple[slice, ...], result: GrowCutResult) -> None:
    """Into ``result``'s slabs, at the old box ``old`` (in new box coordinates): the
    cheaper of the fresh key (a seed, or unreached) and the old cost and owner with the
    new level bits."""
    old_shape = tuple(s.stop - s.start for s in old)
    sources = [[(a + o.start, b + o.start) for (a, b), o in zip(extent, old, strict=True)]
               for extent in _extents(previous, old_shape)]

    def copy(new_keys: np.ndarray, target: list[tuple[int, int]]) -> None:
        for old_keys, source in zip(previous._slabs, sources, strict=True):
            common = [(max(t[0], s[0]), min(t[1], s[1])) for t, s in zip(target, source,
                                                                          strict=True)]
            if any(a >= b for a, b in common):
                continue
            for z in range(common[0][0], common[0][1], 8):  # 8 planes: small temporaries
                part = [(z, min(z + 8, common[0][1])), *common[1:]]
                into = new_keys[tuple(slice(a - t[0] + 1, b - t[0] + 1)
                                      for (a, b), t in zip(part, target, strict=True))]
                came = old_keys[tuple(slice(a - s[0] + 1, b - s[0] + 1)
                                      for (a, b), s in zip(part, source, strict=True))]
                np.minimum(into, (came & ~_LEVEL_BITS) | (into & _LEVEL_BITS), out=into)

    box_shape = tuple(b.stop - b.start for b in result.box)
    _map_threads(copy, result._slabs, _extents(result, box_shape))


def _extents(result: GrowCutResult, shape: tuple[int, ...]) -> list[list[tuple[int, int]]]:
    """(start, stop) per axis of each slab of ``result`` in a box of ``shape``."""
    extents = []
    for start, stop in result._bounds:
        extent = [(0, n) for n in shape]
        extent[result._axis] = (start, stop)
        extents.append(extent)
    return extents


def _face_coordinates(inner: tuple[slice, ...], shape: tuple[int, ...]
                      ) -> tuple[np.ndarray, ...]:
    """(z, y, x) of the voxels on the faces of ``inner`` that border the rest of a box of
    ``shape``."""
    parts = []
    for axis in range(3):
        for at, outside in ((inner[axis].start, inner[axis].start > 0),
                            (inner[axis].stop - 1, inner[axis].stop < shape[axis])):
            if not outside:
                continue
            ranges = [np.arange(s.start, s.stop) for s in inner]
            ranges[axis] = np.array([at])
            parts.append(np.stack([g.reshape(-1) for g in np.meshgrid(*ranges, indexing="ij")]))
    joined = np.concatenate(parts, axis=1) if parts else np.zeros((3, 0), np.int64)
    return tuple(joined)


def _slab_indices(result: GrowCutResult, coordinates: tuple[np.ndarray, ...]
                  ) -> list[np.ndarray]:
    """Box coordinates -> flat indices into each padded slab that holds them."""
    axis, found = result._axis, []
    for slab, (start, stop) in zip(result._slabs, result._bounds, strict=True):
        inside = (coordinates[axis] >= start) & (coordinates[axis] < stop)
        padded = [c[inside] + 1 for c in coordinates]
        padded[axis] -= start
        found.append(np.ravel_multi_index(tuple(padded), slab.shape).astype(np.int64))
    return found


_THREADS: ThreadPoolExecutor | None = None


def _map_threads(function, *iterables) -> list:
    """``map`` over a shared pool. The pool has 4 threads per core: a preview asked for
    while an exact re-run still holds one thread per core must not queue behind it."""
    global _THREADS
    if _THREADS is None:
        _THREADS = ThreadPoolExecutor(4 * max(1, os.cpu_count() or 1), "growcut")
    return list(_THREADS.map(function, *iterables))


def _cut_geometry(axis: int, lower_shape: tuple[int, ...], upper_shape: tuple[int, ...],
                  step_cost: np.ndarray) -> tuple:
    """The :func:`_relax_cut` arguments after its two key arrays, for a cut along
    ``axis`` between padded slabs of the given shapes."""
    u, v = (a for a in range(3) if a != axis)

    def strides(shape):
        return (shape[1] * shape[2], shape[2], 1)

    lower, upper = strides(lower_shape), strides(upper_shape)
    cut_steps = np.empty((3, 3), np.int64)
    for di in (-1, 0, 1):
        for dj in (-1, 0, 1):
            step = [0, 0, 0]
            step[axis], step[u], step[v] = 1, di, dj
            cut_steps[di + 1, dj + 1] = step_cost[_STEP_INDEX[tuple(step)]]
    return ((lower_shape[axis] - 2) * lower[axis], upper[axis], lower[u], lower[v], upper[u],
            upper[v], lower_shape[u] - 2, lower_shape[v] - 2, cut_steps)


def _cut_span(axis: int, geometry: tuple, touched: tuple | None) -> tuple[int, int, int, int]:
    """The plane voxels of a cut worth relaxing: all, or those within one voxel of what
    either slab touched (an edge across the cut moves at most one voxel sideways)."""
    size_u, size_v = geometry[6], geometry[7]
    if touched is None:
        return 1, size_u, 1, size_v
    u, v = (a for a in range(3) if a != axis)
    lower, upper = touched
    return (max(1, min(lower[2 * u], upper[2 * u]) - 1),
            min(size_u, max(lower[2 * u + 1], upper[2 * u + 1]) + 1),
            max(1, min(lower[2 * v], upper[2 * v]) - 1),
            min(size_v, max(lower[2 * v + 1], upper[2 * v + 1]) + 1))


def _index_box(flat: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """The box of flat indices into a padded slab, as :func:`_propagate`'s ``touched``."""
    if flat.size == 0:
        return _nothing_touched()
    where = np.unravel_index(flat, shape)
    return np.array([v for c in where for v in (c.min(), c.max())], np.int64)


def _nothing_touched() -> np.ndarray:
    return np.array([2**62, -1, 2**62, -1, 2**62, -1], np.int64)


def _solve(result: GrowCutResult, sources: list[np.ndarray], dtype, shape, base=None,
           all_cuts: bool = True) -> None:
    """Dijkstra in every slab at once, then relax across the cuts; repeat until the
    cuts improve nothing. Then write ``result.labels``: everything, or, from ``base``
    (the previous labels of the same box), only the boxes the slabs touched and those
    of ``sources`` (new seeds whose key did not change still show their label).

    A cut is relaxed when either slab touched its plane in the last round, or in the
    first round when ``all_cuts`` (fresh slabs): elsewhere it is consistent already.
    """
    quantised = result._quantised
    scale, step_cost, buckets = quantised.scale, quantised.step_cost, quantised.buckets
    slabs, axis = result._slabs, result._axis
    cuts = [_cut_geometry(axis, slabs[i].shape, slabs[i + 1].shape, step_cost)
            for i in range(len(slabs) - 1)]
    touched = [_nothing_touched() if base is None else _index_box(queued, slab.shape)
               for queued, slab in zip(sources, slabs, strict=True)]
    forced = all_cuts
    while True:
        rounds = [_nothing_touched() for _ in slabs]
        busy = [i for i, queued in enumerate(sources) if queued.size]
        if len(busy) == 1:
            i = busy[0]
            _dijkstra(slabs[i], sources[i], step_cost, scale, buckets, rounds[i])
        elif busy:
            _map_threads(lambda i, queued=sources, found=rounds: _dijkstra(
                slabs[i], queued[i], step_cost, scale, buckets, found[i]), busy)
        for total, last in zip(touched, rounds, strict=True):
            total[0::2] = np.minimum(total[0::2], last[0::2])
            total[1::2] = np.maximum(total[1::2], last[1::2])
        sources = [np.empty(0, np.int64) for _ in slabs]
        for i, geometry in enumerate(cuts):
            last_plane = slabs[i].shape[axis] - 2
            if not (forced or rounds[i][2 * axis + 1] == last_plane
                    or rounds[i + 1][2 * axis] == 1):
                continue
            span = _cut_span(axis, geometry, None if forced else (rounds[i], rounds[i + 1]))
            lower, upper = _relax_cut(slabs[i].reshape(-1), slabs[i + 1].reshape(-1), *geometry,
                                      scale, *span)
            sources[i] = np.concatenate((sources[i], lower))
            sources[i + 1] = np.concatenate((sources[i + 1], upper))
        forced = False
        if not any(queued.size for queued in sources):
            break
    table = np.concatenate(([0], result._values)).astype(dtype)
    if base is None:
        labels = np.zeros(shape, dtype)
        touched = [np.array([v for n in slab.shape for v in (1, n - 2)]) for slab in slabs]
    else:
        labels = _copy(base)
    inside = labels[result.box]

    def write(keys: np.ndarray, seeds: np.ndarray, start: int, stop: int, box: np.ndarray
              ) -> None:
        if box[1] < box[0]:
            return
        out = inside[_region(axis, start, stop)][box[0] - 1:box[1], box[2] - 1:box[3],
                                                 box[4] - 1:box[5]]
        _write_labels(keys, table, seeds, out, box[0], box[2], box[4])

    _map_threads(write, slabs, result._seeds, *zip(*result._bounds, strict=True), touched)
    result.labels = labels


def _copy(array: np.ndarray) -> np.ndarray:
    """A copy made by all threads (NumPy copies release the GIL): twice as fast on two
    cores, and the previous labels of a 512x512x300 box are copied at every re-run."""
    out = np.empty_like(array)
    _map_threads(lambda start, stop: np.copyto(out[start:stop], array[start:stop]),
                 *_chunks(array.shape[0]))
    return out


def _dijkstra(keys: np.ndarray, sources: np.ndarray, step_cost, scale: int, buckets: int,
              touched: np.ndarray) -> None:
    """Run :func:`_propagate` on one padded slab, enlarging the block pool as it asks."""
    flat = keys.reshape(-1)
    costs = flat[sources] >> _COST_SHIFT
    order = np.argsort(costs, kind="stable")
    sources, costs = sources[order], costs[order]
    offsets = (_STEPS * np.array([keys.shape[1] * keys.shape[2], keys.shape[2], 1])).sum(1)
    heads = np.full(buckets, -1, np.int32)
    blocks = max(_MIN_BLOCKS, flat.size // _VOXELS_PER_BLOCK)
    data = np.empty((blocks, _BLOCK), np.int32)
    nxt, cnt = np.empty(blocks, np.int32), np.empty(blocks, np.int32)
    state = np.array([costs[0], 0, -1, 0, 0, 0], np.int64)
    plane, row = keys.shape[1] * keys.shape[2], keys.shape[2]
    while not _propagate(flat, sources, costs, offsets, step_cost, scale,
                         heads, data, nxt, cnt, state, plane, row, touched):
        used, more = int(state[3]), 2 * data.shape[0] - int(state[3])
        data = np.concatenate((data[:used], np.empty((more, _BLOCK), np.int32)))
        nxt = np.concatenate((nxt[:used], np.empty(more, np.int32)))
        cnt = np.concatenate((cnt[:used], np.empty(more, np.int32)))


# --- GPU path: parallel relaxation -------------------------------------------------------

def _relax(keys, quantised: _Quantised) -> None:
    """Bellman-Ford sweeps over the 26 directions on padded keys (padding: unreached at
    level 0, which never improves anything) until a sweep improves nothing. Works in
    place on either array module; the improvement flag stays on the device until the
    sweep ends, so a sweep waits for the GPU once."""
    xp = get_array_module(keys)
    levels = (keys >> 8) & 0xFFFF
    inner = (slice(1, -1),) * 3
    target, target_levels = keys[inner], levels[inner]
    scale = quantised.scale
    while True:
        improved = xp.zeros((), bool)
        for step, cost in zip(_STEPS, quantised.step_cost, strict=True):
            source = tuple(slice(1 + d, n - 1 + d) for d, n in zip(step, keys.shape,
                                                                   strict=True))
            came = keys[source]
            candidate = (came >> _COST_SHIFT) + xp.abs(target_levels - levels[source]) * scale
            candidate += int(cost)
            candidate <<= _COST_SHIFT
            candidate |= (target & _LEVEL_BITS) | (came & 255)
            improved |= (candidate < target).any()
            xp.minimum(target, candidate, out=target)
        if not bool(improved):
            return


def _relaxed_result(keys, seeds_box, values, box, seed_box, quantised, key, dtype, shape,
                    path: str, reason: str) -> GrowCutResult:
    xp = get_array_module(keys)
    table = xp.asarray(np.concatenate(([0], values)).astype(dtype))
    labels = xp.zeros(shape, dtype)
    labels[box] = xp.where(seeds_box != 0, seeds_box, table[keys[1:-1, 1:-1, 1:-1] & 255])
    return GrowCutResult(labels=labels, box=box, path=path, reason=reason, device="gpu",
                         _seeds=[seeds_box], _values=values, _slabs=[keys], _axis=0,
                         _bounds=[(0, seeds_box.shape[0])], _quantised=quantised, _key=key,
                         _seed_box=seed_box)


def _full_relaxed(image, seeds, box, seed_box, values, spacing_zyx, distance_penalty: float,
                  key: tuple, reason: str) -> GrowCutResult:
    """GPU path: parallel relaxation of the same integer keys until nothing improves."""
    xp = get_array_module(image)
    image_box = image[box]
    quantised = _quantise(image_box, distance_penalty, spacing_zyx)
    seeds_box = seeds[box].copy()
    owner = (xp.searchsorted(xp.asarray(values), seeds_box) + 1).astype(xp.int64)
    keys = xp.full(tuple(n + 2 for n in seeds_box.shape), _UNREACHED, xp.int64)
    keys[1:-1, 1:-1, 1:-1] = (xp.asarray(quantised.levels(image_box)) << 8) | xp.where(
        seeds_box != 0, owner, _UNREACHED)
    _relax(keys, quantised)
    return _relaxed_result(keys, seeds_box, values, box, seed_box, quantised, key, seeds.dtype,
                           image.shape, FULL, reason)


def _growcut_relaxed(image, seeds, box, values, spacing_zyx, distance_penalty, key):
    """The GPU path's full run on any array module (tests compare it on the CPU)."""
    return _full_relaxed(image, seeds, box, None, values, spacing_zyx, distance_penalty, key,
                         FIRST_RUN)


def _try_continue_relaxed(previous: GrowCutResult, image, seeds, spacing_zyx,
                          distance_penalty: float, margin: int | None, slabs: int | None
                          ) -> GrowCutResult | str:
    """The GPU re-run: relaxation from the previous keys with the added seeds at cost 0
    (the minimum of old and new costs is the answer, and relaxation reaches it from any
    start made of real path costs). A grown box is a full run on the GPU."""
    xp = get_array_module(seeds)
    box, seed_box = previous.box, None
    if margin is not None:
        seed_box = bounding_box(seeds)
        if seed_box is None or not box_contains(seed_box, previous._seed_box):
            return SEED_REMOVED
        box = _margin_box(seed_box, margin, seeds.shape)
    new, old = seeds[previous.box], previous._seeds[0]
    changed = new != old
    if bool((changed & (old != 0)).any()):
        return SEED_REMOVED
    if box != previous.box:
        return BOX_GREW
    added = xp.nonzero(changed)
    written = new[added]
    values = np.union1d(previous._values, _seed_labels(written)).astype(seeds.dtype)
    _check_labels(values)
    keys = previous._slabs[0]
    if values.size != previous._values.size:
        _recode_owners([keys], previous._values, values, xp)
    old[added] = written
    inner = keys[1:-1, 1:-1, 1:-1]
    current = inner[added]
    owners = xp.searchsorted(xp.asarray(values), written) + 1
    inner[added] = xp.minimum(current, (current & _LEVEL_BITS) | owners)
    _relax(keys, previous._quantised)
    previous._spent = True
    return _relaxed_result(keys, old, values, box, seed_box, previous._quantised, previous._key,
                           seeds.dtype, seeds.shape, INCREMENTAL, "")


# --- Coarse preview -----------------------------------------------------------------------

def coarse_factors(shape: tuple[int, ...], factor=None) -> tuple[int, int, int]:
    """Per-axis block sizes: ``factor`` (an int or three), or the smallest integer that
    brings the box to about :data:`_COARSE_VOXELS`; never more than an axis is long."""
    if factor is None:
        factor = max(1, math.ceil((math.prod(shape) / _COARSE_VOXELS) ** (1 / 3) - 1e-9))
    factors = (factor,) * 3 if np.ndim(factor) == 0 else tuple(factor)
    return tuple(max(1, min(int(f), n)) for f, n in zip(factors, shape, strict=True))


def _chunks(count: int) -> tuple[list[int], list[int]]:
    """Starts and stops splitting ``count`` planes between the threads."""
    parts = max(1, min(_thread_count(), count))
    cuts = np.linspace(0, count, parts + 1).round().astype(int).tolist()
    return cuts[:-1], cuts[1:]


def coarse_image(image, factors: tuple[int, int, int]) -> np.ndarray:
    """``image`` block-averaged by ``factors``: rounded to its own dtype for integer
    images (GrowCut's exact integer costs), float32 otherwise."""
    shape = tuple(-(-n // f) for n, f in zip(image.shape, factors, strict=True))
    integer = image.dtype.kind in "iu"
    out = np.empty(shape, image.dtype if integer else np.float32)
    kind = np.int64 if integer else np.float64
    _map_threads(lambda c0, c1: _block_mean(image, *factors, c0, c1, integer,
                                            np.empty(shape[1:], kind), out), *_chunks(shape[0]))
    return out


def coarse_seeds(seeds, factors: tuple[int, int, int]) -> np.ndarray:
    """``seeds`` reduced by ``factors``: each block's seed label (the majority where
    labels meet), 0 for a block without seeds."""
    shape = tuple(-(-n // f) for n, f in zip(seeds.shape, factors, strict=True))
    out = np.empty(shape, seeds.dtype)
    _map_threads(lambda c0, c1: _block_seeds(seeds, *factors, c0, c1, out), *_chunks(shape[0]))
    return out


def growcut_coarse(image, seeds, spacing_zyx=(1.0, 1.0, 1.0), distance_penalty: float = 0.0,
                   margin: int | None = None, factor: int | tuple[int, int, int] | None = None
                   ) -> np.ndarray:
    """A quick approximate GrowCut label map, to show while the exact re-run computes.

    Same arguments and same output as ``growcut(...).labels`` (the image's shape, the
    seeds' dtype, 0 outside the seeds' box plus ``margin``), computed on the box
    block-averaged by ``factor`` (default: the smallest integer that leaves about a
    million voxels, 4 on a 512x512x300 CT) and brought back by nearest neighbour; seed
    voxels keep their label. Exact when ``factor`` is 1. Blocks holding seeds of
    several labels take the majority; when that would leave fewer than two labels the
    factor is lowered. Arrays on the GPU are brought to the host.
    """
    image, seeds = to_host(image), to_host(seeds)
    if image.shape != seeds.shape or image.ndim != 3:
        raise ValueError("image and seeds must be 3D arrays of the same shape")
    box = growcut_box(seeds, margin)
    image_box, seeds_box = image[box], seeds[box]
    factors = coarse_factors(image_box.shape, factor)
    while max(factors) > 1:
        small_seeds = coarse_seeds(seeds_box, factors)
        if _seed_labels(small_seeds).size >= 2:
            break
        factors = tuple(max(1, f - 1) for f in factors)
    else:
        return growcut(image, seeds, spacing_zyx, distance_penalty, margin).labels
    spacing = tuple(float(s) * f for s, f in zip(spacing_zyx, factors, strict=True))
    small = growcut(coarse_image(image_box, factors), small_seeds, spacing,
                    distance_penalty).labels
    labels = np.zeros(image.shape, seeds.dtype)
    upsample_labels(small, seeds_box, factors, labels[box])
    return labels


def upsample_labels(small, seeds, factors: tuple[int, int, int], out) -> None:
    """Write into ``out`` (the shape of ``seeds``) the coarse label map ``small`` brought
    back by nearest neighbour, with the voxels of ``seeds`` keeping their seed label."""
    _map_threads(lambda z0, z1: _upsample_labels(small, seeds, *factors, z0, z1, out),
                 *_chunks(out.shape[0]))
