"""The TotalSegmentator adapter's geometry against nibabel and TotalSegmentator's own
reorientation; run with the AI venv's Python (it has both).

    python totalseg_geometry.py IMAGE.nii.gz GEOMETRY_JSON

IMAGE was written by SimpleITK with the spacing, direction and origin of GEOMETRY_JSON
(``{"spacing_zyx": ..., "direction": ..., "origin": ...}``, ITK's LPS). Checks that
``nifti_affine`` equals the affine nibabel reads from that file, and that a label map
taken to canonical orientation and back by TotalSegmentator's ``as_closest_canonical``
and ``undo_canonical`` (what its python API does around the model) comes back onto our
grid voxel for voxel through ``onto_grid``. Exits non-zero with the difference otherwise;
prints whether the image was canonical already (TotalSegmentator leaves it as it is) or
was reoriented.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nibabel as nib
import numpy as np
from totalsegmentator.alignment import as_closest_canonical, undo_canonical

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app" / "ai" / "worker"))
from totalsegmentator_adapter import nifti_affine, onto_grid  # noqa: E402

image = nib.load(sys.argv[1])
geometry = json.loads(sys.argv[2])
affine = nifti_affine(geometry["spacing_zyx"], geometry["direction"], geometry["origin"])
np.testing.assert_allclose(affine, image.affine, atol=1e-4)

shape_zyx = image.shape[::-1]
labels = np.arange(np.prod(shape_zyx), dtype=np.uint16).reshape(shape_zyx)
ours = nib.Nifti1Image(labels.transpose(2, 1, 0), affine)
canonical = as_closest_canonical(ours)
print("canonical" if canonical is ours or np.array_equal(canonical.affine, affine)
      else "reoriented")
back = undo_canonical(canonical, ours)
np.testing.assert_array_equal(
    onto_grid(np.asarray(back.dataobj), back.affine, affine, shape_zyx), labels)
# And a label map left in canonical orientation is put back by onto_grid alone.
np.testing.assert_array_equal(
    onto_grid(np.asarray(canonical.dataobj), canonical.affine, affine, shape_zyx), labels)
