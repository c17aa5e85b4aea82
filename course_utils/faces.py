"""Faces: scikit-image's LBP cascade, blurring, and scenes of real faces with known boxes.

* :func:`detect_faces` runs the classical LBP cascade shipped with
  scikit-image (works offline); notebooks 06_1 and 07_4 use this one copy.
* :func:`blur_regions` blurs boxes of a photo (anonymisation, notebook 07_4).
* :func:`make_face_scenes` pastes real face crops into real photos without
  faces, so that every face's exact box is known: the held-out test of a face
  detector (notebook 06_1).

Every box in this module is ``(x_min, y_min, x_max, y_max)`` in pixels, the
course's one box format (:mod:`course_utils.metrics`, :mod:`course_utils.detection`):
:func:`detect_faces` returns them, :func:`blur_regions` takes them and
:func:`make_face_scenes` records them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_array, check_positive_int, check_positive_number

__all__ = ["FaceScenes", "blur_regions", "detect_faces", "make_face_scenes", "to_grey"]


def _as_corner_boxes(boxes, image_shape, function: str) -> np.ndarray:
    """Boxes as a float64 array of shape (K, 4), checked to be ``(x_min, y_min, x_max, y_max)``."""
    boxes = np.asarray(boxes, dtype=np.float64) if len(boxes) else np.zeros((0, 4))
    if boxes.ndim != 2 or boxes.shape[1] != 4:
        raise ValueError(f"{function} expects boxes of shape (K, 4) as (x_min, y_min, x_max, y_max), "
                         f"got shape {boxes.shape}.")
    if not np.all(np.isfinite(boxes)):
        raise ValueError(f"{function} got a box with a non-finite coordinate: {boxes.tolist()}.")
    if np.any(boxes[:, 2] <= boxes[:, 0]) or np.any(boxes[:, 3] <= boxes[:, 1]):
        raise ValueError(f"{function} got a box with x_max <= x_min or y_max <= y_min: {boxes.tolist()}; boxes are "
                         "(x_min, y_min, x_max, y_max), not (row, col, height, width).")
    height, width = image_shape[:2]
    outside = (boxes[:, 2] <= 0) | (boxes[:, 3] <= 0) | (boxes[:, 0] >= width) | (boxes[:, 1] >= height)
    if np.any(outside):
        raise ValueError(f"{function} got a box outside the {height}x{width} image: "
                         f"{boxes[outside].tolist()} (boxes are (x_min, y_min, x_max, y_max)).")
    return boxes


def detect_faces(image, scale_factor: float = 1.2, step_ratio: float = 1.0,
                 min_size=(60, 60), max_size=(300, 300)) -> np.ndarray:
    """Find frontal faces with scikit-image's LBP cascade (works offline).

    Parameters
    ----------
    image : numpy.ndarray, shape (H, W) or (H, W, 3)
        A photo (uint8 or floats in [0, 1]).
    scale_factor : float, default 1.2
        Ratio between two scales of the search (> 1).
    step_ratio : float, default 1.0
        Step of the sliding window, as a fraction of the window (> 0).
    min_size, max_size : (int, int)
        Smallest and largest face searched for, ``(height, width)`` in pixels.
        All four are passed to ``skimage.feature.Cascade.detect_multi_scale``.

    Returns
    -------
    numpy.ndarray of int64, shape (K, 4)
        One box per detected face, ``(x_min, y_min, x_max, y_max)`` in pixels
        (``K = 0`` when none is found).
    """
    from skimage import data, feature
    from skimage.util import img_as_float

    image = check_array(image, "image", "detect_faces", ndim=(2, 3))
    if image.ndim == 3 and image.shape[2] != 3:
        raise ValueError(f"detect_faces expects an (H, W) or (H, W, 3) image, got {image.shape}.")
    if check_positive_number(scale_factor, "scale_factor") <= 1:
        raise ValueError(f"scale_factor must be larger than 1, got {scale_factor!r}.")
    check_positive_number(step_ratio, "step_ratio")
    detector = feature.Cascade(data.lbp_frontal_face_cascade_filename())
    found = detector.detect_multi_scale(img=img_as_float(image), scale_factor=scale_factor,
                                        step_ratio=step_ratio, min_size=min_size,
                                        max_size=max_size)
    # scikit-image gives (r, c, height, width): top row, left column and the size
    boxes = [(box["c"], box["r"], box["c"] + box["width"], box["r"] + box["height"]) for box in found]
    return np.array(boxes, dtype=np.int64).reshape(-1, 4)


def blur_regions(image, boxes, sigma: float = 12.0, margin: float = 0.2) -> np.ndarray:
    """Return a copy of ``image`` with each box (grown by ``margin``) Gaussian-blurred.

    Parameters
    ----------
    image : numpy.ndarray, shape (H, W) or (H, W, C)
    boxes : array-like, shape (K, 4)
        ``(x_min, y_min, x_max, y_max)`` in pixels, e.g. from :func:`detect_faces`;
        each must overlap the image. ``K = 0`` returns an unchanged copy.
    sigma : float, default 12.0
        Blur strength in pixels; large enough that a face cannot be recognised.
    margin : float, default 0.2
        Fraction of the box size added on every side (hair, chin), >= 0.

    Returns
    -------
    numpy.ndarray
        Same shape and dtype as ``image``.
    """
    from scipy.ndimage import gaussian_filter

    image = check_array(image, "image", "blur_regions", ndim=(2, 3))
    boxes = _as_corner_boxes(boxes, image.shape, "blur_regions")
    check_positive_number(sigma, "sigma")
    if (isinstance(margin, bool) or not isinstance(margin, (int, float, np.integer, np.floating))
            or not np.isfinite(margin) or margin < 0):
        raise ValueError(f"margin must be a number >= 0, got {margin!r}.")
    blurred = image.copy()
    height, width = image.shape[:2]
    for x_min, y_min, x_max, y_max in boxes:
        box_width, box_height = x_max - x_min, y_max - y_min
        top = max(0, int(y_min - margin * box_height))
        left = max(0, int(x_min - margin * box_width))
        bottom = min(height, int(np.ceil(y_max + margin * box_height)))
        right = min(width, int(np.ceil(x_max + margin * box_width)))
        patch = image[top:bottom, left:right].astype(np.float64)
        sigmas = (sigma, sigma) + (0,) * (patch.ndim - 2)
        blurred[top:bottom, left:right] = np.clip(gaussian_filter(patch, sigmas), 0,
                                                  255 if image.dtype == np.uint8 else np.inf)
    return blurred


def to_grey(image) -> np.ndarray:
    """A photo as float32 grey values in [0, 1].

    Parameters
    ----------
    image : numpy.ndarray, shape (H, W) or (H, W, 3)
        uint8 (0-255) or floats in [0, 1].

    Returns
    -------
    numpy.ndarray of float32, shape (H, W)
    """
    from skimage.color import rgb2gray
    from skimage.util import img_as_float

    image = img_as_float(np.asarray(image))
    if image.ndim == 3:
        image = rgb2gray(image[..., :3])
    elif image.ndim != 2:
        raise ValueError(f"to_grey expects an (H, W) or (H, W, 3) image, got {image.shape}.")
    return image.astype(np.float32)


@dataclass
class FaceScenes:
    """Grey photos with pasted faces and their exact boxes.

    Attributes
    ----------
    images : list of numpy.ndarray of float32, each shape (H, W)
        Grey scenes, values in [0, 1].
    boxes : list of numpy.ndarray, each shape (K_i, 4)
        The pasted faces, pixels, ``(x_min, y_min, x_max, y_max)``.
    """

    images: list
    boxes: list

    def __len__(self) -> int:
        return len(self.images)

    def ground_truths(self) -> list:
        """``[{"boxes", "classes"}, ...]`` (class 0 = face) for :func:`course_utils.metrics.mean_average_precision`."""
        return [{"boxes": b, "classes": np.zeros(len(b), dtype=np.int64)} for b in self.boxes]


def make_face_scenes(faces, backgrounds, num_scenes: int, scene_size: int = 128,
                     face_sizes=(32, 56), max_faces: int = 3, seed: int = 0,
                     face_region=None) -> FaceScenes:
    """Paste real face photos at random places and sizes into crops of real photos.

    Each scene is a random ``scene_size x scene_size`` crop of one of the
    ``backgrounds`` (photos that show no face), with 1 to ``max_faces`` face
    photos resized and pasted where they do not overlap another one. The box
    of a face is exactly where its ``face_region`` (by default the whole
    photo) lands in the scene.

    Parameters
    ----------
    faces : numpy.ndarray, shape (N, h, w)
        Grey face crops in [0, 1], e.g. scikit-image's LFW subset (25x25).
    backgrounds : sequence of numpy.ndarray, each shape (H, W)
        Grey photos in [0, 1], each at least ``scene_size`` on both sides.
    num_scenes : int
    scene_size : int, default 128
    face_sizes : (int, int), default (32, 56)
        Smallest and largest side of a face box in the scene, pixels (inclusive).
    max_faces : int, default 3
    seed : int, default 0
        Same seed, same scenes.
    face_region : (top, left, bottom, right), optional
        Where the face is inside each face photo, in its pixels (a square),
        e.g. forehead to chin of a head-and-shoulders photo; the rest of the
        photo is pasted around it. Default: the whole photo is the face.

    Returns
    -------
    FaceScenes
        ``images[i]`` of shape (scene_size, scene_size); ``boxes[i]`` of shape
        (K_i, 4) as ``(x_min, y_min, x_max, y_max)``, 1 <= K_i <= max_faces.
    """
    from skimage.transform import resize

    num_scenes = check_positive_int(num_scenes, "num_scenes")
    scene_size = check_positive_int(scene_size, "scene_size")
    max_faces = check_positive_int(max_faces, "max_faces")
    faces = np.asarray(faces, dtype=np.float32)
    if faces.ndim != 3 or len(faces) == 0:
        raise ValueError(f"faces must be grey crops of shape (N, h, w), got {faces.shape}.")
    backgrounds = [np.asarray(b, dtype=np.float32) for b in backgrounds]
    if not backgrounds or any(b.ndim != 2 or min(b.shape) < scene_size for b in backgrounds):
        raise ValueError(f"backgrounds must be grey (H, W) photos at least {scene_size} pixels on each side.")
    crop_height, crop_width = faces.shape[1:]
    region_top, region_left, region_bottom, region_right = (face_region if face_region is not None
                                                            else (0, 0, crop_height, crop_width))
    if not (0 <= region_top < region_bottom <= crop_height and 0 <= region_left < region_right <= crop_width
            and region_bottom - region_top == region_right - region_left):
        raise ValueError(f"face_region {face_region} must be a square (top, left, bottom, right) inside the "
                         f"{crop_height}x{crop_width} face photos.")
    region_side = region_bottom - region_top
    low, high = int(face_sizes[0]), int(face_sizes[1])
    if not 8 <= low <= high or high * max(crop_height, crop_width) / region_side > scene_size:
        raise ValueError(f"face_sizes {face_sizes} must satisfy 8 <= low <= high, with the pasted photo no larger "
                         "than the scene.")
    rng = np.random.default_rng(seed)
    images, all_boxes = [], []
    for _ in range(num_scenes):
        photo = backgrounds[int(rng.integers(len(backgrounds)))]
        top = int(rng.integers(0, photo.shape[0] - scene_size + 1))
        left = int(rng.integers(0, photo.shape[1] - scene_size + 1))
        scene = photo[top : top + scene_size, left : left + scene_size].copy()
        wanted, boxes, pasted_areas = int(rng.integers(1, max_faces + 1)), [], []
        for _ in range(50):
            if len(boxes) == wanted:
                break
            side = int(rng.integers(low, high + 1))
            zoom = side / region_side
            paste_height, paste_width = round(crop_height * zoom), round(crop_width * zoom)
            x0 = int(rng.integers(0, scene_size - paste_width + 1))
            y0 = int(rng.integers(0, scene_size - paste_height + 1))
            pasted = np.array([x0, y0, x0 + paste_width, y0 + paste_height], dtype=np.float64)
            if any(min(pasted[2], p[2]) > max(pasted[0], p[0]) and min(pasted[3], p[3]) > max(pasted[1], p[1])
                   for p in pasted_areas):
                continue
            face = faces[int(rng.integers(len(faces)))]
            scene[y0 : y0 + paste_height, x0 : x0 + paste_width] = resize(face, (paste_height, paste_width), order=1,
                                                                          anti_aliasing=zoom < 1)
            box_x0, box_y0 = x0 + round(region_left * zoom), y0 + round(region_top * zoom)
            boxes.append(np.array([box_x0, box_y0, box_x0 + side, box_y0 + side], dtype=np.float64))
            pasted_areas.append(pasted)
        images.append(scene)
        all_boxes.append(np.array(boxes, dtype=np.float64).reshape(-1, 4))
    return FaceScenes(images, all_boxes)
