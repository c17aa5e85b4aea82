"""Support package for the course "Image recognition with deep learning".

Modules
-------
config              run mode (full / fast) and seeding
datasets            real data: MNIST, Fashion-MNIST, CIFAR-10, Olivetti, offline photos and faces
plotting            image grids, training curves, confusion matrices
results             recording a notebook's figures for the course runner
ops                 NumPy reference convolution and pooling (notebook 01)
models              model builders: classifiers, autoencoders, GAN, detector
generation_metrics  PSNR and scores for generated images (notebooks 04-05)
detection, metrics  synthetic detection scenes from real digits, IoU and mAP (notebook 06)
compression         quantisation, pruning, distillation (notebook 07)
explain             saliency, Grad-CAM, occlusion (notebook 07)
privacy             DP-SGD and membership inference (notebook 07)
exercises           exercises with check / hint / solution
grading             nbgrader release and autograding for lecturers
runner              ``python -m course_utils run``: execute and measure notebooks

Topic modules are imported on use (``from course_utils import ops``) so that
``import course_utils`` stays quick.
"""

from __future__ import annotations

from . import config, datasets, plotting, results
from .config import is_fast, mode_name, pick, set_seed
from .setup_info import show_setup

__version__ = "0.2.0"

__all__ = [
    "config",
    "datasets",
    "is_fast",
    "mode_name",
    "pick",
    "plotting",
    "results",
    "set_seed",
    "show_setup",
]
