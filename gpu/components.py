"""Connected components of a mask, and the one component under a click (Picking tool).

Labelling a whole 3D volume uses ``cc3d`` (connected-components-3d) on the CPU when it is
installed: a well-kept C++ library that labels a 512x512x300 CT ~4x faster than
``scipy.ndimage.label`` and numbers components the same way (raster order of their
first voxel). ``scipy.ndimage.label`` is the reference and the fallback, and
``cupyx.scipy.ndimage.label`` the GPU path. Picking needs one component only, which a
flood fill from the clicked voxel finds in time proportional to that component.
"""

from __future__ import annotations

import numpy as np

from .backend import get_array_module, ndimage_module
from .region import region_grow, structure


def label_components(mask, connectivity: int | None = None) -> tuple[object, int]:
    """Label the connected components of a boolean mask: (labels, number of components).

    Background is 0; components are numbered 1..n in raster (z, y, x) order of their first
    voxel, exactly as ``scipy.ndimage.label``. Connectivity is 4/8 in 2D and 6/18/26 in 3D
    (default: faces only). Labels are ``int32`` on the host, the backend's default label
    type on CuPy.
    """
    connectivity = connectivity or (4 if mask.ndim == 2 else 6)
    footprint = structure(mask.ndim, connectivity)
    xp = get_array_module(mask)
    if xp is np and mask.ndim == 3:
        try:
            import cc3d
        except ImportError:
            cc3d = None
        if cc3d is not None:
            labels, count = cc3d.connected_components(
                np.ascontiguousarray(mask, dtype=bool), connectivity=connectivity,
                return_N=True, out_dtype=np.uint32)
            return labels.view(np.int32), int(count)
    labels, count = ndimage_module(xp).label(mask, structure=xp.asarray(footprint))
    return labels, int(count)


def component_at(labels, index_zyx, connectivity: int | None = None):
    """Boolean mask of the connected region of equal value that contains ``index_zyx``.

    ``labels`` is a label map (or a boolean mask); the region is every voxel reachable
    from the clicked one through voxels of the clicked value (6-connected in 3D by
    default, as MITK's Picking tool). Clicking value 0 returns that background region.
    """
    value = float(labels[tuple(index_zyx)])
    return region_grow(labels, index_zyx, value, value, connectivity)
