"""The LBP cascade, blurring and face scenes (course_utils.faces)."""

import numpy as np
import pytest

from course_utils import faces


def test_faces_are_found_on_the_astronaut_and_blurred():
    import skimage.data

    photo = skimage.data.astronaut()
    boxes = faces.detect_faces(photo)
    assert len(boxes) >= 1
    row, col, height, width = boxes[0]
    assert 100 < row + height / 2 < 250 and 150 < col + width / 2 < 300  # Eileen Collins' face
    blurred = faces.blur_regions(photo, boxes)
    assert blurred.shape == photo.shape and blurred.dtype == photo.dtype
    face = (slice(row, row + height), slice(col, col + width))
    assert blurred[face].astype(float).std() < photo[face].astype(float).std() * 0.8
    np.testing.assert_array_equal(blurred[-50:], photo[-50:])
    with pytest.raises(ValueError, match="image"):
        faces.detect_faces(np.zeros(5))


def test_to_grey_gives_floats_in_0_1():
    grey = faces.to_grey(np.full((4, 5, 3), 255, dtype=np.uint8))
    assert grey.shape == (4, 5) and grey.dtype == np.float32
    np.testing.assert_allclose(grey, 1.0, atol=1e-6)
    with pytest.raises(ValueError, match="image"):
        faces.to_grey(np.zeros((2, 2, 2, 2)))


def test_face_scenes_hold_the_pasted_faces_at_their_boxes():
    rng = np.random.default_rng(0)
    crops = rng.random((5, 25, 25)).astype(np.float32)
    background = np.zeros((200, 300), dtype=np.float32)
    scenes = faces.make_face_scenes(crops, [background], 12, scene_size=128, face_sizes=(25, 25), seed=3)
    assert len(scenes) == 12 and all(image.shape == (128, 128) for image in scenes.images)
    for image, boxes in zip(scenes.images, scenes.boxes, strict=True):
        assert 1 <= len(boxes) <= 3
        covered = np.zeros(image.shape, dtype=bool)
        for x0, y0, x1, y1 in boxes.astype(int):
            assert x1 - x0 == 25 and y1 - y0 == 25
            assert not covered[y0:y1, x0:x1].any()  # faces do not overlap
            covered[y0:y1, x0:x1] = True
            patch = image[y0:y1, x0:x1]
            assert any(np.allclose(patch, crop, atol=1e-6) for crop in crops)  # a real crop, unresized
        assert np.all(image[~covered] == 0)  # the rest is the background
    truths = scenes.ground_truths()
    assert truths[0]["classes"].tolist() == [0] * len(scenes.boxes[0])
    again = faces.make_face_scenes(crops, [background], 12, scene_size=128, face_sizes=(25, 25), seed=3)
    np.testing.assert_array_equal(np.stack(again.images), np.stack(scenes.images))
    heads = rng.random((3, 64, 64)).astype(np.float32)
    framed = faces.make_face_scenes(heads, [background], 5, scene_size=128, face_sizes=(22, 22),
                                    face_region=(14, 10, 58, 54), seed=1)
    for image, boxes in zip(framed.images, framed.boxes, strict=True):
        for x0, y0, x1, y1 in boxes.astype(int):
            assert x1 - x0 == 22 == y1 - y0
            # the whole 64x64 photo, at half size, lies around the face box: 7 rows above it, 5 columns left
            assert np.all(image[y0 - 7 : y0 - 7 + 32, x0 - 5 : x0 - 5 + 32] > 0)
        assert np.count_nonzero(image) == 32 * 32 * len(boxes)
    with pytest.raises(ValueError, match="face_region"):
        faces.make_face_scenes(heads, [background], 1, face_region=(0, 0, 10, 20))
    with pytest.raises(ValueError, match="backgrounds"):
        faces.make_face_scenes(crops, [np.zeros((50, 50))], 1, scene_size=128)
    with pytest.raises(ValueError, match="face_sizes"):
        faces.make_face_scenes(crops, [background], 1, scene_size=128, face_sizes=(40, 140))
