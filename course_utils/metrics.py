"""Metrics for detection and restoration: IoU, average precision, mAP, PSNR.

Boxes are ``(x_min, y_min, x_max, y_max)`` in pixels, continuous coordinates
(a box from 0 to 10 is 10 pixels wide; no "+1" convention), as in COCO.

Mean average precision (mAP) at IoU 0.5, the PASCAL VOC measure, works like this:

1. For one class, sort all detections of every image by score, highest first.
2. Walk down the list; a detection is a true positive when its IoU with a
   still-unmatched ground-truth box of that class in the same image is at
   least 0.5 (it takes the best such box), else a false positive.
3. Precision and recall after each detection trace a curve; the average
   precision (AP) is the area under its monotone envelope (VOC 2010+
   "all points"; ``"coco101"`` samples it at 101 recall levels like pycocotools).
4. mAP is the mean of the AP over the classes that have ground truth.
"""

from __future__ import annotations

import numpy as np

from ._validation import (
    check_array,
    check_boxes,
    check_choice,
    check_entries,
    check_in_range,
    check_positive_number,
    check_same_shape,
)

__all__ = [
    "average_precision",
    "box_iou",
    "iou_matrix",
    "match_detections",
    "mean_average_precision",
    "psnr",
]


def iou_matrix(boxes_a, boxes_b) -> np.ndarray:
    """Intersection over union of every box in ``boxes_a`` with every box in ``boxes_b``.

    Parameters
    ----------
    boxes_a : array-like, shape (N, 4)
    boxes_b : array-like, shape (M, 4)
        Boxes as ``(x_min, y_min, x_max, y_max)``.

    Returns
    -------
    numpy.ndarray of float64, shape (N, M)
        Values in [0, 1]; 0 where the union is empty.
    """
    a, b = check_boxes(boxes_a, "boxes_a"), check_boxes(boxes_b, "boxes_b")
    left = np.maximum(a[:, None, 0], b[None, :, 0])
    top = np.maximum(a[:, None, 1], b[None, :, 1])
    right = np.minimum(a[:, None, 2], b[None, :, 2])
    bottom = np.minimum(a[:, None, 3], b[None, :, 3])
    intersection = np.clip(right - left, 0, None) * np.clip(bottom - top, 0, None)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - intersection
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(union > 0, intersection / np.where(union > 0, union, 1), 0.0)


def box_iou(box_a, box_b) -> float:
    """IoU of two boxes ``(x_min, y_min, x_max, y_max)``, e.g. ``box_iou((0,0,2,2), (1,1,3,3)) == 1/7``."""
    return float(iou_matrix(check_boxes([box_a], "box_a"), check_boxes([box_b], "box_b"))[0, 0])


def match_detections(pred_boxes, pred_scores, true_boxes, iou_threshold: float = 0.5):
    """Mark each detection of one class in one image as a true or false positive.

    Detections are taken by decreasing score; each takes the unmatched
    ground-truth box with the highest IoU, if that IoU is at least
    ``iou_threshold``.

    Returns
    -------
    numpy.ndarray of bool, shape (N,)
        True positive flags, in the order the detections were given.
    """
    pred_boxes = check_boxes(pred_boxes, "pred_boxes")
    true_boxes = check_boxes(true_boxes, "true_boxes")
    scores = np.asarray(pred_scores, dtype=np.float64).reshape(-1)
    if len(scores) != len(pred_boxes):
        raise ValueError(f"match_detections needs one of pred_scores per box: {len(pred_boxes)} "
                         f"pred_boxes but {len(scores)} pred_scores.")
    iou_threshold = check_in_range(iou_threshold, "iou_threshold", 0.0, 1.0)
    is_true_positive = np.zeros(len(pred_boxes), dtype=bool)
    if len(true_boxes) == 0 or len(pred_boxes) == 0:
        return is_true_positive
    overlaps = iou_matrix(pred_boxes, true_boxes)
    taken = np.zeros(len(true_boxes), dtype=bool)
    for index in np.argsort(-scores, kind="stable"):
        candidates = np.where(taken, -1.0, overlaps[index])
        best = int(np.argmax(candidates))
        if candidates[best] >= iou_threshold:
            taken[best] = True
            is_true_positive[index] = True
    return is_true_positive


def average_precision(recall, precision, method: str = "all-points") -> float:
    """Area under a precision-recall curve, as detection benchmarks define it.

    Parameters
    ----------
    recall, precision : array-like, shape (K,)
        The curve after each detection, in score order (recall non-decreasing).
    method : {"all-points", "coco101"}
        ``"all-points"``: PASCAL VOC 2010+ (exact area under the monotone
        envelope). ``"coco101"``: mean of the envelope at recall 0, 0.01, ..., 1,
        as pycocotools does.

    Returns
    -------
    float
    """
    method = check_choice(method, "method", ("all-points", "coco101"))
    recall = np.asarray(recall, dtype=np.float64)
    precision = np.asarray(precision, dtype=np.float64)
    check_same_shape(recall, precision, "average_precision", names=("recall", "precision"))
    if recall.size == 0:
        return 0.0
    envelope = np.maximum.accumulate(precision[::-1])[::-1]
    if method == "all-points":
        recall_steps = np.concatenate([[0.0], recall])
        return float(np.sum((recall_steps[1:] - recall_steps[:-1]) * envelope))
    thresholds = np.linspace(0.0, 1.0, 101)  # "coco101"
    positions = np.searchsorted(recall, thresholds, side="left")
    values = np.where(positions < len(recall), envelope[np.minimum(positions, len(recall) - 1)], 0.0)
    return float(np.mean(values))


