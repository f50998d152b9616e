"""Demarcate: interactive segmentation of medical images.

The package is laid out in layers that import one way only:
``demarcate.gpu`` (array kernels) <- ``demarcate.tools`` <- ``demarcate.model``
<- ``demarcate.ui``; ``demarcate.formats`` reads and writes the model.
"""

__version__ = "0.1.0"
