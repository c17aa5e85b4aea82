"""Exercises of notebooks 06_1-06_5 (applications): faces, detection, classification,
restoration, segmentation.

Each check calls the learner's function on small known inputs and compares
the result with values computed by hand. None of these answers is computed
in the notebooks themselves.
"""

from __future__ import annotations

import numpy as np

from . import Exercise, ExerciseFailure, expect, expect_close, expect_equal, register

# --------------------------------------------------------------------------- faces (06_1)


def _check_recall_and_false_alarms(recall_and_false_alarms):
    is_true_positive = np.array([True, False, True, False, True, False])
    scores = np.array([0.95, 0.9, 0.8, 0.6, 0.4, 0.3])
    got = recall_and_false_alarms(is_true_positive, scores, 4, 2, 0.5)
    expect(len(got) == 2, f"recall_and_false_alarms should return (recall, false alarms per image), got {got!r}")
    expect_close(got[0], 2 / 4, "recall at threshold 0.5 (2 true positives of 4 faces)")
    expect_close(got[1], 2 / 2, "false alarms per image at threshold 0.5 (2 false positives in 2 images)")
    got = recall_and_false_alarms(is_true_positive, scores, 4, 2, 0.8)
    expect_close(got[0], 2 / 4, "recall at threshold 0.8 (a score equal to the threshold is kept)")
    expect_close(got[1], 1 / 2, "false alarms per image at threshold 0.8")
    got = recall_and_false_alarms(is_true_positive, scores, 5, 4, 0.0)
    expect_close(got, (3 / 5, 3 / 4), "recall_and_false_alarms at threshold 0 (every detection kept), 5 faces, 4 images")
    got = recall_and_false_alarms(is_true_positive, scores, 4, 2, 0.99)
    expect_close(got, (0.0, 0.0), "recall_and_false_alarms at threshold 0.99 (no detection kept)")


register(Exercise(
    key="06.recall_and_false_alarms",
    title="recall_and_false_alarms(is_true_positive, scores, num_faces, num_images, threshold): a detector's operating point",
    checker=_check_recall_and_false_alarms,
    hints=["Keep the detections with score >= threshold; count the kept true positives and the kept false positives.",
           "recall = kept true positives / num_faces; false alarms per image = kept false positives / num_images."],
    solution_code=(
        "def recall_and_false_alarms(is_true_positive, scores, num_faces, num_images, threshold):\n"
        "    kept = np.asarray(scores) >= threshold\n"
        "    is_true_positive = np.asarray(is_true_positive, dtype=bool)\n"
        "    return np.sum(is_true_positive & kept) / num_faces, np.sum(~is_true_positive & kept) / num_images\n"),
))


def _check_rank_k_accuracy(rank_k_accuracy):
    distances = np.array([[0.1, 0.5, 0.2, 0.9],   # nearest labels in order: 7, 5, 3, 9
                          [0.4, 0.3, 0.8, 0.1],   # 9, 3, 7, 5
                          [0.2, 0.1, 0.3, 0.7]])  # 3, 7, 5, 9
    gallery_labels = np.array([7, 3, 5, 9])
    probe_labels = np.array([5, 7, 3])
    expect_close(rank_k_accuracy(distances, gallery_labels, probe_labels, 1), 1 / 3,
                 "rank_k_accuracy(..., k=1) (only the third probe's nearest is right)")
    expect_close(rank_k_accuracy(distances, gallery_labels, probe_labels, 2), 2 / 3, "rank_k_accuracy(..., k=2)")
    expect_close(rank_k_accuracy(distances, gallery_labels, probe_labels, 3), 1.0, "rank_k_accuracy(..., k=3)")
    # two gallery photos of person 7: the 2 nearest photos are one person, so rank 2 needs the 3rd photo
    distances = np.array([[0.1, 0.2, 0.3, 0.4]])
    got = rank_k_accuracy(distances, np.array([7, 7, 3, 5]), np.array([3]), 2)
    expect_close(got, 1.0, "rank_k_accuracy with gallery labels [7 7 3 5], probe 3, k=2 "
                 "(count the k nearest *people*, not photos)")


