"""Exercises of notebook 06: untouched -> not attempted, wrong -> a one-line message, reference passes."""

import numpy as np
import pytest

from course_utils.exercises import ExerciseFailure, NotAttemptedError, get_exercise, list_exercises

KEYS = ["06.identify_nearest", "06.verification_rates", "06.box_iou", "06.nms",
        "06.per_class_accuracy", "06.most_confused_pairs", "06.psnr", "06.downsample_2x"]


def _reference(key):
    namespace = {"np": np}
    import course_utils as cu

    namespace["cu"] = cu
    exec(get_exercise(key).solution_code, namespace)
    name = get_exercise(key).solution_code.split("def ", 1)[1].split("(", 1)[0]
    return namespace[name]


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


def test_wrong_identification_names_the_probe_labels():
    def farthest(gallery, labels, probes):
        distances = np.linalg.norm(probes[:, None] - gallery[None], axis=-1)
        return labels[np.argmax(distances, axis=1)]

    _one_line_failure("06.identify_nearest", farthest, "should be [3, 5, 7, 7]")


def test_verification_with_a_strict_threshold_is_caught():
    def strict(distances, same_person, threshold):
        accepted = np.asarray(distances) < threshold
        return accepted[same_person].mean(), accepted[~same_person].mean()

    _one_line_failure("06.verification_rates", strict, "threshold 0.5")


def test_iou_that_forgets_disjoint_boxes_is_caught():
    def no_clipping(a, b):
        inter = (min(a[2], b[2]) - max(a[0], b[0])) * (min(a[3], b[3]) - max(a[1], b[1]))
        union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
        return inter / union

    _one_line_failure("06.box_iou", no_clipping, "box_iou((0, 0, 2, 2), (5, 5, 6, 6)) should be 0")


def test_iou_over_the_sum_of_areas_is_caught():
    def dice_like(a, b):
        inter = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
        return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]))

    _one_line_failure("06.box_iou", dice_like, "box_iou((0, 0, 2, 2), (1, 1, 3, 3)) should be 0.142857")


def test_nms_that_keeps_everything_is_caught():
    _one_line_failure("06.nms", lambda boxes, scores, t: list(np.argsort(-scores)), "should be [3, 2]")


def test_overall_instead_of_per_class_accuracy_is_caught():
    def overall(y_true, y_pred, num_classes):
        return np.full(num_classes, np.mean(np.asarray(y_true) == np.asarray(y_pred)))

    _one_line_failure("06.per_class_accuracy", overall, "per_class_accuracy(")


def test_confused_pairs_including_the_diagonal_are_caught():
    def with_diagonal(confusion, top):
        flat = np.argsort(-np.asarray(confusion), axis=None)[:top]
        return list(zip(*np.unravel_index(flat, np.asarray(confusion).shape), strict=False))

    _one_line_failure("06.most_confused_pairs", with_diagonal, "should be [(1, 0), (0, 2)]")


def test_psnr_with_20_log_is_caught():
    def wrong_psnr(reference, estimate):
        return 20 * np.log10(1 / np.mean((np.asarray(reference) - np.asarray(estimate)) ** 2))

    _one_line_failure("06.psnr", wrong_psnr, "should be 20, got 40")


def test_subsampling_instead_of_averaging_is_caught():
    _one_line_failure("06.downsample_2x", lambda image: np.asarray(image)[::2, ::2], "downsample_2x(np.arange(16)")
