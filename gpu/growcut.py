"""GrowCut: every voxel takes the label of the seed that reaches it at the lowest cost.

Semantics (the "fast GrowCut" of Zhu et al. 2014, as 3D Slicer's Grow from seeds and
``itk-growcut``'s FastGrowCut): a path between 26-neighbours p -> q costs
``|I(p) - I(q)| + distance_penalty * |p - q|_mm``; each voxel gets the label of the seed
with the cheapest path to it (a Dijkstra competition started from all seeds at once).
Seed voxels keep their label; a voxel two seeds reach at the same cost goes to the lower
label, whatever the visiting order.

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
- the volume is cut into one slab along Z per CPU thread. Each slab runs its own
  Dijkstra in a thread (numba releases the GIL); then the two planes at every cut are
  relaxed across, the voxels that improved are queued, and the slabs run again until
  no cut improves anything. That is a correct shortest-path computation in any order,
  so the result equals the one-slab run exactly.

Incremental re-run: after the user adds a scribble, the old costs are still exact for
the old seeds, and the new answer is the minimum of them and the costs from the new
seeds. So only the new seeds are queued on top of the previous state, and only the
voxels they win are visited. Pass the previous result back as ``previous``.

GPU path: the same integer costs relaxed in parallel over the whole box until nothing
changes (Bellman-Ford sweeps over the 26 directions). It converges to the same
costs and labels as Dijkstra.
"""

from __future__ import annotations

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
_FLOAT_LEVELS = 65535
_MAX_DISTANCE = 2**31 - 1
#: Key layout: cost in bits 24 and up, intensity level in bits 8-23, owner in bits 0-7.
_COST_SHIFT = 24
_BLOCK = 128
#: The queue's first pool: one block per this many voxels (a CT-like 256^3 run needs
#: about one per 400), doubled whenever Dijkstra runs short; never below one pop's need.
_VOXELS_PER_BLOCK = 256
_MIN_BLOCKS = 64
#: Index in _STEPS of the step (dz=+1, dy=-1, dx=-1); the nine dz=+1 steps follow it.
_FIRST_UP_STEP = 17
#: Indices in _STEPS of the nine steps with dx = -1: the first voxel of each neighbour row.
_ROW_STARTS = (0, 3, 6, 9, 12, 14, 17, 20, 23)