def mean_average_precision(predictions, ground_truths, iou_threshold: float = 0.5,
                           method: str = "all-points", return_per_class: bool = False):
    """Mean average precision over classes (VOC-style mAP at ``iou_threshold``).

    Parameters
    ----------
    predictions : list of dict
        One dict per image with ``"boxes"`` (N, 4), ``"scores"`` (N,) and
        ``"classes"`` (N,) of int.
    ground_truths : list of dict
        One dict per image (same order) with ``"boxes"`` (M, 4) and ``"classes"`` (M,).
    iou_threshold : float, default 0.5
    method : {"all-points", "coco101"}
        See :func:`average_precision`.
    return_per_class : bool, default False
        Also return ``{class: AP}``.

    Returns
    -------
    float, or (float, dict)
        The mean over classes that have at least one ground-truth box.
    """
    predictions = check_entries(predictions, "predictions", ("boxes", "scores", "classes"),
                                "mean_average_precision")
    ground_truths = check_entries(ground_truths, "ground_truths", ("boxes", "classes"), "mean_average_precision")
    if len(predictions) != len(ground_truths):
        raise ValueError(f"{len(predictions)} prediction entries but {len(ground_truths)} "
                         "ground-truth entries: give one of each per image.")
    iou_threshold = check_in_range(iou_threshold, "iou_threshold", 0.0, 1.0)
    method = check_choice(method, "method", ("all-points", "coco101"))
    classes = sorted({int(c) for truth in ground_truths for c in np.asarray(truth["classes"]).reshape(-1)})
    per_class = {}
    for cls in classes:
        scores, flags, num_true = [], [], 0
        for pred, truth in zip(predictions, ground_truths, strict=False):
            true_mask = np.asarray(truth["classes"]).reshape(-1) == cls
            pred_mask = np.asarray(pred["classes"]).reshape(-1) == cls
            true_boxes = check_boxes(truth["boxes"], "ground-truth boxes")[true_mask]
            pred_boxes = check_boxes(pred["boxes"], "predicted boxes")[pred_mask]
            pred_scores = np.asarray(pred["scores"], dtype=np.float64).reshape(-1)[pred_mask]
            num_true += len(true_boxes)
            flags.append(match_detections(pred_boxes, pred_scores, true_boxes, iou_threshold))
            scores.append(pred_scores)
        scores, flags = np.concatenate(scores), np.concatenate(flags)
        order = np.argsort(-scores, kind="stable")
        true_positives = np.cumsum(flags[order])
        false_positives = np.cumsum(~flags[order])
        recall = true_positives / num_true
        precision = true_positives / np.maximum(true_positives + false_positives, 1e-12)
        per_class[cls] = average_precision(recall, precision, method)
    mean_ap = float(np.mean(list(per_class.values()))) if per_class else 0.0
    return (mean_ap, per_class) if return_per_class else mean_ap


def psnr(reference, estimate, max_value: float = 1.0, per_image: bool = False):
    """Peak signal-to-noise ratio in dB: each image's ``10 log10(max_value^2 / MSE)``, averaged.

    The course's one PSNR. For a batch it is the **mean of the per-image PSNRs**
    (the usual figure in restoration papers, and ``tf.image.psnr`` followed by a
    mean), not the PSNR of the batch's pooled MSE.

    Parameters
    ----------
    reference, estimate : array-like, same shape
        One image ``(H, W)`` or ``(H, W, C)`` with ``C`` in {1, 3}, or a batch
        ``(N, H, W)`` / ``(N, H, W, C)``. A 3-D array whose last axis is 1 or 3 is
        one image with channels; any other 3-D array is a batch of grey images.
    max_value : float, default 1.0
        The largest possible pixel value (1.0 for [0, 1] images, 255 for uint8).
    per_image : bool, default False
        Return the array of per-image PSNRs (shape ``(N,)``) instead of their mean.

    Returns
    -------
    float or numpy.ndarray
        ``inf`` for identical images (and for a mean that includes one).
    """
    hint = "Pass an image (H, W[, C]) or a batch (N, H, W[, C])."
    reference = check_array(reference, "reference", "psnr", ndim=(2, 3, 4), hint=hint).astype(np.float64)
    estimate = check_array(estimate, "estimate", "psnr", ndim=(2, 3, 4), hint=hint).astype(np.float64)
    check_same_shape(reference, estimate, "psnr")
    max_value = check_positive_number(max_value, "max_value")
    one_image = reference.ndim == 2 or (reference.ndim == 3 and reference.shape[-1] in (1, 3))
    batch_ref = reference[None] if one_image else reference
    batch_est = estimate[None] if one_image else estimate
    mse = np.mean((batch_ref - batch_est) ** 2, axis=tuple(range(1, batch_ref.ndim)))
    with np.errstate(divide="ignore"):
        values = 10.0 * np.log10(max_value**2 / mse)
    if per_image:
        return values
    return float(np.mean(values))
