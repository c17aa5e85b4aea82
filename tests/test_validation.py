"""The shared input checks (course_utils._validation) say what was expected and what arrived."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils import _validation as v


@pytest.mark.parametrize("value", [0, -1, 2.0, True, "3", None])
def test_positive_int_rejects_what_is_not_one(value):
    with pytest.raises(ValueError, match="must be a positive integer"):
        v.check_positive_int(value, "stride")


def test_positive_int_and_pair_accept_numpy_integers():
    assert v.check_positive_int(np.int64(3), "stride") == 3
    assert v.check_int_pair(2, "pool_size") == (2, 2)
    assert v.check_int_pair((3, np.int32(1)), "pool_size") == (3, 1)
    with pytest.raises(ValueError, match="pair"):
        v.check_int_pair((1, 2, 3), "pool_size")


@pytest.mark.parametrize("value", [0, -0.5, float("nan"), float("inf"), "1", True])
def test_positive_number_rejects_zero_nan_inf_and_non_numbers(value):
    with pytest.raises(ValueError, match="positive number"):
        v.check_positive_number(value, "max_value")


def test_choice_is_case_insensitive_and_lists_the_options():
    assert v.check_choice("SAME", "padding", ("valid", "same")) == "same"
    with pytest.raises(ValueError, match="'valid', 'same'"):
        v.check_choice("full", "padding", ("valid", "same"))


def test_array_checks_rank_emptiness_and_dtype_with_a_hint():
    with pytest.raises(ValueError, match=r"conv2d expects x of rank 4, got rank 2 .* add a batch"):
        v.check_array(np.zeros((3, 3)), "x", "conv2d", ndim=4, hint="add a batch axis")
    with pytest.raises(ValueError, match="empty"):
        v.check_array(np.zeros((0, 3)), "x", "f")
    with pytest.raises(ValueError, match="numbers"):
        v.check_array(np.array(["a"]), "x", "f")
    assert v.check_array([[1, 2]], "x", "f", ndim=(2, 3)).shape == (1, 2)


def test_same_shape_and_image_shape():
    with pytest.raises(ValueError, match=r"\(2,\) and \(3,\)"):
        v.check_same_shape(np.zeros(2), np.zeros(3), "psnr")
    assert v.check_image_shape((28, 28, 1)) == (28, 28, 1)
    for bad in [(28, 28), "28x28x1"]:
        with pytest.raises(ValueError, match="height, width, channels"):
            v.check_image_shape(bad)
    with pytest.raises(ValueError, match="positive integer"):
        v.check_image_shape((28, 28, 0))


def test_in_range_boxes_labels_and_entries():
    assert v.check_in_range(0.5, "q", 0, 1, low_open=True) == 0.5
    for bad, wanted in [(0, r"q must be a number in \(0, 1\], got 0"), (float("nan"), "q must be"),
                        ("0.5", "q must be")]:
        with pytest.raises(ValueError, match=wanted):
            v.check_in_range(bad, "q", 0, 1, low_open=True)
    with pytest.raises(ValueError, match="std must be a number >= 0, got -1"):
        v.check_in_range(-1, "std", 0, np.inf)
    assert v.check_boxes([], "boxes").shape == (0, 4)
    with pytest.raises(ValueError, match=r"boxes has a box with x_max < x_min"):
        v.check_boxes([[5, 5, 2, 8]], "boxes")
    assert v.check_labels(np.array([[1], [2]], dtype=np.uint8), "y", "f").tolist() == [1, 2]
    with pytest.raises(ValueError, match=r"f expects y in 0 \.\. 2, got values from 0 to 3"):
        v.check_labels([0, 3], "y", "f", num_classes=3)
    with pytest.raises(ValueError, match=r"predictions\[1\] must be a dict with keys 'boxes', 'scores'"):
        v.check_entries([{"boxes": 1, "scores": 2}, {"boxes": 1}], "predictions", ("boxes", "scores"), "f")
    assert v.check_seed(np.int64(3)) == 3
    with pytest.raises(ValueError, match="seed must be a non-negative integer"):
        v.check_seed(-1)


# --------------------------------------------------------------------------- the public API
#
# Every public function and class of the learner wing that takes arrays or sizes from a
# learner is fed one bad input here, and must refuse it with a ValueError/TypeError whose
# message names the argument. test_every_public_function_has_a_bad_input_case fails when a
# new public function appears without a case here or a reason in NOT_LEARNER_INPUT.

GOOD_IMAGES = np.zeros((2, 8, 8, 1), np.float32)
GOOD_PROBABILITIES = np.full((4, 2), 0.5)
TFLITE = b"not checked before the arguments"
MODEL = object()  # replaced by a small Keras CNN (the `model` fixture)

CASES = [
    # module.function, arguments (positional tuple, keywords), message that names the argument
    ("ops.same_padding", (28, 0, 1), {}, "kernel_size"),
    ("ops.conv_output_size", (28, 3), {"stride": 0}, "stride"),
    ("ops.conv_param_count", (3, 0, 8), {}, "in_channels"),
    ("ops.receptive_field", ([("conv", 3)],), {}, "Layer 0"),
    ("ops.conv2d", (np.zeros((8, 8)), np.zeros((3, 3, 1, 1))), {}, "x of rank 4"),
    ("ops.conv2d_loop", (GOOD_IMAGES, np.zeros((3, 3, 1, 1))), {"padding": "full"}, "padding"),
    ("ops.conv2d_single", (np.zeros((8, 8)), np.zeros((3, 3))), {"stride": -1}, "stride"),
    ("ops.max_pool2d", (GOOD_IMAGES,), {"pool_size": 0}, "pool_size"),
    ("ops.avg_pool2d", (np.zeros((8, 8)),), {}, "x of rank 4"),
    ("metrics.iou_matrix", ([[0, 0, 1, 1]], [[0, 0, 1]]), {}, "boxes_b"),
    ("metrics.box_iou", ((0, 0, 1, 1), (2, 2, 1, 1)), {}, "box_b"),
    ("metrics.match_detections", ([[0, 0, 1, 1]], [0.9], [[0, 0, 1, 1]]), {"iou_threshold": 1.5},
     "iou_threshold"),
    ("metrics.average_precision", ([0.5], [1.0]), {"method": "voc07"}, "method"),
    ("metrics.mean_average_precision", ([{"boxes": [[0, 0, 1, 1]]}], [{"boxes": [], "classes": []}]),
     {}, "predictions"),
    ("metrics.psnr", (np.zeros((4, 4)), np.zeros((4, 4))), {"max_value": 0}, "max_value"),
    ("generation_metrics.inception_score", (np.full(4, 0.25),), {}, "probabilities"),
    ("generation_metrics.confident_share", (GOOD_PROBABILITIES,), {"threshold": 1.0}, "threshold"),
    ("generation_metrics.class_counts", (np.full((2, 2, 2), 0.5),), {}, "probabilities"),
    ("generation_metrics.class_coverage", (GOOD_PROBABILITIES,), {"min_count": 0}, "min_count"),
    ("generation_metrics.score_samples", (MODEL, GOOD_IMAGES), {"batch_size": 0}, "batch_size"),
    ("generation_metrics.nearest_training_images", (GOOD_IMAGES, np.zeros((3, 8, 8, 3))), {},
     "training_images"),
    ("generation_metrics.within_class_spread", (GOOD_IMAGES, [0, 1.5]), {}, "labels"),
    ("generation_metrics.frechet_distance", (np.zeros((5, 2)), np.zeros(5)), {}, "features_b"),
    ("generation_metrics.train_judge", (np.zeros((4, 28, 28, 1)), np.zeros(4, int)), {"batch_size": 0},
     "batch_size"),
    ("detection.make_digit_scenes", (np.zeros((4, 28, 28), np.uint8), np.zeros(4, int)), {"num_scenes": 0},
     "num_scenes"),
    ("detection.encode_targets", ([[[0, 0, 4, 4]]], [[1]]), {"image_size": 64, "grid_size": 0}, "grid_size"),
    ("detection.draw_detections", (None, np.zeros((8, 8)), [[0, 0, 9]]), {}, "boxes"),
    ("detection.pycocotools_map50", ({"boxes": []}, []), {}, "predictions"),
    ("compression.convert_to_tflite", (MODEL,), {"mode": "int4"}, "mode"),
    ("compression.make_interpreter", (TFLITE,), {"batch_size": 0}, "batch_size"),
    ("compression.tflite_predict", (TFLITE, GOOD_IMAGES), {"batch_size": 0}, "batch_size"),
    ("compression.tflite_latency", ("model.tflite", GOOD_IMAGES), {}, "model_content"),
    ("explain.saliency_map", (MODEL, np.zeros((8, 8, 1))), {}, "images of rank 4"),
    ("explain.grad_cam", (MODEL, GOOD_IMAGES[..., 0]), {}, "images of rank 4"),
    ("explain.occlusion_map", (MODEL, GOOD_IMAGES), {"stride": 0}, "stride"),
    ("explain.randomize_weights", (MODEL,), {"seed": -1}, "seed"),
    ("explain.channel_weights", (np.zeros((2, 3, 4)),), {}, "gradients"),
    ("explain.map_correlation", (np.zeros((2, 4, 4)), np.zeros((2, 4, 5))), {}, "maps_a and maps_b"),
    ("privacy.poisson_batches", (GOOD_IMAGES, np.zeros(2, int)), {"sampling_rate": 0}, "sampling_rate"),
    ("privacy.compute_epsilon", (1.0, 0.01, 100), {"delta": 1.0}, "delta"),
    ("privacy.advantage_at", ([], [1.0]), {"threshold": 0.5}, "member_losses"),
    ("privacy.best_threshold", ([1.0], [np.nan]), {}, "nonmember_losses"),
    ("privacy.chance_advantage", ([1.0], [2.0], [1.0], [2.0]), {"trials": 0}, "trials"),
    ("plotting.plot_image_grid", (GOOD_IMAGES,), {"num_columns": 0}, "num_columns"),
    ("plotting.confusion_matrix", ([0, 1], [0, 2]), {"num_classes": 2}, "predicted_labels"),
    ("plotting.plot_confusion_matrix", ([0, 1], [0.5, 1]), {}, "predicted_labels"),
    ("plotting.plot_history", ({"loss": [1.0]},), {"metrics": ["accuracy"]}, "accuracy"),
    ("models.autoencoders.add_gaussian_noise", (GOOD_IMAGES,), {"std": -0.1}, "std"),
    ("models.autoencoders.ImagePairs", (GOOD_IMAGES,), {"batch_size": 0}, "batch_size"),
    ("models.applications.TimeBudgetSchedule", (60.0, 1e-3), {"warmup_fraction": 1.0}, "warmup_fraction"),
    ("models.classifiers.relu_feature_maps", (MODEL, GOOD_IMAGES[0]), {}, "images of rank 4"),
    ("datasets.to_float_images", (np.zeros((2, 8, 8), np.float32),), {}, "uint8"),
    ("datasets.take_subset", (GOOD_IMAGES, np.zeros(2)), {"size": 0}, "size"),
    ("datasets.subset_for_mode", (GOOD_IMAGES, np.zeros(3)), {"fast_size": 1}, "differ in length"),
    ("datasets.load_sample_image", ("cameraman",), {}, "sample image"),
    ("datasets.load_dataset", ("mnsit",), {}, "data set"),
    ("config.set_seed", (-1,), {}, "seed"),
    ("results.record", ("accuracy", float("nan")), {}, "finite"),
    ("results.save_artifact", ("../outside", GOOD_IMAGES), {}, "name"),
]

#: Public names that take no array or size from a learner, with the reason.
NOT_LEARNER_INPUT = {
    "models.classifiers.build_cnn": "taught copy of notebook 02: its code must equal the lesson's "
                                    "(test_taught_copies); keras.Input checks the shape",
    "models.classifiers.build_dense": "taught copy of notebook 02 (as build_cnn)",
    "detection.non_max_suppression": "taught copy of notebook 06_2 (as build_cnn)",
    "detection.DigitScenes": "a container that make_digit_scenes fills",
    "datasets.DataSource": "a record the loaders fill", "datasets.DatasetSplits": "a loader's result",
    "datasets.LabelledImages": "a loader's result",
    "datasets.data_dir": "reads the environment (COURSE_DATA_DIR), which it checks",
    "datasets.is_network_error": "classifies an exception object",
    "datasets.load_mnist": "only verbose", "datasets.load_fashion_mnist": "only verbose",
    "datasets.load_cifar10": "only verbose", "datasets.load_olivetti_faces": "only verbose",
    "datasets.load_lfw_subset": "no argument",
    "data_files.DatasetError": "exception", "data_files.DataIntegrityError": "exception",
    "data_files.DatasetUnavailableError": "exception",
    "data_files.sha256_of": "course files, not learner arrays (errors: DataIntegrityError)",
    "data_files.verify_file": "course files (as sha256_of)", "data_files.read_idx": "course files",
    "data_files.read_cifar10_folder": "course files", "data_files.read_olivetti_mat": "course files",
    "config.is_fast": "reads COURSE_FAST, which it checks", "config.mode_name": "no argument",
    "config.pick": "returns one of two objects, whatever they are",
    "results.results_dir": "no argument", "results.load_metrics": "a folder written by the runner",
    "setup_info.describe_setup": "no argument", "setup_info.show_setup": "no argument",
    "setup_info.cpu_computes_bfloat16": "a file path for tests; an unreadable one means False",
    "plotting.draw_lstm_cell": "only a Matplotlib axis",
    "explain.find_last_conv_layer": "only a model (a model without a convolution is refused)",
}

_SKIPPED_MODULES = {"faces", "_validation", "__main__"}  # faces.py: engineer C's, tested in test_faces


def _learner_modules():
    import importlib
    import pkgutil

    import course_utils

    names = []
    for package in ("course_utils", "course_utils.models"):
        for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
            if info.ispkg or info.name in _SKIPPED_MODULES:
                continue
            names.append(f"{package}.{info.name}".removeprefix("course_utils."))
    assert course_utils  # imported for its __path__
    return names


def _public_names(module_name):
    import importlib
    import inspect

    module = importlib.import_module(f"course_utils.{module_name}")
    return {f"{module_name}.{name}" for name, value in vars(module).items()
            if not name.startswith("_") and (inspect.isfunction(value) or inspect.isclass(value))
            and value.__module__ == module.__name__}


def _resolve(qualified):
    import importlib

    module_name, name = qualified.rsplit(".", 1)
    return getattr(importlib.import_module(f"course_utils.{module_name}"), name)


@pytest.fixture(scope="module")
def model():
    import keras

    return keras.Sequential([keras.Input(shape=(8, 8, 1)), keras.layers.Conv2D(2, 3, activation="relu"),
                             keras.layers.Flatten(), keras.layers.Dense(2, activation="softmax")])


@pytest.mark.parametrize("qualified, args, kwargs, names", CASES, ids=[case[0] for case in CASES])
def test_public_function_refuses_a_bad_input_with_a_message_naming_it(qualified, args, kwargs, names, model):
    function = _resolve(qualified)
    args = tuple(model if arg is MODEL else arg for arg in args)
    with pytest.raises((ValueError, TypeError)) as error:
        function(*args, **kwargs)
    assert names in str(error.value), f"{qualified}: the message does not say {names!r}: {error.value}"


def test_every_public_function_has_a_bad_input_case_or_a_reason_not_to():
    public = set().union(*(_public_names(name) for name in _learner_modules()))
    covered = {case[0] for case in CASES} | set(NOT_LEARNER_INPUT)
    assert not public - covered, (
        "public functions of the learner wing without a bad-input case in tests/test_validation.py "
        f"(validate their arguments with course_utils._validation, then add a case): {sorted(public - covered)}"
    )
    assert not covered - public, f"cases for names that no longer exist: {sorted(covered - public)}"
