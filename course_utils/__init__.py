"""Support package for the course "Image recognition with deep learning".

Modules
-------
config      run mode (full / fast) and seeding
datasets    real data: MNIST, Fashion-MNIST, offline photos and faces
plotting    image grids, training curves, confusion matrices
results     recording a notebook's figures for the course runner
exercises   exercises with check / hint / solution
runner      ``python -m course_utils run``: execute and measure notebooks
"""

from __future__ import annotations

from . import config, datasets, plotting, results
from .config import is_fast, mode_name, pick, set_seed
from .setup_info import show_setup

__version__ = "0.1.0"

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
