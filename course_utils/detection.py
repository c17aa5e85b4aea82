"""Object detection on scenes of real MNIST digits: data, targets, decoding, NMS.

Notebooks 06_2 (detection) and 06_5 (segmentation) use these scenes.
A *scene* is a square grey image with 1-4 real handwritten digits pasted at
random positions and scales. Each digit comes with its ground-truth box (the
tight box around its ink) and its class (the digit). The detector of
notebook 06_2 divides the scene into a grid of
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

from ._validation import (
    check_array,
    check_boxes,
    check_entries,
    check_in_range,
    check_int_pair,
    check_labels,
    check_positive_int,
    check_seed,
)
from .metrics import iou_matrix

__all__ = [
    "DigitScenes",
    "draw_detections",
    "encode_targets",
    "make_digit_scenes",
    "non_max_suppression",
    "pycocotools_map50",
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
    masks : numpy.ndarray of uint8, shape (N, S, S), or None
        Per-pixel classes (only with ``make_digit_scenes(..., with_masks=True)``):
        0 for background, ``digit + 1`` where that digit's ink is at least
        ``mask_threshold``; where two digits' ink overlaps, the brighter wins.
    """

    images: np.ndarray
    boxes: list
    classes: list
    masks: np.ndarray | None = None

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
                      seed: int = 0, with_masks: bool = False,
                      mask_threshold: float = 0.5) -> DigitScenes:
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
    with_masks : bool, default False
        Also return per-pixel class masks (semantic segmentation targets),
        taken from the pasted digits' own pixels.
    mask_threshold : float, default 0.5
        A pixel belongs to a digit where that digit's resized ink is at least
        this (ink in [0, 1]); fainter pixels count as background.

    Returns
    -------
    DigitScenes
    """
    from skimage.transform import resize

    digits = check_array(digits, "digits", "make_digit_scenes", ndim=3,
                         hint="Pass the uint8 images (N, 28, 28) of load_mnist.")
    if digits.dtype != np.uint8:
        raise ValueError(f"make_digit_scenes expects digits as uint8 pixels 0-255, got dtype {digits.dtype}.")
    labels = check_labels(labels, "labels", "make_digit_scenes", num_samples=len(digits))
    num_scenes = check_positive_int(num_scenes, "num_scenes")
    image_size = check_positive_int(image_size, "image_size")
    max_digits = check_positive_int(max_digits, "max_digits")
    low, high = check_int_pair(digit_sizes, "digit_sizes")
    if not 4 <= low <= high <= image_size:
        raise ValueError(f"digit_sizes {digit_sizes} must satisfy 4 <= low <= high <= image_size ({image_size}).")
    max_overlap = check_in_range(max_overlap, "max_overlap", 0.0, 1.0)
    mask_threshold = check_in_range(mask_threshold, "mask_threshold", 0.0, 1.0, low_open=True)
    rng = np.random.default_rng(check_seed(seed))
    images = np.zeros((num_scenes, image_size, image_size, 1), dtype=np.float32)
    masks = np.zeros((num_scenes, image_size, image_size), dtype=np.uint8) if with_masks else None
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
                           order=1, anti_aliasing=side < digits.shape[1])
            ink = _ink_box(patch)
            if ink is None:
                continue
            x0, y0 = int(rng.integers(0, image_size - side + 1)), int(rng.integers(0, image_size - side + 1))
            box = np.array([x0 + ink[0], y0 + ink[1], x0 + ink[2], y0 + ink[3]], dtype=np.float64)
            if boxes and iou_matrix(box[None], np.array(boxes)).max() > max_overlap:
                continue
            region = images[scene_index, y0 : y0 + side, x0 : x0 + side, 0]
            if with_masks:
                wins = (patch >= mask_threshold) & (patch >= region)
                masks[scene_index, y0 : y0 + side, x0 : x0 + side][wins] = int(labels[choice]) + 1
            np.maximum(region, patch, out=region)
            boxes.append(box)
            classes.append(int(labels[choice]))
        all_boxes.append(np.array(boxes, dtype=np.float64).reshape(-1, 4))
        all_classes.append(np.array(classes, dtype=np.int64))
    return DigitScenes(images, all_boxes, all_classes, masks)


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
    image_size = check_positive_int(image_size, "image_size")
    grid_size = check_positive_int(grid_size, "grid_size")
    if image_size % grid_size:
        raise ValueError(f"image_size {image_size} must be a multiple of grid_size {grid_size}.")
    if len(boxes_per_image) != len(classes_per_image):
        raise ValueError(f"encode_targets needs one entry of classes_per_image per image: "
                         f"{len(boxes_per_image)} boxes_per_image but {len(classes_per_image)} classes_per_image.")
    cell = image_size / grid_size
    targets = np.zeros((len(boxes_per_image), grid_size, grid_size, 6), dtype=np.float32)
    for index, (boxes, classes) in enumerate(zip(boxes_per_image, classes_per_image, strict=False)):
        boxes = check_boxes(boxes, f"boxes_per_image[{index}]")
        classes = np.asarray(classes).reshape(-1)
        if len(classes) != len(boxes):
            raise ValueError(f"encode_targets: boxes_per_image[{index}] has {len(boxes)} boxes but "
                             f"classes_per_image[{index}] has {len(classes)} classes.")
        areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        for k in np.argsort(areas):  # small first, so a larger box in the same cell overwrites
            x_min, y_min, x_max, y_max = boxes[k]
            center_x, center_y = (x_min + x_max) / 2, (y_min + y_max) / 2
            col = min(int(center_x // cell), grid_size - 1)
            row = min(int(center_y // cell), grid_size - 1)
            targets[index, row, col] = [1.0, center_x / cell - col, center_y / cell - row,
                                        (x_max - x_min) / image_size, (y_max - y_min) / image_size,
                                        int(classes[k])]
    return targets


def non_max_suppression(boxes, scores, iou_threshold: float = 0.5) -> np.ndarray:
    """Greedy non-maximum suppression.

    Taught in notebooks/06_2_detection.ipynb.

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

    image = check_array(image, "image", "draw_detections", ndim=(2, 3))
    boxes = check_boxes(boxes, "boxes")
    true_boxes = check_boxes(true_boxes if true_boxes is not None else [], "true_boxes")
    for name, values in (("classes", classes), ("scores", scores)):
        if values is not None and np.asarray(values).reshape(-1).shape[0] != len(boxes):
            raise ValueError(f"draw_detections needs one of {name} per box: {len(boxes)} boxes, "
                             f"{np.asarray(values).reshape(-1).shape[0]} {name}.")
    ax.imshow(image[..., 0] if image.ndim == 3 and image.shape[-1] == 1 else image,
              cmap="gray")
    for box in true_boxes:
        ax.add_patch(Rectangle(box[:2], box[2] - box[0], box[3] - box[1], fill=False,
                               edgecolor="white", linestyle="--", linewidth=1))
    for k, box in enumerate(boxes):
        ax.add_patch(Rectangle(box[:2], box[2] - box[0], box[3] - box[1], fill=False,
                               edgecolor=color, linewidth=1.5))
        text = "" if classes is None else str(int(np.asarray(classes)[k]))
        if scores is not None:
            text += f" {float(np.asarray(scores)[k]):.2f}"
        if text:
            ax.text(box[0], box[1] - 1, text.strip(), color=color, fontsize=8, va="bottom")
    ax.axis("off")


