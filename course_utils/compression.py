"""Making a trained classifier smaller and faster: TensorFlow Lite quantisation.

* **Post-training quantisation** with TensorFlow Lite: :func:`convert_to_tflite`
  turns a Keras model into a ``.tflite`` flat buffer with float32 weights
  (``"float"``), int8 weights and float activations (``"dynamic"``), or int8
  weights *and* activations calibrated on a representative dataset (``"int8"``).
  It uses ``tf.lite.TFLiteConverter.from_keras_model``; never
  ``from_concrete_functions``, which silently drops Keras 3 weights.
  :func:`tflite_predict` and :func:`tflite_latency` run the result with the
  LiteRT interpreter (``ai_edge_litert``) when installed, else ``tf.lite.Interpreter``.
Magnitude pruning and knowledge distillation are written in notebook
``07_2_compression`` itself (``tensorflow-model-optimization`` rejects Keras 3
models, and the code is the lesson).
"""

from __future__ import annotations

import contextlib
import io
import logging
import time
import warnings

import numpy as np

from ._validation import check_array, check_choice, check_positive_int

__all__ = [
    "convert_to_tflite",
    "make_interpreter",
    "tflite_latency",
    "tflite_predict",
]

QUANTISATION_MODES = ("float", "dynamic", "int8")


# --------------------------------------------------------------------------- quantisation


def convert_to_tflite(model, mode: str = "float", representative_images=None,
                      num_calibration: int = 200) -> bytes:
    """Convert a Keras model to a TensorFlow Lite flat buffer.

    Parameters
    ----------
    model : keras.Model
        A trained model (Sequential or functional).
    mode : {"float", "dynamic", "int8"}
        ``"float"``: float32 weights and maths. ``"dynamic"``: dynamic-range
        quantisation (int8 weights, float activations). ``"int8"``: full-integer
        quantisation (int8 weights and activations, uint8 input and output),
        calibrated on ``representative_images``.
    representative_images : numpy.ndarray, shape (N, ...), optional
        Typical inputs (e.g. training images), required for ``"int8"``.
    num_calibration : int, default 200
        How many of them the converter looks at.

    Returns
    -------
    bytes
        The ``.tflite`` model; ``len()`` is its file size in bytes.
    """
    mode = check_choice(mode, "mode", QUANTISATION_MODES)
    num_calibration = check_positive_int(num_calibration, "num_calibration")
    if mode == "int8":
        if representative_images is None:
            raise ValueError("mode='int8' needs representative_images (e.g. some training images) "
                             "to calibrate the activation ranges.")
        representative_images = check_array(representative_images, "representative_images",
                                            "convert_to_tflite")
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if mode in ("dynamic", "int8"):
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "int8":
        calibration = np.asarray(representative_images[:num_calibration], dtype=np.float32)

        def representative_dataset():
            for image in calibration:
                yield [image[np.newaxis]]

        converter.representative_dataset = representative_dataset
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.uint8
        converter.inference_output_type = tf.uint8
    tf_logger = logging.getLogger("tensorflow")
    level = tf_logger.level
    tf_logger.setLevel(logging.WARNING)  # the converter logs and prints its SavedModel export
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            # int8 with uint8 input: the converter asks for input statistics, which the
            # representative dataset already provides (the quantised model is checked in tests)
            warnings.filterwarnings("ignore", message="Statistics for quantized inputs were expected")
            return converter.convert()
    finally:
        tf_logger.setLevel(level)


