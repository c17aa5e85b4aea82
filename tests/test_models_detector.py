"""The grid detector and its loss (course_utils.models.detector)."""

import numpy as np
import pytest

from course_utils.models.detector import DetectionLoss, build_grid_detector


def test_detector_maps_a_scene_to_the_grid():
    model = build_grid_detector(64, 8, num_classes=10, widths=(8, 8, 8))
    assert model.output_shape == (None, 8, 8, 15)
    assert model.predict(np.zeros((2, 64, 64, 1), np.float32), verbose=0).shape == (2, 8, 8, 15)
    with pytest.raises(ValueError, match="power of two"):
        build_grid_detector(60, 8)


def test_loss_matches_a_hand_computation():
    y_true = np.zeros((1, 2, 2, 6), np.float32)
    y_true[0, 0, 1] = [1, 0.5, 0.5, 0.25, 0.25, 2]
    y_pred = np.zeros((1, 2, 2, 3 + 5), np.float32)  # all logits 0: sigmoid 0.5, uniform classes
    loss = float(DetectionLoss(object_weight=5.0, box_weight=5.0)(y_true, y_pred))
    objectness = np.log(2) * (3 * 1 + 1 * 5)  # BCE(0.5) = log 2 in each cell, object cell weighs 5
    box = 5.0 * 2 * (np.sqrt(0.5) - np.sqrt(0.25)) ** 2  # offsets exact, sqrt(w), sqrt(h) off
    classes = np.log(3)  # uniform over 3 classes
    assert loss == pytest.approx(objectness + box + classes, rel=1e-4)
