"""The LBP cascade, blurring and face scenes (course_utils.faces)."""

import numpy as np
import pytest

from course_utils import faces


def test_faces_are_found_on_the_astronaut_as_corner_boxes_and_blurred():
    import skimage.data
    from skimage.feature import Cascade

    photo = skimage.data.astronaut()
    boxes = faces.detect_faces(photo)
    assert boxes.shape[1:] == (4,) and len(boxes) >= 1 and boxes.dtype == np.int64
    # the independent reference: scikit-image's own (r, c, height, width) dictionaries
    cascade = Cascade(skimage.data.lbp_frontal_face_cascade_filename())
    reference = cascade.detect_multi_scale(img=skimage.util.img_as_float(photo), scale_factor=1.2, step_ratio=1.0,
                                           min_size=(60, 60), max_size=(300, 300))
    expected = [[f["c"], f["r"], f["c"] + f["width"], f["r"] + f["height"]] for f in reference]
    assert boxes.tolist() == expected
    x_min, y_min, x_max, y_max = boxes[0]
    assert x_min < x_max and y_min < y_max
    assert 150 < (x_min + x_max) / 2 < 300 and 50 < (y_min + y_max) / 2 < 200  # Eileen Collins' face
    blurred = faces.blur_regions(photo, boxes)
    assert blurred.shape == photo.shape and blurred.dtype == photo.dtype
    face = (slice(y_min, y_max), slice(x_min, x_max))
    assert blurred[face].astype(float).std() < photo[face].astype(float).std() * 0.8
    np.testing.assert_array_equal(blurred[-50:], photo[-50:])
    np.testing.assert_array_equal(blurred[:, :100], photo[:, :100])  # left of the box (with its margin)
    assert faces.detect_faces(np.zeros((80, 80))).shape == (0, 4)
    with pytest.raises(ValueError, match="image"):
        faces.detect_faces(np.zeros(5))
    with pytest.raises(ValueError, match="image"):
        faces.detect_faces(np.zeros((20, 20, 4)))
    with pytest.raises(ValueError, match="scale_factor"):
        faces.detect_faces(photo, scale_factor=1.0)


def test_blur_regions_blurs_exactly_the_grown_corner_box():
    rng = np.random.default_rng(0)
    image = rng.random((40, 60)).astype(np.float32)
    blurred = faces.blur_regions(image, [(10, 5, 30, 25)], sigma=3, margin=0.0)  # x 10..30, y 5..25
    changed = np.argwhere(blurred != image)
    assert changed[:, 0].min() >= 5 and changed[:, 0].max() < 25  # rows = y
    assert changed[:, 1].min() >= 10 and changed[:, 1].max() < 30  # columns = x
    assert len(changed) > 0.9 * 20 * 20
    grown = faces.blur_regions(image, np.array([[10, 5, 30, 25]]), sigma=3, margin=0.5)  # 10 pixels more a side
    changed = np.argwhere(grown != image)
    assert changed[:, 0].min() == 0 and changed[:, 0].max() >= 30 and changed[:, 1].min() == 0
    np.testing.assert_array_equal(faces.blur_regions(image, []), image)
    np.testing.assert_array_equal(faces.blur_regions(image, np.zeros((0, 4))), image)


@pytest.mark.parametrize(
    ("boxes", "message"),
    [([(10, 5, 30)], "shape"), ([(30, 5, 10, 25)], "x_max <= x_min"), ([(10, 25, 30, 5)], "y_max <= y_min"),
     ([(70, 5, 90, 25)], "outside"), ([(10, np.nan, 30, 25)], "non-finite")],
)
def test_blur_regions_rejects_boxes_that_are_not_corner_boxes_in_the_image(boxes, message):
    with pytest.raises(ValueError, match=message):
        faces.blur_regions(np.zeros((40, 60)), boxes)


def test_blur_regions_rejects_bad_settings():
    with pytest.raises(ValueError, match="sigma"):
        faces.blur_regions(np.zeros((40, 60)), [(1, 1, 5, 5)], sigma=0)
    with pytest.raises(ValueError, match="margin"):
        faces.blur_regions(np.zeros((40, 60)), [(1, 1, 5, 5)], margin=-0.1)


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
    with pytest.raises(ValueError, match="num_scenes"):
        faces.make_face_scenes(crops, [background], 0)
    with pytest.raises(ValueError, match="face_sizes"):
        faces.make_face_scenes(crops, [background], 1, scene_size=128, face_sizes=(40, 140))