register(Exercise(
    key="06.rank_k_accuracy",
    title="rank_k_accuracy(distances, gallery_labels, probe_labels, k): share of probes whose person is among the k nearest people",
    checker=_check_rank_k_accuracy,
    hints=["For each probe (row of distances), sort the gallery by distance and read the labels in that order.",
           "Keep the first k *distinct* labels (a person may have several gallery photos); the probe counts "
           "when its own label is among them. Average over probes."],
    solution_code=(
        "def rank_k_accuracy(distances, gallery_labels, probe_labels, k):\n"
        "    gallery_labels = np.asarray(gallery_labels)\n"
        "    hits = []\n"
        "    for row, label in zip(np.asarray(distances), probe_labels, strict=True):\n"
        "        people = []\n"
        "        for person in gallery_labels[np.argsort(row, kind='stable')]:\n"
        "            if person not in people:\n"
        "                people.append(person)\n"
        "        hits.append(label in people[:k])\n"
        "    return float(np.mean(hits))\n"),
))

# --------------------------------------------------------------------------- detection (06_2)


def _soft_nms_reference(boxes, scores, iou_threshold, score_threshold):
    from course_utils.metrics import iou_matrix

    boxes, scores = np.asarray(boxes, dtype=float), np.asarray(scores, dtype=float).copy()
    overlaps = iou_matrix(boxes, boxes)
    remaining, kept, kept_scores = list(range(len(boxes))), [], []
    while remaining:
        best = max(remaining, key=lambda index: (scores[index], -index))
        kept.append(best)
        kept_scores.append(float(scores[best]))
        remaining.remove(best)
        for index in remaining:
            if overlaps[best, index] > iou_threshold:
                scores[index] *= 1 - overlaps[best, index]
        remaining = [index for index in remaining if scores[index] >= score_threshold]
    return kept, kept_scores


def _hidden_non_max_suppression(*args, **kwargs):
    raise AssertionError("soft_nms must be written from scratch: course_utils' non_max_suppression is hidden "
                         "during this check")


def _check_soft_nms(soft_nms):
    from course_utils.detection import non_max_suppression

    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10.5]], dtype=float)
    scores = np.array([0.9, 0.8, 0.7, 0.95])
    original_code = non_max_suppression.__code__
    non_max_suppression.__code__ = _hidden_non_max_suppression.__code__  # also hides copies imported earlier
    try:
        cases = [(0.5, 0.05, "box 0 (IoU 0.95 with box 3) falls below 0.05 and goes"),
                 (0.5, 0.01, "every box survives, in a new order"),
                 (0.75, 0.05, "only box 0 overlaps box 3 by more than 0.75")]
        for iou_threshold, score_threshold, why in cases:
            expected, expected_scores = _soft_nms_reference(boxes, scores, iou_threshold, score_threshold)
            got = soft_nms(boxes.copy(), scores.copy(), iou_threshold, score_threshold)
            expect(len(got) == 2, f"soft_nms should return (kept_indices, kept_scores), got {got!r}")
            call = f"soft_nms(boxes, scores, {iou_threshold}, {score_threshold}) ({why})"
            expect_equal([int(i) for i in got[0]], expected, call + " kept indices")
            expect_close(np.asarray(got[1], dtype=float), np.array(expected_scores), call + " kept scores")
        got = soft_nms(boxes[[2]], scores[[2]], 0.5, 0.05)
        expect_equal([int(i) for i in got[0]], [0], "soft_nms with a single box")
    except AssertionError as failure:
        if not isinstance(failure, ExerciseFailure) and "hidden during this check" in str(failure):
            raise ExerciseFailure(str(failure)) from None
        raise
    finally:
        non_max_suppression.__code__ = original_code


