"""Model builders used by the notebooks (Keras 3, ``keras.Input`` first).

Submodules, one family each: ``classifiers`` (dense, CNN, RNN), ``autoencoders``,
and more. Their public builders are re-exported here.
"""

from .applications import (  # noqa: F401
    TimeBudgetSchedule,
    build_cifar_cnn,
    build_face_cnn,
    build_restoration_autoencoder,
    build_superres_cnn,
)
from .autoencoders import (  # noqa: F401
    build_conv_autoencoder,
    build_denoising_autoencoder,
    build_dense_autoencoder,
)
from .classifiers import build_cnn, build_dense, build_rnn, simple_rnn_forward  # noqa: F401
from .detector import DetectionLoss, build_grid_detector  # noqa: F401
