"""Support package for the course "Image recognition with deep learning".

Modules (the learner's wing)
---------------------------
config              run mode (full / fast), seeding, environment variable names
setup_info          the opening line of every notebook; ``cpu_computes_bfloat16``
datasets            real data: MNIST, Fashion-MNIST, CIFAR-10, Olivetti, offline photos and faces
plotting            image grids, training curves, confusion matrices
results             recording a notebook's figures and arrays for the course runner
ops                 NumPy reference convolution and pooling (the yardstick of notebook 01)
models              code taught in an earlier notebook and reused later (e.g. 02's CNN)
metrics             PSNR, IoU, average precision
generation_metrics  the judge CNN and scores for generated images (notebooks 05)
detection, faces    scenes of real digits with exact boxes; the LBP face cascade (notebook 06)
compression         quantisation, pruning, distillation references (notebook 07)
explain             saliency, Grad-CAM, occlusion references (notebook 07)
privacy             privacy accounting and membership inference (notebook 07)
exercises           exercises with check / hint / solution

The course tooling (runner, grading, website, slides) is the separate sub-package
``course_utils.tooling``, used through the ``course`` command; no learner module imports it.

Topic modules are imported on use (``from course_utils import ops``) so that
``import course_utils`` stays quick.
"""

from __future__ import annotations

from . import config, datasets, plotting, results
from .config import is_fast, mode_name, pick, set_seed
from .setup_info import cpu_computes_bfloat16, show_setup

__version__ = "0.2.0"

__all__ = [
    "config",
    "cpu_computes_bfloat16",
    "datasets",
    "is_fast",
    "mode_name",
    "pick",
    "plotting",
    "results",
    "set_seed",
    "show_setup",
]
