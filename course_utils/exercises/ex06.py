"""Exercises of notebook 06 (applications): faces, detection, classification, restoration.

Each check calls the learner's function on small known inputs and compares
the result with values computed by hand.
"""

from __future__ import annotations

import numpy as np

from . import Exercise, expect, expect_close, expect_equal, register

# --------------------------------------------------------------------------- faces


def _check_identify_nearest(identify_nearest):
    gallery = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0], [1.0, 1.0]])
    gallery_labels = np.array([7, 3, 5, 7])
    probes = np.array([[9.0, 1.0], [0.4, 9.0], [0.8, 0.9], [4.0, 0.0]])
    got = identify_nearest(gallery, gallery_labels, probes)
    expect_equal(np.asarray(got).tolist(), [3, 5, 7, 7],
                 "identify_nearest(gallery, gallery_labels, probes) labels")  # fmt: skip
    got = identify_nearest(gallery[:2], gallery_labels[:2], np.array([[6.0, 0.0]]))
    expect_equal(np.asarray(got).tolist(), [3],
                 "identify_nearest for probe (6, 0) between (0, 0) and (10, 0)")  # fmt: skip


register(Exercise(
    key="06.identify_nearest",
    title="identify_nearest(gallery, gallery_labels, probes): the label of each probe's nearest gallery embedding",
    checker=_check_identify_nearest,
    hints=["Compute the Euclidean distance of every probe to every gallery row: an array of shape (P, G).",
           "np.linalg.norm(probes[:, None, :] - gallery[None, :, :], axis=-1), then argmin over axis 1 "
           "gives the nearest gallery index; look its label up in gallery_labels."],
    solution_code=(
        "def identify_nearest(gallery, gallery_labels, probes):\n"
        "    distances = np.linalg.norm(probes[:, None, :] - gallery[None, :, :], axis=-1)\n"
        "    return np.asarray(gallery_labels)[np.argmin(distances, axis=1)]\n"),
))  # fmt: skip


def _check_verification_rates(verification_rates):
    distances = np.array([0.2, 0.5, 0.9, 0.3, 0.8, 1.2])
    same_person = np.array([True, True, True, False, False, False])
    got = verification_rates(distances, same_person, 0.6)
    expect(len(got) == 2, f"verification_rates should return (true_accept_rate, false_accept_rate), got {got!r}")
    expect_close(got[0], 2 / 3, "true_accept_rate for distances [0.2 0.5 0.9] of same-person pairs at threshold 0.6")
    expect_close(got[1], 1 / 3, "false_accept_rate for distances [0.3 0.8 1.2] of different-person pairs at threshold 0.6")
    got = verification_rates(distances, same_person, 0.5)
    expect_close(got[0], 2 / 3, "true_accept_rate at threshold 0.5 (a distance equal to the threshold is accepted)")


register(Exercise(
    key="06.verification_rates",
    title="verification_rates(distances, same_person, threshold): (true accept rate, false accept rate)",
    checker=_check_verification_rates,
    hints=["A pair is accepted ('same person') when its distance is <= threshold.",
           "true accept rate = accepted among same-person pairs / same-person pairs; false accept "
           "rate = accepted among different-person pairs / different-person pairs."],
    solution_code=(
        "def verification_rates(distances, same_person, threshold):\n"
        "    accepted = np.asarray(distances) <= threshold\n"
        "    same_person = np.asarray(same_person, dtype=bool)\n"
        "    return accepted[same_person].mean(), accepted[~same_person].mean()\n"),
))  # fmt: skip

# --------------------------------------------------------------------------- detection


def _check_box_iou(box_iou):
    cases = [((0, 0, 2, 2), (1, 1, 3, 3), 1 / 7), ((0, 0, 4, 4), (1, 1, 3, 3), 0.25),
             ((0, 0, 2, 2), (5, 5, 6, 6), 0.0), ((0, 0, 2, 2), (2, 0, 4, 2), 0.0),
             ((1, 2, 3, 5), (1, 2, 3, 5), 1.0), ((0, 0, 10, 4), (5, -2, 15, 2), 10 / 70)]  # fmt: skip
    for box_a, box_b, expected in cases:
        expect_close(box_iou(box_a, box_b), expected, f"box_iou({box_a}, {box_b})")