register(Exercise(
    key="06.soft_nms",
    title="soft_nms(boxes, scores, iou_threshold, score_threshold): linear Soft-NMS, written from scratch",
    checker=_check_soft_nms,
    hints=["Work on a copy of the scores. Keep a list `remaining` of indices; each round pick "
           "max(remaining, key=lambda i: (scores[i], -i)).",
           "After keeping `best`, for each remaining i with IoU(best, i) > iou_threshold do "
           "scores[i] *= 1 - IoU(best, i); then remaining = [i for i in remaining if scores[i] >= score_threshold]. "
           "iou_matrix(boxes, boxes) gives all the IoUs at once."],
    solution_code=(
        "from course_utils.metrics import iou_matrix\n\n\n"
        "def soft_nms(boxes, scores, iou_threshold, score_threshold):\n"
        "    boxes = np.asarray(boxes, dtype=float)\n"
        "    scores = np.asarray(scores, dtype=float).copy()\n"
        "    overlaps = iou_matrix(boxes, boxes)\n"
        "    remaining = list(range(len(boxes)))\n"
        "    kept_indices, kept_scores = [], []\n"
        "    while remaining:\n"
        "        best = max(remaining, key=lambda index: (scores[index], -index))\n"
        "        kept_indices.append(best)\n"
        "        kept_scores.append(float(scores[best]))\n"
        "        remaining.remove(best)\n"
        "        for index in remaining:\n"
        "            if overlaps[best, index] > iou_threshold:\n"
        "                scores[index] *= 1 - overlaps[best, index]\n"
        "        remaining = [index for index in remaining if scores[index] >= score_threshold]\n"
        "    return kept_indices, kept_scores\n"),
))


def _check_voc_true_positives(voc_true_positives):
    true_boxes = np.array([[0, 0, 10, 10], [2, 0, 12, 10]], dtype=float)
    boxes = np.array([[0, 0, 10, 10], [0.5, 0, 10.5, 10]], dtype=float)
    got = np.asarray(voc_true_positives(boxes, np.array([0.9, 0.8]), true_boxes, 0.5), dtype=bool).tolist()
    expect_equal(got, [True, False], "voc_true_positives for two boxes whose best true box is the same one "
                 "(the second overlaps the other true box by 0.74, but VOC only looks at its best)")
    got = np.asarray(voc_true_positives(boxes[::-1], np.array([0.8, 0.9]), true_boxes, 0.5), dtype=bool).tolist()
    expect_equal(got, [False, True], "voc_true_positives with the boxes given in the other order (flags follow "
                 "the given order, the matching follows the scores)")
    got = np.asarray(voc_true_positives(boxes, np.array([0.9, 0.8]), true_boxes, 0.95), dtype=bool).tolist()
    expect_equal(got, [True, False], "voc_true_positives at IoU threshold 0.95")
    got = np.asarray(voc_true_positives(boxes, np.array([0.9, 0.8]), np.zeros((0, 4)), 0.5), dtype=bool).tolist()
    expect_equal(got, [False, False], "voc_true_positives with no true box in the image")


register(Exercise(
    key="06.voc_true_positives",
    title="voc_true_positives(boxes, scores, true_boxes, iou_threshold): PASCAL VOC's matching of detections",
    checker=_check_voc_true_positives,
    hints=["Compute iou_matrix(boxes, true_boxes); go through the boxes by decreasing score "
           "(np.argsort(-scores, kind='stable')).",
           "For box i take best = the true box with the highest IoU *overall*; it is a true positive only if "
           "that IoU >= iou_threshold and best is not claimed yet (then claim it). Otherwise it is false, "
           "even if another unclaimed true box overlaps it enough."],
    solution_code=(
        "from course_utils.metrics import iou_matrix\n\n\n"
        "def voc_true_positives(boxes, scores, true_boxes, iou_threshold):\n"
        "    is_true_positive = np.zeros(len(boxes), dtype=bool)\n"
        "    if len(true_boxes) == 0:\n"
        "        return is_true_positive\n"
        "    overlaps = iou_matrix(boxes, true_boxes)\n"
        "    claimed = np.zeros(len(true_boxes), dtype=bool)\n"
        "    for index in np.argsort(-np.asarray(scores), kind='stable'):\n"
        "        best = int(np.argmax(overlaps[index]))\n"
        "        if overlaps[index, best] >= iou_threshold and not claimed[best]:\n"
        "            claimed[best] = True\n"
        "            is_true_positive[index] = True\n"
        "    return is_true_positive\n"),
))

