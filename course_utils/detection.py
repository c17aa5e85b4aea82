"""Object detection on scenes of real MNIST digits: data, targets, decoding, NMS.

A *scene* is a square grey image with 1-4 real handwritten digits pasted at
random positions and scales. Each digit comes with its ground-truth box (the
tight box around its ink) and its class (the digit). The detector of
:mod:`course_utils.models.detector` divides the scene into a grid of
``grid_size x grid_size`` cells; the cell that holds a box's centre is
responsible for it and predicts

* an objectness score (is there a centre in this cell?),
* the box: centre offset inside the cell (0-1) and width, height as
  fractions of the scene,
* the class.

Boxes are ``(x_min, y_min, x_max, y_max)`` in pixels, as in
:mod:`course_utils.metrics`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .metrics import iou_matrix

__all__ = [
    "DigitScenes",
    "decode_predictions",
    "draw_detections",
    "encode_targets",
    "make_digit_scenes",
    "non_max_suppression",
]


@dataclass
class DigitScenes:
    """Scenes of digits with their ground truth.

    Attributes
    ----------
    images : numpy.ndarray of float32, shape (N, S, S, 1)
        Scenes, values in [0, 1] (white ink on black).
    boxes : list of numpy.ndarray, each shape (K_i, 4)
        Ground-truth boxes per scene, pixels, ``(x_min, y_min, x_max, y_max)``.
    classes : list of numpy.ndarray of int, each shape (K_i,)
        The digit in each box.
    """

    images: np.ndarray
    boxes: list
    classes: list

    def __len__(self) -> int:
        return len(self.images)

    def ground_truths(self) -> list:
        """The ground truth as ``[{"boxes", "classes"}, ...]`` for :func:`course_utils.metrics.mean_average_precision`."""
        return [{"boxes": b, "classes": c} for b, c in zip(self.boxes, self.classes, strict=False)]


def _ink_box(digit: np.ndarray, threshold: float = 0.25):
    rows = np.flatnonzero(digit.max(axis=1) > threshold)
    cols = np.flatnonzero(digit.max(axis=0) > threshold)
    if len(rows) == 0:
        return None
    return cols[0], rows[0], cols[-1] + 1, rows[-1] + 1


def make_digit_scenes(digits, labels, num_scenes: int, image_size: int = 64,
                      max_digits: int = 4, digit_sizes=(16, 32), max_overlap: float = 0.1,
                      seed: int = 0) -> DigitScenes:  # fmt: skip
    """Paste real MNIST digits into scenes, with their ground-truth boxes.

    Parameters
    ----------
    digits : numpy.ndarray of uint8, shape (N, 28, 28)
        Real MNIST images (0-255), e.g. from :func:`course_utils.datasets.load_mnist`.
    labels : numpy.ndarray, shape (N,)
        Their digits 0-9.
    num_scenes : int
        How many scenes to make.
    image_size : int, default 64
        Side of the square scene, pixels.
    max_digits : int, default 4
        Each scene holds 1 to ``max_digits`` digits (uniformly).
    digit_sizes : (int, int), default (16, 32)
        Each 28x28 digit image is resized to a random side in this range
        (pixels, inclusive), so the ink is about 0.7 of that.
    max_overlap : float, default 0.1
        A new digit is placed only where its box has IoU <= this with every box
        already in the scene (up to 50 tries; otherwise the scene keeps fewer).
    seed : int, default 0
        Same seed, same scenes.

    Returns
    -------
    DigitScenes
    """
    from skimage.transform import resize

    digits = np.asarray(digits)
    labels = np.asarray(labels).reshape(-1)
    if digits.ndim != 3 or digits.dtype != np.uint8:
        raise ValueError(f"digits must be uint8 images of shape (N, H, W), got {digits.dtype} {digits.shape}.")
    if len(digits) != len(labels):
        raise ValueError(f"{len(digits)} digits but {len(labels)} labels.")
    low, high = int(digit_sizes[0]), int(digit_sizes[1])
    if not 4 <= low <= high <= image_size:
        raise ValueError(f"digit_sizes {digit_sizes} must satisfy 4 <= low <= high <= image_size ({image_size}).")
    if max_digits < 1:
        raise ValueError(f"max_digits must be at least 1, got {max_digits}.")
    rng = np.random.default_rng(seed)
    images = np.zeros((num_scenes, image_size, image_size, 1), dtype=np.float32)
    all_boxes, all_classes = [], []
    for scene_index in range(num_scenes):
        wanted = int(rng.integers(1, max_digits + 1))
        boxes, classes = [], []
        for _ in range(50):
            if len(boxes) == wanted:
                break
            choice = int(rng.integers(len(digits)))
            side = int(rng.integers(low, high + 1))
            patch = resize(digits[choice].astype(np.float32) / 255.0, (side, side),
                           order=1, anti_aliasing=side < digits.shape[1])  # fmt: skip
            ink = _ink_box(patch)
            if ink is None:
                continue
            x0, y0 = int(rng.integers(0, image_size - side + 1)), int(rng.integers(0, image_size - side + 1))
            box = np.array([x0 + ink[0], y0 + ink[1], x0 + ink[2], y0 + ink[3]], dtype=np.float64)
            if boxes and iou_matrix(box[None], np.array(boxes)).max() > max_overlap:
                continue
            region = images[scene_index, y0 : y0 + side, x0 : x0 + side, 0]
            np.maximum(region, patch, out=region)
            boxes.append(box)
            classes.append(int(labels[choice]))
        all_boxes.append(np.array(boxes, dtype=np.float64).reshape(-1, 4))
        all_classes.append(np.array(classes, dtype=np.int64))
    return DigitScenes(images, all_boxes, all_classes)


def encode_targets(boxes_per_image, classes_per_image, image_size: int, grid_size: int) -> np.ndarray:
    """Turn ground-truth boxes into the grid detector's training targets.

    Parameters
    ----------
    boxes_per_image : list of array-like, each shape (K, 4)
    classes_per_image : list of array-like, each shape (K,)
    image_size : int
        Side of the scenes, pixels.
    grid_size : int
        Cells per side; ``image_size`` must be a multiple of it.

    Returns
    -------
    numpy.ndarray of float32, shape (N, grid_size, grid_size, 6)
        Per cell: ``[objectness, x_offset, y_offset, width, height, class]``:
        objectness 1 in the cell holding a box's centre (else 0), offsets of
        the centre inside the cell in [0, 1), width and height as fractions of
        the image, and the class index. When two centres fall in one cell, the
        larger box wins.
    """
    if image_size % grid_size:
        raise ValueError(f"image_size {image_size} must be a multiple of grid_size {grid_size}.")
    cell = image_size / grid_size
    targets = np.zeros((len(boxes_per_image), grid_size, grid_size, 6), dtype=np.float32)
    for index, (boxes, classes) in enumerate(zip(boxes_per_image, classes_per_image, strict=False)):
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        for k in np.argsort(areas):  # small first, so a larger box in the same cell overwrites
            x_min, y_min, x_max, y_max = boxes[k]
            center_x, center_y = (x_min + x_max) / 2, (y_min + y_max) / 2
            col = min(int(center_x // cell), grid_size - 1)
            row = min(int(center_y // cell), grid_size - 1)
            targets[index, row, col] = [1.0, center_x / cell - col, center_y / cell - row,
                                        (x_max - x_min) / image_size, (y_max - y_min) / image_size,
                                        int(np.asarray(classes).reshape(-1)[k])]  # fmt: skip
    return targets


def non_max_suppression(boxes, scores, iou_threshold: float = 0.5) -> np.ndarray:
    """Greedy non-maximum suppression.

    Take the highest-scoring box, drop every remaining box whose IoU with it
    is above ``iou_threshold``, repeat.

    Parameters
    ----------
    boxes : array-like, shape (N, 4)
    scores : array-like, shape (N,)
    iou_threshold : float, default 0.5

    Returns
    -------
    numpy.ndarray of int, shape (K,)
        Indices of the kept boxes, highest score first.
    """
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if len(boxes) != len(scores):
        raise ValueError(f"{len(boxes)} boxes but {len(scores)} scores.")
    order = np.argsort(-scores, kind="stable")
    overlaps = iou_matrix(boxes, boxes)
    keep = []
    while len(order):
        best = order[0]
        keep.append(best)
        order = order[1:][overlaps[best, order[1:]] <= iou_threshold]
    return np.array(keep, dtype=np.int64)


def _sigmoid(values):
    return 1.0 / (1.0 + np.exp(-values))


def decode_predictions(outputs, image_size: int, score_threshold: float = 0.3,
                       iou_threshold: float = 0.5) -> list:  # fmt: skip
    """Turn the detector's raw outputs into boxes, scores and classes (with NMS).

    Parameters
    ----------
    outputs : numpy.ndarray, shape (N, G, G, 5 + num_classes)
        Raw (logit) outputs of :func:`course_utils.models.detector.build_grid_detector`:
        objectness, x offset, y offset, width, height, then class logits.
    image_size : int
        Side of the scenes, pixels.
    score_threshold : float, default 0.3
        Keep cells whose score (objectness x class probability) is at least this.
    iou_threshold : float, default 0.5
        For :func:`non_max_suppression`, applied per class.

    Returns
    -------
    list of dict
        One per image: ``"boxes"`` (K, 4) pixels, ``"scores"`` (K,), ``"classes"`` (K,).
    """
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.ndim != 4 or outputs.shape[1] != outputs.shape[2] or outputs.shape[3] < 6:
        raise ValueError(f"outputs must have shape (N, G, G, 5 + num_classes), got {outputs.shape}.")
    grid_size = outputs.shape[1]
    cell = image_size / grid_size
    rows, cols = np.meshgrid(np.arange(grid_size), np.arange(grid_size), indexing="ij")
    results = []
    for output in outputs:
        objectness = _sigmoid(output[..., 0])
        logits = output[..., 5:]
        probabilities = np.exp(logits - logits.max(axis=-1, keepdims=True))
        probabilities /= probabilities.sum(axis=-1, keepdims=True)
        classes = probabilities.argmax(axis=-1)
        scores = objectness * probabilities.max(axis=-1)
        center_x = (cols + _sigmoid(output[..., 1])) * cell
        center_y = (rows + _sigmoid(output[..., 2])) * cell
        width = _sigmoid(output[..., 3]) * image_size
        height = _sigmoid(output[..., 4]) * image_size
        boxes = np.stack([center_x - width / 2, center_y - height / 2,
                          center_x + width / 2, center_y + height / 2], axis=-1)  # fmt: skip
        mask = scores >= score_threshold
        boxes, scores, classes = boxes[mask], scores[mask], classes[mask]
        keep = []
        for cls in np.unique(classes):
            members = np.flatnonzero(classes == cls)
            keep.extend(members[non_max_suppression(boxes[members], scores[members], iou_threshold)])
        keep = np.array(sorted(keep, key=lambda i: -scores[i]), dtype=np.int64)
        results.append({"boxes": np.clip(boxes[keep].reshape(-1, 4), 0, image_size),
                        "scores": scores[keep], "classes": classes[keep].astype(np.int64)})  # fmt: skip
    return results


def draw_detections(ax, image, boxes, classes=None, scores=None, color="lime", true_boxes=None):
    """Show a scene on a Matplotlib axis with its boxes and labels.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    image : numpy.ndarray, shape (H, W) or (H, W, 1) or (H, W, 3)
    boxes : array-like, shape (K, 4)
        Predicted boxes, pixels.
    classes, scores : array-like, shape (K,), optional
        Written above each box.
    color : str
    true_boxes : array-like, shape (M, 4), optional
        Drawn dashed in white.
    """
    from matplotlib.patches import Rectangle

    image = np.asarray(image)
    ax.imshow(image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image,
              cmap="gray")  # fmt: skip
    for box in np.asarray(true_boxes if true_boxes is not None else np.zeros((0, 4))).reshape(-1, 4):
        ax.add_patch(Rectangle(box[:2], box[2] - box[0], box[3] - box[1], fill=False,
                               edgecolor="white", linestyle="--", linewidth=1))  # fmt: skip
    for k, box in enumerate(np.asarray(boxes).reshape(-1, 4)):
        ax.add_patch(Rectangle(box[:2], box[2] - box[0], box[3] - box[1], fill=False,
                               edgecolor=color, linewidth=1.5))  # fmt: skip
        text = "" if classes is None else str(int(np.asarray(classes)[k]))
        if scores is not None:
            text += f" {float(np.asarray(scores)[k]):.2f}"
        if text:
            ax.text(box[0], box[1] - 1, text.strip(), color=color, fontsize=8, va="bottom")
    ax.axis("off")
