"""A small one-stage grid detector (YOLO-style) for the digit scenes of
:mod:`course_utils.detection`, and its loss.

The network maps a ``(S, S, 1)`` scene to a ``(G, G, 5 + num_classes)`` grid of
raw outputs (logits): objectness, x and y offset of the box centre inside the
cell, box width and height (fractions of the scene, through a sigmoid), then
the class logits. :func:`course_utils.detection.decode_predictions` turns them
into boxes.
"""

from __future__ import annotations

import keras
from keras import layers, ops

__all__ = ["DetectionLoss", "build_grid_detector"]


def _conv_block(x, filters: int, kernel_size: int = 3):
    x = layers.Conv2D(filters, kernel_size, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    return layers.ReLU()(x)


def build_grid_detector(image_size: int = 64, grid_size: int = 8, num_classes: int = 10,
                        widths=(16, 32, 64, 96)) -> keras.Model:  # fmt: skip
    """Build the detector: a CNN that halves the resolution down to the grid.

    Parameters
    ----------
    image_size : int, default 64
        Side of the square grey input scenes.
    grid_size : int, default 8
        Cells per side of the output grid; ``image_size / grid_size`` must be a
        power of two (one 2x2 max-pooling per halving).
    num_classes : int, default 10
    widths : sequence of int
        Filters of the convolution stages; the first ``log2(image_size / grid_size)``
        stages are each followed by a pooling, the rest work at grid resolution.

    Returns
    -------
    keras.Model
        Input ``(image_size, image_size, 1)``, output ``(grid_size, grid_size, 5 + num_classes)``.
    """
    ratio = image_size // grid_size
    if image_size % grid_size or ratio & (ratio - 1):
        raise ValueError(f"image_size / grid_size must be a power of two, got {image_size} / {grid_size}.")
    num_pools = ratio.bit_length() - 1
    if len(widths) < num_pools:
        raise ValueError(f"widths needs at least {num_pools} stages to reach a {grid_size}x{grid_size} grid.")
    inputs = keras.Input((image_size, image_size, 1))
    x = inputs
    for stage, filters in enumerate(widths):
        x = _conv_block(x, filters)
        if stage < num_pools:
            x = layers.MaxPooling2D()(x)
    x = _conv_block(x, widths[-1])
    outputs = layers.Conv2D(5 + num_classes, 1, name="grid_outputs")(x)
    return keras.Model(inputs, outputs, name="grid_detector")


class DetectionLoss(keras.losses.Loss):
    """The detector's loss: objectness + box + class, YOLO style.

    ``y_true`` comes from :func:`course_utils.detection.encode_targets`, shape
    ``(N, G, G, 6)``: objectness, x offset, y offset, width, height, class.
    ``y_pred`` is the raw output, shape ``(N, G, G, 5 + num_classes)``.

    * objectness: binary cross-entropy in every cell (cells with an object
      weigh ``object_weight``, to balance the many empty cells);
    * box: squared error of the sigmoid outputs against the offsets and the
      square roots of width and height (so a small box's error counts more),
      only in cells with an object, times ``box_weight``;
    * class: cross-entropy, only in cells with an object.

    Each term is averaged over the images of the batch.
    """

    def __init__(self, object_weight: float = 5.0, box_weight: float = 5.0, name="detection_loss", **kwargs):
        super().__init__(name=name, **kwargs)
        self.object_weight = object_weight
        self.box_weight = box_weight

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, y_pred.dtype)
        has_object = y_true[..., 0]
        bce = ops.binary_crossentropy(has_object, y_pred[..., 0], from_logits=True)
        cell_weights = 1.0 + (self.object_weight - 1.0) * has_object
        objectness_loss = ops.sum(bce * cell_weights, axis=(1, 2))
        predicted = ops.sigmoid(y_pred[..., 1:5])
        predicted = ops.concatenate([predicted[..., :2], ops.sqrt(predicted[..., 2:4] + 1e-9)], axis=-1)
        wanted = ops.concatenate([y_true[..., 1:3], ops.sqrt(y_true[..., 3:5])], axis=-1)
        box_loss = ops.sum(ops.sum(ops.square(predicted - wanted), axis=-1) * has_object, axis=(1, 2))
        class_loss = ops.sparse_categorical_crossentropy(
            ops.cast(y_true[..., 5], "int32"), y_pred[..., 5:], from_logits=True)
        class_loss = ops.sum(class_loss * has_object, axis=(1, 2))
        return objectness_loss + self.box_weight * box_loss + class_loss

    def get_config(self):
        return {**super().get_config(), "object_weight": self.object_weight, "box_weight": self.box_weight}