# --------------------------------------------------------------------------- classification (06_3)


def _check_bottleneck_block(bottleneck_block):
    import keras

    # 06_3 may train in mixed bfloat16: build the learner's block in float32 whatever the global policy,
    # so that the exact shortcut check below is not blurred by bfloat16 rounding.
    policy = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy("float32")
    try:
        _check_bottleneck_block_in_float32(bottleneck_block)
    finally:
        keras.mixed_precision.set_global_policy(policy)


def _check_bottleneck_block_in_float32(bottleneck_block):
    import keras

    inputs = keras.Input((8, 8, 32))
    outputs = bottleneck_block(inputs, 32)
    model = keras.Model(inputs, outputs)
    expect(tuple(model.output_shape) == (None, 8, 8, 32),
           f"bottleneck_block(Input((8, 8, 32)), 32) should keep the shape (None, 8, 8, 32), got {model.output_shape}")
    convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    expect([tuple(layer.kernel_size) for layer in convolutions] == [(1, 1), (3, 3), (1, 1)],
           "the block should have three convolutions, 1x1, 3x3, 1x1, got kernel sizes "
           f"{[tuple(layer.kernel_size) for layer in convolutions]}")
    expect([layer.filters for layer in convolutions] == [8, 8, 32],
           f"filters should be [8, 8, 32] (32 // 4 inside), got {[layer.filters for layer in convolutions]}")
    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    expect(len(norms) == 3, f"each convolution should be followed by batch normalisation: 3 layers, got {len(norms)}")
    expect(not any(layer.use_bias for layer in convolutions),
           "the convolutions should have use_bias=False (the batch normalisation after each adds its own offset)")
    expect(model.count_params() == 1280,
           f"the block should have 1,088 convolution weights + 192 batch-norm numbers = 1,280 parameters, "
           f"got {model.count_params():,}")
    # The shortcut: with the last batch norm's scale at 0, the block is ReLU(input).
    norms[-1].gamma.assign(np.zeros(32, dtype="float32"))
    norms[-1].beta.assign(np.zeros(32, dtype="float32"))
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 32)).astype("float32")
    got = np.asarray(model(x, training=False))
    expect_close(got, np.maximum(x, 0), "the block's output when its residual branch gives 0 (should be ReLU(input): "
                 "add the input before the last ReLU)", atol=1e-5)


register(Exercise(
    key="06.bottleneck_block",
    title="bottleneck_block(x, filters): ResNet's bottleneck residual block in Keras",
    checker=_check_bottleneck_block,
    hints=["Branch: Conv2D(filters // 4, 1) -> BN -> ReLU -> Conv2D(filters // 4, 3, padding='same') -> BN -> ReLU "
           "-> Conv2D(filters, 1) -> BN, each convolution with use_bias=False.",
           "Then layers.Add()([x, branch]) and a last ReLU. The input must already have `filters` channels."],
    solution_code=(
        "from keras import layers\n\n\n"
        "def bottleneck_block(x, filters):\n"
        "    branch = layers.Conv2D(filters // 4, 1, use_bias=False)(x)\n"
        "    branch = layers.ReLU()(layers.BatchNormalization()(branch))\n"
        "    branch = layers.Conv2D(filters // 4, 3, padding='same', use_bias=False)(branch)\n"
        "    branch = layers.ReLU()(layers.BatchNormalization()(branch))\n"
        "    branch = layers.Conv2D(filters, 1, use_bias=False)(branch)\n"
        "    branch = layers.BatchNormalization()(branch)\n"
        "    return layers.ReLU()(layers.Add()([x, branch]))\n"),
))


