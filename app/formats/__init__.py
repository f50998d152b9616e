"""Readers and writers for images, segmentations (MITK, Slicer, label maps), label-set
presets, name suggestions and ITK-SNAP label descriptions.

Every reader raises ``FormatError`` with a one-line message naming the file and the
problem and never returns anything half-loaded; every writer is atomic.
"""

from .errors import FormatError, first_line
from .images import read_image, write_image
from .itksnap import read_itksnap_labels, write_itksnap_labels
from .presets import read_preset, write_preset
from .segmentation_io import (
    describe_segmentation_file,
    is_segmentation_file,
    read_segmentation,
    what_is_lost,
    write_segmentation,
)
from .statistics_csv import statistics_csv, write_statistics_csv
from .suggestions import read_suggestions, write_suggestions

__all__ = [
    "FormatError",
    "describe_segmentation_file",
    "first_line",
    "is_segmentation_file",
    "read_image",
    "read_itksnap_labels",
    "read_preset",
    "read_segmentation",
    "read_suggestions",
    "statistics_csv",
    "write_image",
    "write_itksnap_labels",
    "write_preset",
    "what_is_lost",
    "write_segmentation",
    "write_statistics_csv",
    "write_suggestions",
]