def pycocotools_map50(predictions, ground_truths) -> float:
    """mAP at IoU 0.5 as the COCO benchmark's own code (pycocotools) computes it.

    COCO's greedy matching and 101-point interpolation, all areas, up to 100
    detections per image; the mean over classes that have ground truth. A
    yardstick for :func:`course_utils.metrics.mean_average_precision` with
    ``method="coco101"``.

    Parameters
    ----------
    predictions : list of dict
        One per image: ``"boxes"`` (N, 4) as ``(x_min, y_min, x_max, y_max)``,
        ``"scores"`` (N,), ``"classes"`` (N,) of int >= 0.
    ground_truths : list of dict
        One per image, same order: ``"boxes"`` (M, 4), ``"classes"`` (M,).

    Returns
    -------
    float

    Raises
    ------
    ImportError
        When pycocotools is not installed (it comes with the course's test tools).
    """
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    predictions = check_entries(predictions, "predictions", ("boxes", "scores", "classes"), "pycocotools_map50")
    ground_truths = check_entries(ground_truths, "ground_truths", ("boxes", "classes"), "pycocotools_map50")
    if len(predictions) != len(ground_truths):
        raise ValueError(f"{len(predictions)} prediction entries but {len(ground_truths)} ground-truth entries.")
    images, annotations, results, categories = [], [], [], set()
    for image_id, (pred, truth) in enumerate(zip(predictions, ground_truths, strict=True), start=1):
        images.append({"id": image_id})
        for box, cls in zip(np.asarray(truth["boxes"], float).reshape(-1, 4), np.asarray(truth["classes"]).reshape(-1),
                            strict=True):
            width, height = box[2] - box[0], box[3] - box[1]
            categories.add(int(cls) + 1)
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": int(cls) + 1,
                                "bbox": [float(box[0]), float(box[1]), float(width), float(height)],
                                "area": float(width * height), "iscrowd": 0})
        for box, score, cls in zip(np.asarray(pred["boxes"], float).reshape(-1, 4), np.asarray(pred["scores"]).reshape(-1),
                                   np.asarray(pred["classes"]).reshape(-1), strict=True):
            categories.add(int(cls) + 1)
            results.append({"image_id": image_id, "category_id": int(cls) + 1, "score": float(score),
                            "bbox": [float(box[0]), float(box[1]), float(box[2] - box[0]), float(box[3] - box[1])]})
    if not results:
        return 0.0
    with contextlib.redirect_stdout(io.StringIO()):
        coco_truth = COCO()
        coco_truth.dataset = {"images": images, "annotations": annotations,
                              "categories": [{"id": k} for k in sorted(categories)]}
        coco_truth.createIndex()
        evaluation = COCOeval(coco_truth, coco_truth.loadRes(results), "bbox")
        evaluation.params.iouThrs = np.array([0.5])
        evaluation.params.maxDets = [100, 100, 100]
        evaluation.evaluate()
        evaluation.accumulate()
    precision = evaluation.eval["precision"][0, :, :, 0, -1]  # recall level x class, area "all"
    per_class = [precision[:, k].mean() for k in range(precision.shape[1]) if precision[0, k] > -1]
    return float(np.mean(per_class)) if per_class else 0.0