def _check_top_k_accuracy(top_k_accuracy):
    probabilities = np.array([[0.1, 0.6, 0.3], [0.5, 0.2, 0.3], [0.2, 0.3, 0.5], [0.7, 0.2, 0.1]])
    labels = np.array([2, 2, 2, 1])
    expect_close(top_k_accuracy(probabilities, labels, 1), 1 / 4, "top_k_accuracy(probabilities, labels, 1)")
    expect_close(top_k_accuracy(probabilities, labels, 2), 4 / 4, "top_k_accuracy(probabilities, labels, 2)")
    expect_close(top_k_accuracy(probabilities, np.array([0, 1, 1, 2]), 2), 1 / 4,
                 "top_k_accuracy(probabilities, [0 1 1 2], 2)")
    expect_close(top_k_accuracy(probabilities, labels, 3), 1.0, "top_k_accuracy with k = number of classes")


register(Exercise(
    key="06.top_k_accuracy",
    title="top_k_accuracy(probabilities, labels, k): share of examples whose label is among the k most probable classes",
    checker=_check_top_k_accuracy,
    hints=["np.argsort(-probabilities, axis=1)[:, :k] gives each row's k most probable classes.",
           "Compare with labels[:, None] and check whether any of the k matches, then average."],
    solution_code=(
        "def top_k_accuracy(probabilities, labels, k):\n"
        "    top = np.argsort(-np.asarray(probabilities), axis=1)[:, :k]\n"
        "    return float(np.mean(np.any(top == np.asarray(labels)[:, None], axis=1)))\n"),
))

# --------------------------------------------------------------------------- restoration (06_4)


def _check_masked_psnr(masked_psnr):
    reference = np.zeros((2, 4, 4))
    estimate = np.zeros((2, 4, 4))
    estimate[0, 0, 0] = 0.5  # inside the region
    estimate[1, 3, 3] = 1.0  # outside: must not count
    mask = np.zeros((2, 4, 4), dtype=bool)
    mask[:, :2, :2] = True
    # image 0: region MSE 0.25 / 4 -> 10 log10(16) dB
    expect_close(masked_psnr(reference[:1], estimate[:1], mask[:1]), 10 * np.log10(16),
                 "masked_psnr of one image whose 4 region pixels have MSE 0.0625")
    estimate[1, 0, 1] = 0.1
    expected = (10 * np.log10(16) + 10 * np.log10(1 / (0.01 / 4))) / 2
    expect_close(masked_psnr(reference, estimate, mask), expected,
                 "masked_psnr of two images (the mean of each image's PSNR inside its mask; pixels outside "
                 "the mask do not count)")


register(Exercise(
    key="06.masked_psnr",
    title="masked_psnr(reference, estimate, mask): PSNR in dB inside a region, averaged over images",
    checker=_check_masked_psnr,
    hints=["For image i: the MSE over the pixels where mask[i] is True, then 10 * log10(1 / MSE).",
           "Return the mean of the per-image PSNRs (the course's definition of PSNR for a batch)."],
    solution_code=(
        "def masked_psnr(reference, estimate, mask):\n"
        "    values = []\n"
        "    for ref, est, region in zip(np.asarray(reference, float), np.asarray(estimate, float),\n"
        "                                np.asarray(mask, bool), strict=True):\n"
        "        mse = np.mean((ref[region] - est[region]) ** 2)\n"
        "        values.append(10 * np.log10(1.0 / mse))\n"
        "    return float(np.mean(values))\n"),
))


def _check_downsample_2x(downsample_2x):
    image = np.arange(16, dtype=float).reshape(4, 4)
    expect_close(downsample_2x(image), np.array([[2.5, 4.5], [10.5, 12.5]]),
                 "downsample_2x(np.arange(16).reshape(4, 4))")
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
))

# --------------------------------------------------------------------------- segmentation (06_5)