register(Exercise(
    key="06.box_iou",
    title="box_iou(box_a, box_b): intersection over union of two (x_min, y_min, x_max, y_max) boxes",
    checker=_check_box_iou,
    hints=["The intersection is a box too: the larger of the two x_min, the smaller of the two x_max (same for y).",
           "Its width is max(0, right - left), so boxes that do not touch give 0; union = area_a + area_b - intersection."],
    solution_code=(
        "def box_iou(box_a, box_b):\n"
        "    left, top = max(box_a[0], box_b[0]), max(box_a[1], box_b[1])\n"
        "    right, bottom = min(box_a[2], box_b[2]), min(box_a[3], box_b[3])\n"
        "    intersection = max(0, right - left) * max(0, bottom - top)\n"
        "    area_a = (box_a[2] - box_a[0]) * (box_a[3] - box_a[1])\n"
        "    area_b = (box_b[2] - box_b[0]) * (box_b[3] - box_b[1])\n"
        "    return intersection / (area_a + area_b - intersection)\n"),
))  # fmt: skip


def _check_nms(nms):
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10.5]], dtype=float)
    scores = np.array([0.9, 0.8, 0.7, 0.95])
    got = [int(i) for i in nms(boxes, scores, 0.5)]
    expect_equal(got, [3, 2], "nms(boxes, scores, 0.5) kept indices (highest score first)")
    got = [int(i) for i in nms(boxes, scores, 0.75)]
    expect_equal(got, [3, 1, 2], "nms(boxes, scores, 0.75) kept indices (box 1 has IoU 0.72 with box 3)")
    got = [int(i) for i in nms(boxes[[2]], scores[[2]], 0.5)]
    expect_equal(got, [0], "nms with a single box")


register(Exercise(
    key="06.nms",
    title="nms(boxes, scores, iou_threshold): indices of the boxes greedy non-maximum suppression keeps",
    checker=_check_nms,
    hints=["Sort the indices by decreasing score. Repeatedly keep the first one and remove every "
           "remaining index whose IoU with it is above the threshold.",
           "course_utils.metrics.box_iou(boxes[i], boxes[j]) gives the IoU; keep a list `order` and rebuild it "
           "with a list comprehension each round."],
    solution_code=(
        "from course_utils.metrics import box_iou\n\n\n"
        "def nms(boxes, scores, iou_threshold):\n"
        "    order = list(np.argsort(-np.asarray(scores)))\n"
        "    keep = []\n"
        "    while order:\n"
        "        best = order.pop(0)\n"
        "        keep.append(best)\n"
        "        order = [i for i in order if box_iou(boxes[best], boxes[i]) <= iou_threshold]\n"
        "    return keep\n"),
))  # fmt: skip

# --------------------------------------------------------------------------- classification


def _check_per_class_accuracy(per_class_accuracy):
    y_true = np.array([0, 0, 1, 1, 1, 2, 2, 2, 2, 0])
    y_pred = np.array([0, 1, 1, 1, 0, 2, 2, 1, 2, 0])
    got = np.asarray(per_class_accuracy(y_true, y_pred, 3), dtype=float)
    expect_close(got, np.array([2 / 3, 2 / 3, 3 / 4]),
                 "per_class_accuracy([0 0 1 1 1 2 2 2 2 0], [0 1 1 1 0 2 2 1 2 0], 3)")  # fmt: skip
    got = np.asarray(per_class_accuracy(np.array([1, 1]), np.array([1, 0]), 3), dtype=float)
    expect(got.shape == (3,), f"per_class_accuracy(..., num_classes=3) should have 3 entries, got shape {got.shape}")
    expect(np.isnan(got[0]) and np.isnan(got[2]),
           f"a class without examples should give nan (0/0), got {got.tolist()}")  # fmt: skip
    expect_close(got[1], 0.5, "per_class_accuracy([1 1], [1 0], 3)[1]")


register(Exercise(
    key="06.per_class_accuracy",
    title="per_class_accuracy(y_true, y_pred, num_classes): the accuracy on the examples of each class",
    checker=_check_per_class_accuracy,
    hints=["For class k take the examples with y_true == k and compute how many of them have y_pred == k.",
           "A class with no examples has accuracy nan: np.mean of an empty array, or write np.nan yourself."],
    solution_code=(
        "def per_class_accuracy(y_true, y_pred, num_classes):\n"
        "    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)\n"
        "    return np.array([np.mean(y_pred[y_true == k] == k) if np.any(y_true == k) else np.nan\n"
        "                     for k in range(num_classes)])\n"),
))  # fmt: skip


