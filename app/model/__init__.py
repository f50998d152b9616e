"""The segmentation model: labels, groups, the one write path, undo and change records."""

from .document import SegmentationDocument
from .geometry import Geometry
from .history import History
from .image import ReferenceImage
from .labels import PALETTE, Label, palette_color
from .naming import LabelNaming, NamingMode, Suggestion
from .preset import LabelSetPreset, PresetGroup
from .segmentation import LABEL_DTYPE, LabelGroup, Segmentation
from .write import MaskRegion, WriteMode, erase_mask, write_mask

__all__ = [
    "LABEL_DTYPE",
    "PALETTE",
    "Geometry",
    "History",
    "Label",
    "LabelGroup",
    "LabelNaming",
    "LabelSetPreset",
    "MaskRegion",
    "NamingMode",
    "PresetGroup",
    "ReferenceImage",
    "Segmentation",
    "SegmentationDocument",
    "Suggestion",
    "WriteMode",
    "erase_mask",
    "palette_color",
    "write_mask",
]