def _check_mean_iou(mean_iou):
    true_mask = np.array([[0, 0, 1, 1], [0, 2, 2, 1], [0, 0, 2, 2]])
    predicted = np.array([[0, 1, 1, 1], [0, 2, 0, 1], [0, 0, 2, 2]])
    # class 0: both 4 (of true 5, predicted 5) -> 4/6; class 1: 3/4; class 2: 3/4
    expected = (4 / 6 + 3 / 4 + 3 / 4) / 3
    expect_close(mean_iou(true_mask, predicted, 3), expected, "mean_iou on the 3x4 masks of the check")
    expect_close(mean_iou(true_mask, predicted, 6), expected,
                 "mean_iou with num_classes=6 (classes 3-5 appear in neither mask and must be skipped)")
    expect_close(mean_iou(np.array([1, 1, 0]), np.array([0, 0, 1]), 2), 0.0,
                 "mean_iou when every pixel is wrong")
    expect_close(mean_iou(np.array([3, 3]), np.array([3, 3]), 4), 1.0, "mean_iou of two equal masks")


register(Exercise(
    key="06.mean_iou",
    title="mean_iou(true_mask, predicted_mask, num_classes): mean over classes of pixel IoU",
    checker=_check_mean_iou,
    hints=["For class k: intersection = np.sum((true == k) & (pred == k)), union = np.sum((true == k) | (pred == k)).",
           "Skip a class whose union is 0 (absent from both masks); average the IoU of the other classes."],
    solution_code=(
        "def mean_iou(true_mask, predicted_mask, num_classes):\n"
        "    true_mask, predicted_mask = np.asarray(true_mask).ravel(), np.asarray(predicted_mask).ravel()\n"
        "    ious = []\n"
        "    for k in range(num_classes):\n"
        "        union = np.sum((true_mask == k) | (predicted_mask == k))\n"
        "        if union:\n"
        "            ious.append(np.sum((true_mask == k) & (predicted_mask == k)) / union)\n"
        "    return float(np.mean(ious))\n"),
))


def _check_dice_scores(dice_scores):
    true_mask = np.array([[0, 0, 1, 1], [0, 2, 2, 1], [0, 0, 2, 2]])
    predicted = np.array([[0, 1, 1, 1], [0, 2, 0, 1], [0, 0, 2, 2]])
    got = np.asarray(dice_scores(true_mask, predicted, 4), dtype=float)
    expect(got.shape == (4,), f"dice_scores(..., num_classes=4) should have 4 entries, got shape {got.shape}")
    expect_close(got[:3], np.array([8 / 10, 6 / 7, 6 / 7]), "dice_scores on the 3x4 masks of the check, classes 0-2")
    expect(np.isnan(got[3]), f"a class absent from both masks should give nan, got {got[3]}")
    got = np.asarray(dice_scores(np.array([1, 1, 0]), np.array([0, 0, 1]), 2), dtype=float)
    expect_close(got, np.array([0.0, 0.0]), "dice_scores when every pixel is wrong")


register(Exercise(
    key="06.dice_scores",
    title="dice_scores(true_mask, predicted_mask, num_classes): 2|A and B| / (|A| + |B|) per class",
    checker=_check_dice_scores,
    hints=["For class k: A = (true == k), B = (pred == k); Dice = 2 * np.sum(A & B) / (np.sum(A) + np.sum(B)).",
           "When np.sum(A) + np.sum(B) == 0 the class appears nowhere: put np.nan."],
    solution_code=(
        "def dice_scores(true_mask, predicted_mask, num_classes):\n"
        "    true_mask, predicted_mask = np.asarray(true_mask).ravel(), np.asarray(predicted_mask).ravel()\n"
        "    scores = []\n"
        "    for k in range(num_classes):\n"
        "        total = np.sum(true_mask == k) + np.sum(predicted_mask == k)\n"
        "        both = np.sum((true_mask == k) & (predicted_mask == k))\n"
        "        scores.append(2 * both / total if total else np.nan)\n"
        "    return np.array(scores)\n"),
))
