"""Exercises of notebooks 06_1-06_5: untouched -> not attempted, wrong -> a one-line message, reference passes."""

import numpy as np
import pytest

from course_utils.exercises import ExerciseFailure, NotAttemptedError, get_exercise, list_exercises

KEYS = ["06.recall_and_false_alarms", "06.rank_k_accuracy", "06.soft_nms", "06.voc_true_positives",
        "06.bottleneck_block", "06.top_k_accuracy", "06.masked_psnr", "06.downsample_2x",
        "06.mean_iou", "06.dice_scores"]


def _reference(key):
    return get_exercise(key).reference_answer()


def test_all_exercises_of_notebook_06_are_registered():
    assert set(KEYS) <= set(list_exercises("06"))


@pytest.mark.parametrize("key", KEYS)
def test_reference_solution_passes(key):
    assert get_exercise(key).check(_reference(key)) is True


@pytest.mark.parametrize("key", KEYS)
def test_untouched_exercise_is_reported_as_not_attempted(key):
    def untouched(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(NotAttemptedError, match="not attempted"):
        get_exercise(key).check(untouched)


def _one_line_failure(key, answer, *fragments):
    with pytest.raises(ExerciseFailure) as failure:
        get_exercise(key).check(answer)
    message = str(failure.value)
    assert not isinstance(failure.value, NotAttemptedError)
    assert "\n" not in message and message.startswith(key)
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_operating_point_with_a_strict_threshold_is_caught():
    def strict(is_true_positive, scores, num_faces, num_images, threshold):
        kept = np.asarray(scores) > threshold
        flags = np.asarray(is_true_positive, dtype=bool)
        return np.sum(flags & kept) / num_faces, np.sum(~flags & kept) / num_images

    _one_line_failure("06.recall_and_false_alarms", strict, "threshold 0.8")


def test_rank_k_over_photos_instead_of_people_is_caught():
    def photos(distances, gallery_labels, probe_labels, k):
        nearest = np.argsort(np.asarray(distances), axis=1)[:, :k]
        return float(np.mean([label in np.asarray(gallery_labels)[row] for row, label in zip(nearest, probe_labels, strict=True)]))

    _one_line_failure("06.rank_k_accuracy", photos, "*people*")


def test_hard_nms_does_not_pass_as_soft_nms():
    from course_utils.detection import non_max_suppression
    from course_utils.metrics import iou_matrix

    def hard(boxes, scores, iou_threshold, score_threshold):
        keep = non_max_suppression(boxes, scores, iou_threshold)
        return list(keep), list(np.asarray(scores)[keep])

    message = _one_line_failure("06.soft_nms", hard, "from scratch")
    assert "hidden" in message

    def hard_written_out(boxes, scores, iou_threshold, score_threshold):  # not using the package at all
        order, keep = list(np.argsort(-np.asarray(scores))), []
        overlaps = iou_matrix(boxes, boxes)
        while order:
            best = order.pop(0)
            keep.append(best)
            order = [i for i in order if overlaps[best, i] <= iou_threshold]
        return keep, list(np.asarray(scores)[keep])

    _one_line_failure("06.soft_nms", hard_written_out, "kept indices")
    # and the package's NMS is back after the check
    assert list(non_max_suppression([[0, 0, 1, 1]], [1.0])) == [0]


def test_coco_matching_is_not_voc_matching():
    from course_utils import metrics

    _one_line_failure("06.voc_true_positives", lambda b, s, t, i: metrics.match_detections(b, s, t, i),
                      "should be [True, False], got [True, True]")


def test_bottleneck_without_shortcut_is_caught():
    from keras import layers

    def no_shortcut(x, filters):
        branch = layers.Conv2D(filters // 4, 1, use_bias=False)(x)
        branch = layers.ReLU()(layers.BatchNormalization()(branch))
        branch = layers.Conv2D(filters // 4, 3, padding="same", use_bias=False)(branch)
        branch = layers.ReLU()(layers.BatchNormalization()(branch))
        branch = layers.Conv2D(filters, 1, use_bias=False)(branch)
        return layers.ReLU()(layers.BatchNormalization()(branch))

    _one_line_failure("06.bottleneck_block", no_shortcut, "ReLU(input)")


def test_top_1_instead_of_top_k_is_caught():
    _one_line_failure("06.top_k_accuracy",
                      lambda p, y, k: float(np.mean(np.argmax(p, axis=1) == y)), "top_k_accuracy(probabilities, labels, 2)")


def test_psnr_over_the_whole_image_is_caught():
    def whole(reference, estimate, mask):
        return float(np.mean([10 * np.log10(1 / np.mean((r - e) ** 2)) for r, e in zip(reference, estimate, strict=True)]))

    _one_line_failure("06.masked_psnr", whole, "masked_psnr of one image")


def test_subsampling_instead_of_averaging_is_caught():
    _one_line_failure("06.downsample_2x", lambda image: np.asarray(image)[::2, ::2], "downsample_2x(np.arange(16)")


def test_mean_iou_counting_absent_classes_is_caught():
    def counts_absent(true_mask, predicted_mask, num_classes):
        true_mask, predicted_mask = np.ravel(true_mask), np.ravel(predicted_mask)
        ious = [np.sum((true_mask == k) & (predicted_mask == k)) / max(np.sum((true_mask == k) | (predicted_mask == k)), 1)
                for k in range(num_classes)]
        return float(np.mean(ious))

    _one_line_failure("06.mean_iou", counts_absent, "num_classes=6")


def test_dice_equal_to_iou_is_caught():
    def iou_instead(true_mask, predicted_mask, num_classes):
        true_mask, predicted_mask = np.ravel(true_mask), np.ravel(predicted_mask)
        return np.array([np.sum((true_mask == k) & (predicted_mask == k)) / np.sum((true_mask == k) | (predicted_mask == k))
                         if np.any((true_mask == k) | (predicted_mask == k)) else np.nan for k in range(num_classes)])

    _one_line_failure("06.dice_scores", iou_instead, "dice_scores on the 3x4 masks")
