"""Model builders used by the notebooks (Keras 3, ``keras.Input`` first).

Submodules, one family each: ``classifiers`` (dense, CNN), ``autoencoders`` (training
pairs for notebook 04), and more. Their public builders are re-exported here.
"""

from .applications import TimeBudgetSchedule  # noqa: F401
from .classifiers import build_cnn, build_dense  # noqa: F401
