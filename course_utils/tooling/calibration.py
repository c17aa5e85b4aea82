"""A fixed CPU workload that makes run times from different machines comparable.

The runner times :func:`calibration_workload` once before the notebooks (in a fresh
process, like a notebook kernel) and reports every notebook's wall time also as a
multiple of it: a notebook that takes 60 calibration units takes 60 units on a laptop
twice as slow too, so budgets can be checked from one machine's figures.

The workload: 50 training steps of a small convolutional network (two 3x3 convolutions,
pooling, a dense layer) on batches of 128 MNIST-sized inputs, after 5 warm-up steps.
The inputs are fixed pseudo-random numbers: only the time is measured, nothing is learnt.
"""

from __future__ import annotations

import json
import subprocess
import sys

STEPS = 50
BATCH_SIZE = 128


def calibration_workload(steps: int = STEPS) -> float:
    """Run the workload in this process and return its seconds (warm-up excluded)."""
    import time

    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images = rng.random((BATCH_SIZE, 28, 28, 1), dtype=np.float32)
    labels = rng.integers(0, 10, BATCH_SIZE)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(32, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(),
        keras.layers.Flatten(),
        keras.layers.Dense(10),
    ])
    model.compile(optimizer="adam",
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    for _ in range(5):
        model.train_on_batch(images, labels)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(images, labels)
    return time.perf_counter() - start


def measure(environment: dict | None = None, timeout_s: float = 300) -> float:
    """Time the workload in a fresh Python process; return its seconds."""
    code = ("import json; from course_utils.tooling.calibration import calibration_workload; "
            "print(json.dumps(calibration_workload()))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=environment, timeout=timeout_s, check=True)
    return float(json.loads(result.stdout.strip().splitlines()[-1]))