@dataclass
class GrowCutResult:
    """A GrowCut label map and the state an incremental re-run continues from.

    ``labels`` has the image's shape and the seeds' dtype; outside ``box`` (the seeds'
    bounding box plus margin) it is 0. The private arrays are reused, not copied, by the
    next :func:`growcut` call that receives this result as ``previous``.
    """

    labels: np.ndarray
    box: tuple[slice, ...]
    _seeds: np.ndarray = field(repr=False)
    _values: np.ndarray = field(repr=False)
    _slabs: list = field(repr=False)
    _quantised: _Quantised = field(repr=False)
    _key: tuple = field(repr=False)

    def path_costs(self):
        """Quantised cost of the cheapest seed path to each voxel of ``box``."""
        inner = [slab[1:-1, 1:-1, 1:-1] for slab in self._slabs]
        return get_array_module(inner[0]).concatenate(inner) >> _COST_SHIFT


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
               heads, data, nxt, cnt, state):
    """Dijkstra with a circular bucket queue over one slab's flat, padded keys.

    ``sources`` (sorted by ``source_costs``) enter the queue when the front reaches
    their cost. A popped entry whose key no longer holds the bucket's cost is stale
    (the voxel was improved and queued again) and is skipped. Padding keys are -1, so
    no candidate (>= 0) ever beats them and the neighbour offsets need no bounds checks.

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
def _relax_cut(lower, upper, step_cost, scale):
    """Relax the 9 edges from every voxel of ``lower``'s last plane into ``upper``'s first
    plane, both ways. Returns the flat indices of the voxels improved in each slab."""
    plane_l, plane_u = lower.shape[0] - 2, 1
    height, width = lower.shape[1] - 2, lower.shape[2] - 2
    improved_l = np.zeros((height + 2, width + 2), np.bool_)
    improved_u = np.zeros((height + 2, width + 2), np.bool_)
    for y in range(1, height + 1):
        for x in range(1, width + 1):
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    step = step_cost[_FIRST_UP_STEP + (dy + 1) * 3 + dx + 1]
                    a = lower[plane_l, y, x]
                    b = upper[plane_u, y + dy, x + dx]
                    if b < 0:
                        continue
                    weight = abs(((a >> 8) & 0xFFFF) - ((b >> 8) & 0xFFFF)) * scale + step
                    from_b = (((b >> 24) + weight) << 24) | (a & 0xFFFF00) | (b & 255)
                    if from_b < a:
                        lower[plane_l, y, x] = from_b
                        improved_l[y, x] = True
                        a = from_b
                    from_a = (((a >> 24) + weight) << 24) | (b & 0xFFFF00) | (a & 255)
                    if from_a < b:
                        upper[plane_u, y + dy, x + dx] = from_a
                        improved_u[y + dy, x + dx] = True
    plane_size = (height + 2) * (width + 2)
    return (np.flatnonzero(improved_l.reshape(-1)) + plane_l * plane_size,
            np.flatnonzero(improved_u.reshape(-1)) + plane_u * plane_size)


@numba.njit(cache=True, nogil=True)
def _write_labels(keys, table, out):
    """``out[...] = table[owner]`` for the inner voxels of one padded slab."""
    for z in range(out.shape[0]):
        for y in range(out.shape[1]):
            for x in range(out.shape[2]):
                out[z, y, x] = table[keys[z + 1, y + 1, x + 1] & 255]


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


def _seed_labels(seeds: np.ndarray) -> np.ndarray:
    """The distinct non-zero seed values, sorted (one pass for <= 16-bit seeds)."""
    if seeds.dtype in SMALL_INTEGERS:
        values = distinct_values(seeds)
    else:
        values = np.unique(seeds)
    return values[values != 0].astype(seeds.dtype)


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


def _slab_bounds(depth: int, slabs: int | None) -> list[tuple[int, int]]:
    """Z ranges solved in parallel: one per CPU thread, none thinner than 16 planes."""
    count = slabs if slabs is not None else numba.get_num_threads()
    count = max(1, min(count, depth // 16 if slabs is None else depth))
    cuts = np.linspace(0, depth, count + 1).round().astype(int)
    return list(zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True))


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
        parameters. When the new seeds only add voxels to the old ones (a new scribble)
        and fit in the old box, only the region the new seeds win is recomputed; the
        previous result's arrays are taken over (do not use it afterwards). Otherwise it
        is ignored and everything is recomputed.
    slabs : Z slabs solved in parallel on the CPU (default: one per numba thread). The
        result does not depend on it.

    Returns a :class:`GrowCutResult` whose ``labels`` is the label map.
    """
    if image.shape != seeds.shape or image.ndim != 3:
        raise ValueError("image and seeds must be 3D arrays of the same shape")
    values = _seed_labels(to_host(seeds))
    if values.size < 2:
        raise ValueError("GrowCut needs seeds of at least two labels")
    if values.size > 255:
        raise ValueError("GrowCut supports at most 255 seed labels")
    key = (image.shape, tuple(map(float, spacing_zyx)), float(distance_penalty), margin)
    if margin is not None:
        box = tuple(slice(max(0, s.start - margin), min(n, s.stop + margin))
                    for s, n in zip(bounding_box(seeds), image.shape, strict=True))
    else:
        box = tuple(slice(0, n) for n in image.shape)
    if get_array_module(image) is not np:
        return _growcut_relaxed(image, seeds, box, values, spacing_zyx, distance_penalty, key)
    added = _added_seeds(previous, key, seeds, box, values)
    if added is not None:
        return _continue(previous, seeds, added)
    image_box = image[box]
    quantised = _quantise(image_box, distance_penalty, spacing_zyx)
    seeds_box = seeds[box].copy()  # a copy: the caller may paint into seeds next
    coded, owner_of = _owner_table(seeds_box, values)
    height, width = seeds_box.shape[1:]
    bounds = _slab_bounds(seeds_box.shape[0], slabs)
    keys = [np.empty((z1 - z0 + 2, height + 2, width + 2), np.int64) for z0, z1 in bounds]

    def fill(slab: np.ndarray, z0: int, z1: int) -> np.ndarray:
        return _fill_slab(image_box[z0:z1], quantised.low, quantised.per_unit,
                          quantised.integer, coded[z0:z1], owner_of, slab)

    sources = _map_threads(fill, keys, *zip(*bounds, strict=True))
    result = GrowCutResult(np.zeros(0, seeds.dtype), box, seeds_box, values, keys, quantised,
                           key)
    return _solve(result, sources, seeds.dtype, image.shape)


def _added_seeds(previous: GrowCutResult | None, key: tuple, seeds, box, values
                 ) -> tuple[np.ndarray, ...] | None:
    """Indices (in ``previous.box``) of the seed voxels added since ``previous``, or None
    when the new seeds are not the old ones plus additions (then everything reruns)."""
    if previous is None or previous._key != key:
        return None
    if any(s.start < p.start or s.stop > p.stop for s, p in zip(box, previous.box, strict=True)):
        return None
    if not np.isin(values, previous._values).all():
        return None
    added, replaced = _changed_voxels(seeds[previous.box], previous._seeds)
    return None if replaced else added


@numba.njit(cache=True)
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


