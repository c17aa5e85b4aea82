"""IoU, average precision, mAP and PSNR: hand-computed cases and pycocotools."""

import numpy as np
import pytest

from course_utils import metrics


def test_box_iou_matches_hand_computed_values():
    assert metrics.box_iou((0, 0, 2, 2), (1, 1, 3, 3)) == pytest.approx(1 / 7)
    assert metrics.box_iou((0, 0, 4, 4), (1, 1, 3, 3)) == pytest.approx(4 / 16)
    assert metrics.box_iou((0, 0, 2, 2), (2, 0, 4, 2)) == 0.0  # touching edges
    assert metrics.box_iou((0, 0, 2, 2), (5, 5, 6, 6)) == 0.0
    assert metrics.box_iou((1, 2, 3, 5), (1, 2, 3, 5)) == 1.0


def test_iou_matrix_has_one_row_per_first_box_and_rejects_bad_boxes():
    matrix = metrics.iou_matrix([[0, 0, 2, 2], [0, 0, 4, 4]], [[1, 1, 3, 3], [0, 0, 2, 2], [9, 9, 9, 9]])
    expected = [[1 / 7, 1.0, 0.0], [4 / 16, 4 / 16, 0.0]]
    np.testing.assert_allclose(matrix, expected)
    with pytest.raises(ValueError, match="x_max < x_min"):
        metrics.iou_matrix([[2, 0, 0, 2]], [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="shape"):
        metrics.iou_matrix([[0, 0, 1]], [[0, 0, 1, 1]])


def test_average_precision_of_a_hand_traced_curve():
    # Detections: TP, FP, TP with 2 ground-truth boxes -> recall .5 .5 1, precision 1 .5 2/3.
    recall, precision = np.array([0.5, 0.5, 1.0]), np.array([1.0, 0.5, 2 / 3])
    assert metrics.average_precision(recall, precision) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    # 101 points: recall 0..0.5 (51 points) at 1, 0.51..1 (50 points) at 2/3.
    assert metrics.average_precision(recall, precision, "coco101") == pytest.approx((51 + 50 * 2 / 3) / 101)


def test_mean_average_precision_on_a_hand_case():
    truths = [{"boxes": [[0, 0, 10, 10], [20, 20, 30, 30]], "classes": [0, 0]},
              {"boxes": [[0, 0, 10, 10]], "classes": [1]}]
    predictions = [
        {"boxes": [[0, 0, 10, 10], [40, 40, 50, 50], [21, 21, 30, 30]], "scores": [0.9, 0.8, 0.7],
         "classes": [0, 0, 0]},
        {"boxes": [[0, 0, 10, 10], [0, 0, 10, 10]], "scores": [0.6, 0.95], "classes": [0, 1]},
    ]
    # class 0: 0.9 TP, 0.8 FP, 0.7 TP (IoU 0.81), 0.6 FP (wrong image's box) -> AP 0.5 + 0.5*2/3
    # class 1: one TP -> AP 1
    mean_ap, per_class = metrics.mean_average_precision(predictions, truths, return_per_class=True)
    assert per_class[0] == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert per_class[1] == pytest.approx(1.0)
    assert mean_ap == pytest.approx((per_class[0] + 1.0) / 2)


def test_a_duplicate_detection_counts_as_false_positive():
    truths = [{"boxes": [[0, 0, 10, 10]], "classes": [3]}]
    predictions = [{"boxes": [[0, 0, 10, 10], [0, 0, 10, 9]], "scores": [0.5, 0.9], "classes": [3, 3]}]
    flags = metrics.match_detections(predictions[0]["boxes"], predictions[0]["scores"], truths[0]["boxes"])
    assert flags.tolist() == [False, True]  # the higher score takes the box
    assert metrics.mean_average_precision(predictions, truths) == pytest.approx(1.0)


def _random_detection_problem(seed, num_images=25, num_classes=3):
    rng = np.random.default_rng(seed)
    truths, predictions = [], []
    for _ in range(num_images):
        count = rng.integers(1, 5)
        xy = rng.uniform(0, 80, (count, 2))
        wh = rng.uniform(5, 20, (count, 2))
        boxes = np.concatenate([xy, xy + wh], axis=1)
        classes = rng.integers(0, num_classes, count)
        truths.append({"boxes": boxes, "classes": classes})
        jitter = rng.normal(0, 2.5, boxes.shape)
        pred_boxes = boxes + jitter
        pred_boxes[:, 2:] = np.maximum(pred_boxes[:, 2:], pred_boxes[:, :2] + 1)
        pred_classes = np.where(rng.random(count) < 0.85, classes, rng.integers(0, num_classes, count))
        extra = rng.integers(0, 3)
        extra_xy = rng.uniform(0, 80, (extra, 2))
        extra_boxes = np.concatenate([extra_xy, extra_xy + rng.uniform(5, 20, (extra, 2))], axis=1)
        predictions.append({
            "boxes": np.concatenate([pred_boxes, extra_boxes]),
            "scores": rng.random(count + extra),
            "classes": np.concatenate([pred_classes, rng.integers(0, num_classes, extra)]),
        })
    return predictions, truths


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_map50_agrees_with_pycocotools(seed):
    pytest.importorskip("pycocotools")
    import contextlib
    import io

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    predictions, truths = _random_detection_problem(seed)
    images, annotations, results = [], [], []
    for image_id, (pred, truth) in enumerate(zip(predictions, truths, strict=False), start=1):
        images.append({"id": image_id, "width": 100, "height": 100})
        for box, cls in zip(truth["boxes"], truth["classes"], strict=False):
            w, h = box[2] - box[0], box[3] - box[1]
            annotations.append({"id": len(annotations) + 1, "image_id": image_id, "category_id": int(cls) + 1,
                                "bbox": [box[0], box[1], w, h], "area": w * h, "iscrowd": 0})
        for box, score, cls in zip(pred["boxes"], pred["scores"], pred["classes"], strict=False):
            results.append({"image_id": image_id, "category_id": int(cls) + 1, "score": float(score),
                            "bbox": [box[0], box[1], box[2] - box[0], box[3] - box[1]]})
    with contextlib.redirect_stdout(io.StringIO()):
        coco_truth = COCO()
        coco_truth.dataset = {"images": images, "annotations": annotations,
                              "categories": [{"id": k + 1} for k in range(3)]}
        coco_truth.createIndex()
        coco_results = coco_truth.loadRes(results)
        evaluation = COCOeval(coco_truth, coco_results, "bbox")
        evaluation.params.iouThrs = np.array([0.5])
        evaluation.params.maxDets = [100, 100, 100]
        evaluation.evaluate()
        evaluation.accumulate()
    precision = evaluation.eval["precision"][0, :, :, 0, -1]  # recall x class, area "all"
    per_class_coco = [precision[:, k].mean() for k in range(precision.shape[1]) if precision[0, k] > -1]
    ours = metrics.mean_average_precision(predictions, truths, method="coco101")
    assert ours == pytest.approx(np.mean(per_class_coco), abs=1e-9)
    # And the VOC all-points area is close to the 101-point sample of the same curve.
    assert metrics.mean_average_precision(predictions, truths) == pytest.approx(ours, abs=0.03)


def _voc_devkit_ap(recall, precision):
    """All-points AP as the PASCAL VOC 2010 devkit's VOCevaldet.m computes it (an independent
    yardstick: sentinels at recall 0 and 1, a backward loop for the envelope, a sum over the
    points where recall changes)."""
    mrec = [0.0, *recall, 1.0]
    mpre = [0.0, *precision, 0.0]
    for i in range(len(mpre) - 2, -1, -1):
        mpre[i] = max(mpre[i], mpre[i + 1])
    return sum((mrec[i] - mrec[i - 1]) * mpre[i] for i in range(1, len(mrec)) if mrec[i] != mrec[i - 1])


@pytest.mark.parametrize("seed", range(5))
def test_all_points_ap_agrees_with_the_voc_devkit(seed):
    rng = np.random.default_rng(seed)
    num_truths = int(rng.integers(3, 30))
    hits = rng.random(int(rng.integers(1, 60))) < rng.uniform(0.2, 0.9)  # detections in score order
    hits[np.cumsum(hits) > num_truths] = False  # no more true positives than objects
    true_positives, false_positives = np.cumsum(hits), np.cumsum(~hits)
    recall = true_positives / num_truths
    precision = true_positives / (true_positives + false_positives)
    assert metrics.average_precision(recall, precision) == pytest.approx(
        _voc_devkit_ap(list(recall), list(precision)), abs=1e-12)


def test_all_points_ap_of_a_hand_worked_curve():
    # Two objects; detections hit, miss, hit: recall 0.5, 0.5, 1; precision 1, 0.5, 2/3.
    # Envelope 1, 2/3, 2/3: AP = 0.5 * 1 + 0.5 * 2/3 = 5/6.
    assert metrics.average_precision([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3]) == pytest.approx(5 / 6)
    assert _voc_devkit_ap([0.5, 0.5, 1.0], [1.0, 0.5, 2 / 3]) == pytest.approx(5 / 6)


def test_psnr_of_one_image_matches_skimage():
    from skimage.metrics import peak_signal_noise_ratio

    rng = np.random.default_rng(0)
    clean = rng.random((16, 16))
    noisy = np.clip(clean + rng.normal(0, 0.1, clean.shape), 0, 1)
    assert metrics.psnr(clean, noisy) == pytest.approx(peak_signal_noise_ratio(clean, noisy, data_range=1.0))
    assert metrics.psnr(clean[..., None], noisy[..., None]) == pytest.approx(metrics.psnr(clean, noisy))
    assert metrics.psnr(clean, clean) == float("inf")
    assert metrics.psnr(np.zeros((2, 2)), np.full((2, 2), 0.1)) == pytest.approx(20.0)  # MSE 0.01
    assert metrics.psnr(np.zeros((2, 2)), np.full((2, 2), 25.5), max_value=255) == pytest.approx(20.0)


def test_psnr_of_a_batch_is_the_mean_of_per_image_values_as_tensorflow():
    import tensorflow as tf

    rng = np.random.default_rng(1)
    reference = rng.random((5, 8, 8, 1)).astype(np.float32)
    noise = rng.normal(0, 1, reference.shape) * rng.uniform(0.01, 0.2, (5, 1, 1, 1))
    estimate = np.clip(reference + noise, 0, 1).astype(np.float32)
    expected = tf.image.psnr(reference, estimate, max_val=1.0).numpy()
    per_image = metrics.psnr(reference, estimate, per_image=True)
    np.testing.assert_allclose(per_image, expected, rtol=1e-4)
    assert metrics.psnr(reference, estimate) == pytest.approx(float(np.mean(expected)), rel=1e-4)
    pooled = 10 * np.log10(1 / np.mean((reference.astype(np.float64) - estimate) ** 2))
    assert abs(metrics.psnr(reference, estimate) - pooled) > 0.1  # not the pooled-MSE figure
    grey_batch = metrics.psnr(reference[..., 0], estimate[..., 0], per_image=True)  # (N, H, W)
    np.testing.assert_allclose(grey_batch, per_image)


def test_psnr_rejects_bad_input():
    with pytest.raises(ValueError, match="equal shapes"):
        metrics.psnr(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="max_value"):
        metrics.psnr(np.zeros((2, 2)), np.zeros((2, 2)), max_value=0)
    with pytest.raises(ValueError, match="rank 2 or 3 or 4"):
        metrics.psnr(np.zeros(4), np.zeros(4))
