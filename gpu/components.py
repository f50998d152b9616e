"""The one connected component under a click (Picking tool), and labelling them all.

Picking needs one component only, which a flood fill from the clicked voxel
(:func:`.region.region_grow`) finds in time proportional to that component; labelling
every component lives in :mod:`.labelling` and is re-exported here for the callers
that want both.
"""

from __future__ import annotations

from .labelling import label_components
from .region import region_grow

__all__ = ["component_at", "label_components"]


def component_at(labels, index_zyx, connectivity: int | None = None):
    """Boolean mask of the connected region of equal value that contains ``index_zyx``.

    ``labels`` is a label map (or a boolean mask); the region is every voxel reachable
    from the clicked one through voxels of the clicked value (6-connected in 3D by
    default, as MITK's Picking tool). Clicking value 0 returns that background region.
    """
    value = float(labels[tuple(index_zyx)])
    return region_grow(labels, index_zyx, value, value, connectivity)