def make_interpreter(model_content: bytes, batch_size: int | None = None):
    """Return an allocated TFLite interpreter (LiteRT's if installed, else TensorFlow's).

    Parameters
    ----------
    model_content : bytes
        A ``.tflite`` model, e.g. from :func:`convert_to_tflite`.
    batch_size : int, optional
        Resize the input's batch axis (the converter fixes it to 1).
    """
    _check_model_content(model_content, "make_interpreter")
    if batch_size is not None:
        batch_size = check_positive_int(batch_size, "batch_size")
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # LiteRT is optional; TensorFlow ships the same interpreter
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    interpreter = Interpreter(model_content=model_content)
    if batch_size is not None:
        details = interpreter.get_input_details()[0]
        interpreter.resize_tensor_input(details["index"], [batch_size, *details["shape"][1:]])
    interpreter.allocate_tensors()
    return interpreter


def _check_model_content(model_content, function: str) -> None:
    if not isinstance(model_content, (bytes, bytearray)) or not model_content:
        raise TypeError(f"{function} expects model_content as the bytes of a .tflite model (what "
                        f"convert_to_tflite returns), got {type(model_content).__name__}.")


def _quantise_input(images, details):
    scale, zero_point = details["quantization"]
    if details["dtype"] in (np.uint8, np.int8):
        info = np.iinfo(details["dtype"])
        return np.clip(np.round(images / scale + zero_point), info.min, info.max).astype(details["dtype"])
    return images.astype(details["dtype"])


def _dequantise_output(values, details):
    scale, zero_point = details["quantization"]
    if details["dtype"] in (np.uint8, np.int8):
        return (values.astype(np.float32) - zero_point) * scale
    return values.astype(np.float32)


def tflite_predict(model_content: bytes, images, batch_size: int = 250) -> np.ndarray:
    """Run a ``.tflite`` classifier on images and return float outputs.

    Integer inputs and outputs (mode ``"int8"``) are (de)quantised with the
    model's own scale and zero point, so the result is comparable with Keras'.

    Parameters
    ----------
    model_content : bytes
    images : numpy.ndarray, shape (N, ...)
        Float inputs, as the Keras model expects them.
    batch_size : int
        Images per interpreter call.

    Returns
    -------
    numpy.ndarray of float32, shape (N, num_outputs)
    """
    _check_model_content(model_content, "tflite_predict")
    images = check_array(images, "images", "tflite_predict", ndim=range(2, 6)).astype(np.float32, copy=False)
    batch_size = check_positive_int(batch_size, "batch_size")
    outputs = []
    interpreter, current = None, None
    for start in range(0, len(images), batch_size):
        chunk = images[start : start + batch_size]
        if current != len(chunk):
            interpreter, current = make_interpreter(model_content, len(chunk)), len(chunk)
        input_details = interpreter.get_input_details()[0]
        output_details = interpreter.get_output_details()[0]
        interpreter.set_tensor(input_details["index"], _quantise_input(chunk, input_details))
        interpreter.invoke()
        outputs.append(_dequantise_output(interpreter.get_tensor(output_details["index"]),
                                          output_details))
    return np.concatenate(outputs)


def tflite_latency(model_content: bytes, images, repeats: int = 3) -> float:
    """Median time (seconds) for the interpreter to classify one image.

    Each image is fed alone (batch 1), as on a phone; the median over all
    images and ``repeats`` passes is returned.

    Parameters
    ----------
    model_content : bytes
    images : numpy.ndarray, shape (N, ...)
        Float inputs, as the Keras model expects them.
    repeats : int, default 3
        Passes over the images.

    Returns
    -------
    float
        Seconds per image.
    """
    _check_model_content(model_content, "tflite_latency")
    images = check_array(images, "images", "tflite_latency", ndim=range(2, 6)).astype(np.float32, copy=False)
    repeats = check_positive_int(repeats, "repeats")
    interpreter = make_interpreter(model_content)
    input_details = interpreter.get_input_details()[0]
    prepared = _quantise_input(images, input_details)
    timings = []
    for _ in range(repeats):
        for image in prepared:
            start = time.perf_counter()
            interpreter.set_tensor(input_details["index"], image[np.newaxis])
            interpreter.invoke()
            timings.append(time.perf_counter() - start)
    return float(np.median(timings))