def _check_most_confused_pairs(most_confused_pairs):
    confusion = np.array([[50, 3, 9], [12, 40, 1], [2, 7, 30]])
    got = [tuple(int(v) for v in pair) for pair in most_confused_pairs(confusion, 2)]
    expect_equal(got, [(1, 0), (0, 2)], "most_confused_pairs([[50 3 9] [12 40 1] [2 7 30]], 2)")
    got = [tuple(int(v) for v in pair) for pair in most_confused_pairs(np.array([[99, 1], [0, 5]]), 1)]
    expect_equal(got, [(0, 1)], "most_confused_pairs([[99 1] [0 5]], 1) (the diagonal is not a confusion)")


register(Exercise(
    key="06.most_confused_pairs",
    title="most_confused_pairs(confusion, top): the `top` (true, predicted) pairs with the most mistakes",
    checker=_check_most_confused_pairs,
    hints=["confusion[i, j] counts examples of class i predicted as j; the diagonal holds the correct ones.",
           "Copy the matrix, set its diagonal to -1 (np.fill_diagonal), sort the flat indices by decreasing "
           "count and turn them back into (row, column) with np.unravel_index."],
    solution_code=(
        "def most_confused_pairs(confusion, top):\n"
        "    errors = np.array(confusion, dtype=float)\n"
        "    np.fill_diagonal(errors, -1)\n"
        "    flat = np.argsort(-errors, axis=None, kind='stable')[:top]\n"
        "    rows, cols = np.unravel_index(flat, errors.shape)\n"
        "    return list(zip(rows.tolist(), cols.tolist()))\n"),
))  # fmt: skip

# --------------------------------------------------------------------------- restoration


def _check_psnr(psnr):
    reference = np.zeros((2, 2))
    expect_close(psnr(reference, np.full((2, 2), 0.1)), 20.0, "psnr(zeros, 0.1 everywhere) (MSE 0.01)")
    expect_close(psnr(reference, np.array([[0.2, 0.0], [0.0, 0.0]])), 10 * np.log10(1 / 0.01),
                 "psnr(zeros, one pixel at 0.2 of four) (MSE 0.01)")  # fmt: skip
    expect_close(psnr(np.ones(5), np.full(5, 0.5)), 10 * np.log10(4), "psnr(ones, halves) (MSE 0.25)",
                 atol=1e-4)  # fmt: skip


register(Exercise(
    key="06.psnr",
    title="psnr(reference, estimate): peak signal-to-noise ratio in dB for pixels in [0, 1]",
    checker=_check_psnr,
    hints=["MSE is the mean of the squared differences over all pixels.",
           "PSNR = 10 * log10(1 / MSE) when the pixel range is 1."],
    solution_code=(
        "def psnr(reference, estimate):\n"
        "    mse = np.mean((np.asarray(reference, float) - np.asarray(estimate, float)) ** 2)\n"
        "    return 10 * np.log10(1.0 / mse)\n"),
))  # fmt: skip


def _check_downsample_2x(downsample_2x):
    image = np.arange(16, dtype=float).reshape(4, 4)
    expect_close(downsample_2x(image), np.array([[2.5, 4.5], [10.5, 12.5]]),
                 "downsample_2x(np.arange(16).reshape(4, 4))")  # fmt: skip
    got = np.asarray(downsample_2x(np.ones((6, 2))))
    expect(got.shape == (3, 1), f"downsample_2x of a (6, 2) image should have shape (3, 1), got {got.shape}")


register(Exercise(
    key="06.downsample_2x",
    title="downsample_2x(image): halve a grey image by averaging each 2x2 block",
    checker=_check_downsample_2x,
    hints=["A (H, W) image reshaped to (H // 2, 2, W // 2, 2) puts each 2x2 block on axes 1 and 3.",
           "image.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))"],
    solution_code=(
        "def downsample_2x(image):\n"
        "    image = np.asarray(image, dtype=float)\n"
        "    h, w = image.shape\n"
        "    return image.reshape(h // 2, 2, w // 2, 2).mean(axis=(1, 3))\n"),
))  # fmt: skip
