"""Model builders used by the notebooks (Keras 3, ``keras.Input`` first).

Submodules, one family each: ``classifiers`` (dense, CNN, RNN), ``autoencoders``,
``gan``. Their public builders are re-exported here.
"""
