"""Model builders used by the notebooks (Keras 3, ``keras.Input`` first).

Submodules, one family each: ``classifiers`` (dense, CNN), ``autoencoders`` (training
pairs for notebook 04), and more. Their public builders are re-exported here.
"""

from .applications import (  # noqa: F401
    TimeBudgetSchedule,
    build_cifar_cnn,
    build_face_cnn,
    build_restoration_autoencoder,
    build_superres_cnn,
)
from .classifiers import build_cnn, build_dense  # noqa: F401
from .detector import DetectionLoss, build_grid_detector  # noqa: F401