def _continue(previous: GrowCutResult, seeds, added: tuple[np.ndarray, ...]) -> GrowCutResult:
    """Queue the added seed voxels at cost 0 on top of the previous costs."""
    new_values = seeds[previous.box][added]
    previous._seeds[added] = new_values  # our own copy, kept for the next re-run
    coded, owner_of = _owner_table(new_values, previous._values)
    owners = owner_of[coded]
    sources, z0 = [], 0
    for slab in previous._slabs:
        z1 = z0 + slab.shape[0] - 2
        inside = (added[0] >= z0) & (added[0] < z1)
        flat = np.ravel_multi_index((added[0][inside] - z0 + 1, added[1][inside] + 1,
                                     added[2][inside] + 1), slab.shape)
        keys = slab.reshape(-1)
        keys[flat] = (keys[flat] & 0xFFFF00) | owners[inside]
        sources.append(flat)
        z0 = z1
    return _solve(previous, sources, seeds.dtype, seeds.shape)


_THREADS: ThreadPoolExecutor | None = None


def _map_threads(function, *iterables) -> list:
    global _THREADS
    if _THREADS is None:
        _THREADS = ThreadPoolExecutor(max(1, os.cpu_count() or 1), "growcut")
    return list(_THREADS.map(function, *iterables))


def _solve(result: GrowCutResult, sources: list[np.ndarray], dtype, shape) -> GrowCutResult:
    """Dijkstra in every slab at once, then relax across the cuts; repeat until the
    cuts improve nothing."""
    scale, step_cost = result._quantised.scale, result._quantised.step_cost
    buckets = result._quantised.buckets

    def run(keys: np.ndarray, queued: np.ndarray) -> None:
        if queued.size:
            _dijkstra(keys, queued, step_cost, scale, buckets)

    slabs = result._slabs
    while any(s.size for s in sources):
        if len(slabs) == 1:
            run(slabs[0], sources[0])
        else:
            _map_threads(run, slabs, sources)
        sources = [np.empty(0, np.int64) for _ in slabs]
        for i in range(len(slabs) - 1):
            lower, upper = _relax_cut(slabs[i], slabs[i + 1], step_cost, scale)
            sources[i] = np.concatenate((sources[i], lower))
            sources[i + 1] = upper
    table = np.concatenate(([0], result._values)).astype(dtype)
    labels = np.zeros(shape, dtype)
    inside = labels[result.box]
    starts = np.cumsum([0] + [keys.shape[0] - 2 for keys in slabs]).tolist()
    _map_threads(lambda keys, z0: _write_labels(keys, table, inside[z0:z0 + keys.shape[0] - 2]),
                 slabs, starts[:-1])
    result.labels = labels
    return result


def _dijkstra(keys: np.ndarray, sources: np.ndarray, step_cost, scale: int, buckets: int) -> None:
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
    while not _propagate(flat, sources, costs, offsets, step_cost, scale,
                         heads, data, nxt, cnt, state):
        used, more = int(state[3]), 2 * data.shape[0] - int(state[3])
        data = np.concatenate((data[:used], np.empty((more, _BLOCK), np.int32)))
        nxt = np.concatenate((nxt[:used], np.empty(more, np.int32)))
        cnt = np.concatenate((cnt[:used], np.empty(more, np.int32)))


def _growcut_relaxed(image, seeds, box, values, spacing_zyx, distance_penalty, key):
    """GPU path: parallel relaxation of the same integer costs until nothing improves."""
    xp = get_array_module(image)
    quantised = _quantise(to_host(image[box]), distance_penalty, spacing_zyx)
    scale, step_cost = quantised.scale, quantised.step_cost
    levels = xp.asarray(np.pad(quantised.levels(to_host(image[box])), 1))
    seeds_box = seeds[box]
    infinity = _MAX_DISTANCE
    distances = xp.pad(xp.where(seeds_box != 0, 0, infinity).astype(xp.int64), 1,
                       constant_values=infinity)
    owner = xp.pad((xp.searchsorted(xp.asarray(values), seeds_box) + 1).astype(xp.uint8)
                   * (seeds_box != 0), 1)
    inner = (slice(1, -1),) * 3
    changed = True
    while changed:
        changed = False
        for step, cost in zip(_STEPS, step_cost, strict=True):
            source = tuple(slice(1 + d, n - 1 + d) for d, n in zip(step, levels.shape,
                                                                   strict=True))
            candidate = distances[source] + xp.abs(levels[inner] - levels[source]) * scale
            candidate += int(cost)
            better = (candidate < distances[inner]) | (
                (candidate == distances[inner]) & (owner[source] < owner[inner]))
            if bool(better.any()):
                changed = True
                distances[inner] = xp.where(better, candidate, distances[inner])
                owner[inner] = xp.where(better, owner[source], owner[inner])
    table = xp.asarray(np.concatenate(([0], values)).astype(seeds.dtype))
    labels = xp.zeros(image.shape, seeds.dtype)
    labels[box] = table[owner[inner]]
    return GrowCutResult(labels, box, seeds_box, values, [distances << _COST_SHIFT],
                         quantised, key)
