"""Plain data across the sandbox boundary: values as JSON, never as objects.

The grader talks to a learner's sandboxed kernel only through JSON messages
whose values are *plain*: ``None``, ``bool``, ``int``, ``float``, ``complex``,
``str``, ``bytes``, NumPy arrays and scalars of numeric or boolean dtype, and
``list`` / ``tuple`` / ``dict`` of those. :func:`encode` accepts a value only
when its type *is* one of these (``type(x) is int``, not ``isinstance``), so an
``int`` subclass with an ``__eq__`` that is always true cannot cross; NumPy
arrays travel as raw bytes with an allow-listed dtype (never pickled).
:func:`decode` validates the JSON it receives and builds fresh built-in / NumPy
objects, so whatever a submission writes, the grader only ever holds data.

This module imports nothing from the course; the sandboxed kernel imports it
to answer the grader's calls (:func:`serve_call`).
"""

from __future__ import annotations

import base64
import json
import math
import time
import traceback

import numpy as np

__all__ = [
    "MAX_MESSAGE_BYTES",
    "NotPlainData",
    "decode",
    "describe",
    "dumps",
    "encode",
    "loads",
    "serve_call",
]

#: The largest message (one call's arguments or result) either side accepts.
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_MAX_DEPTH = 32
_MAX_ITEMS = 1_000_000

#: NumPy dtypes that may cross (no object, string, void, datetime dtypes).
ALLOWED_DTYPES = frozenset(
    np.dtype(name).str
    for name in ("bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
                 "uint64", "float16", "float32", "float64", "complex64", "complex128")
)


class NotPlainData(TypeError):
    """A value (or a message) is not plain data; the message says which part."""


def _tensor_to_array(value):
    """A TensorFlow / Keras tensor as a NumPy array (in the sandbox only), else None."""
    module = type(value).__module__ or ""
    if module.split(".")[0] in ("tensorflow", "keras", "jax", "torch") and hasattr(value, "numpy"):
        array = value.numpy()
        if type(array) is np.ndarray or isinstance(type(array), type) and type(array) in _NP_SCALARS:
            return array
    return None


_NP_SCALARS = {np.dtype(code).type for code in ALLOWED_DTYPES}


def encode(value, convert_tensors: bool = False, _depth: int = 0, _count: list | None = None):
    """Return ``value`` as a JSON-able tree of tagged plain data.

    Parameters
    ----------
    value : object
        A plain value (see the module docstring).
    convert_tensors : bool
        Also accept TensorFlow / Keras tensors, as NumPy arrays (the sandbox
        side does this; the grader never needs it).

    Raises
    ------
    NotPlainData
        ``value`` holds something else, e.g. an object of the learner's class.
    """
    _count = _count if _count is not None else [0]
    _count[0] += 1
    if _depth > _MAX_DEPTH or _count[0] > _MAX_ITEMS:
        raise NotPlainData("the value is nested too deeply or has too many items")
    kind = type(value)
    if value is None:
        return {"t": "none"}
    if kind is bool:
        return {"t": "bool", "v": bool(value)}
    if kind is int:
        return {"t": "int", "v": int.__repr__(value)}
    if kind is float:
        return {"t": "float", "v": float.hex(value)}
    if kind is complex:
        return {"t": "complex", "v": [float.hex(value.real), float.hex(value.imag)]}
    if kind is str:
        return {"t": "str", "v": str.__str__(value)}
    if kind is bytes:
        return {"t": "bytes", "v": base64.b64encode(value).decode("ascii")}
    if kind is np.ndarray:
        dtype = value.dtype
        if dtype.str not in ALLOWED_DTYPES and dtype.newbyteorder("=").str not in ALLOWED_DTYPES:
            raise NotPlainData(f"a NumPy array of dtype {dtype} (use a numeric or bool dtype)")
        native = np.array(value, dtype=dtype.newbyteorder("="), order="C", copy=True)
        return {"t": "ndarray", "dtype": native.dtype.str, "shape": [int(n) for n in native.shape],
                "v": base64.b64encode(native.tobytes()).decode("ascii")}
    if kind in _NP_SCALARS:
        array = np.asarray(value)
        return {"t": "npscalar", "dtype": array.dtype.str,
                "v": base64.b64encode(array.tobytes()).decode("ascii")}
    if kind in (list, tuple):
        items = [encode(item, convert_tensors, _depth + 1, _count) for item in value]
        return {"t": kind.__name__, "v": items}
    if kind is dict:
        keys = list(dict.keys(value))
        return {"t": "dict", "k": [encode(k, convert_tensors, _depth + 1, _count) for k in keys],
                "v": [encode(dict.__getitem__(value, k), convert_tensors, _depth + 1, _count)
                      for k in keys]}
    if convert_tensors:
        array = _tensor_to_array(value)
        if array is not None:
            return encode(array, False, _depth, _count)
        if _is_keras_model(value):
            return {"t": "keras_model", "v": base64.b64encode(_keras_model_bytes(value)).decode("ascii")}
    raise NotPlainData(describe_type(value))


def _is_keras_model(value) -> bool:
    return any(f"{k.__module__}.{k.__qualname__}" in ("keras.src.models.model.Model", "keras.Model")
               for k in type(value).__mro__)


def _keras_model_bytes(model) -> bytes:
    """A Keras model as the bytes of a ``.keras`` file (config JSON + weights; no code)."""
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/model.keras"
        model.save(path)
        with open(path, "rb") as stream:
            return stream.read()


def _check_keras_config(node) -> None:
    """Refuse a model config that names anything outside Keras (custom or Lambda layers)."""
    if isinstance(node, dict):
        module = node.get("module")
        if module is not None and (type(module) is not str or not (module == "keras" or module.startswith("keras."))):
            raise NotPlainData(f"the model uses {module!r}: only Keras' own layers can be graded")
        if node.get("class_name") in ("Lambda", "TFSMLayer") or node.get("registered_name") not in (None, node.get("class_name")):
            raise NotPlainData(f"the model uses a {node.get('registered_name') or node.get('class_name')} "
                               "layer: only Keras' own layers (no Lambda or custom layers) can be graded")
        for item in node.values():
            _check_keras_config(item)
    elif isinstance(node, list):
        for item in node:
            _check_keras_config(item)


def _load_keras_model(raw: bytes):
    """Rebuild a model from ``.keras`` bytes after checking its config names only Keras classes."""
    import tempfile
    import zipfile

    import keras

    with tempfile.TemporaryDirectory() as folder:
        path = f"{folder}/model.keras"
        with open(path, "wb") as stream:
            stream.write(raw)
        try:
            with zipfile.ZipFile(path) as archive:
                names = set(archive.namelist())
                if not names <= {"config.json", "metadata.json", "model.weights.h5", "assets/"}:
                    raise NotPlainData(f"unexpected files in the model: {sorted(names)[:5]}")
                _check_keras_config(json.loads(archive.read("config.json")))
        except (zipfile.BadZipFile, KeyError, ValueError) as error:
            raise NotPlainData(f"not a Keras model file: {error}") from None
        try:
            return keras.saving.load_model(path, compile=False, safe_mode=True)
        except Exception as error:
            raise NotPlainData(f"the model could not be rebuilt: {type(error).__name__}: {error}"[:300]) from None


def describe_type(value) -> str:
    """Name ``value``'s type for a learner, saying when it only imitates a built-in one."""
    kind = type(value)
    name = f"{kind.__module__}.{kind.__qualname__}" if kind.__module__ != "builtins" else kind.__name__
    for base in (bool, int, float, complex, str, bytes, list, tuple, dict, np.ndarray):
        if isinstance(value, base) and kind is not base:
            return (f"a {name} (a subclass of {base.__name__}); return a plain "
                    f"{base.__name__} or NumPy value instead")
    return f"a {name}, which is not plain data (numbers, strings, NumPy arrays, lists, tuples, dicts)"


def _b64(text) -> bytes:
    if type(text) is not str:
        raise NotPlainData("malformed message: expected base64 text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def decode(tree, _depth: int = 0, _count: list | None = None, allow_models: bool = True):
    """Build plain Python / NumPy values from an :func:`encode` tree, validating it.

    A Keras model (an exercise whose answer builds one) arrives as the bytes of
    a ``.keras`` file; with ``allow_models`` it is rebuilt by Keras in safe mode
    after checking that its config names only Keras' own classes (no Lambda or
    custom layer, so no learner code), else refused.

    Raises
    ------
    NotPlainData
        The tree is malformed (whatever produced it, nothing but plain data comes out).
    """
    _count = _count if _count is not None else [0]
    _count[0] += 1
    if _depth > _MAX_DEPTH or _count[0] > _MAX_ITEMS:
        raise NotPlainData("malformed message: nested too deeply or too many items")
    if type(tree) is not dict or type(tree.get("t")) is not str:
        raise NotPlainData("malformed message: expected a tagged value")
    tag, value = tree["t"], tree.get("v")
    if tag == "none":
        return None
    if tag == "bool" and type(value) is bool:
        return value
    if tag == "int" and type(value) is str and len(value) <= 5000:
        return int(value)
    if tag == "float" and type(value) is str:
        return float.fromhex(value)
    if tag == "complex" and type(value) is list and len(value) == 2:
        return complex(float.fromhex(str(value[0])), float.fromhex(str(value[1])))
    if tag == "str" and type(value) is str:
        return value
    if tag == "bytes":
        return _b64(value)
    if tag in ("ndarray", "npscalar"):
        dtype = tree.get("dtype")
        if type(dtype) is not str or dtype not in ALLOWED_DTYPES:
            raise NotPlainData(f"malformed message: dtype {dtype!r} may not cross")
        raw = _b64(value)
        flat = np.frombuffer(raw, dtype=np.dtype(dtype)).copy()
        if tag == "npscalar":
            if flat.size != 1:
                raise NotPlainData("malformed message: a scalar with several values")
            return flat[0]
        shape = tree.get("shape")
        if type(shape) is not list or not all(type(n) is int and n >= 0 for n in shape):
            raise NotPlainData("malformed message: bad array shape")
        if math.prod(shape) != flat.size:
            raise NotPlainData("malformed message: array shape and data disagree")
        return flat.reshape(tuple(shape))
    if tag == "keras_model" and allow_models:
        return _load_keras_model(_b64(value))
    if tag in ("list", "tuple") and type(value) is list:
        items = [decode(item, _depth + 1, _count, allow_models) for item in value]
        return items if tag == "list" else tuple(items)
    if tag == "dict" and type(value) is list and type(tree.get("k")) is list:
        keys = [decode(k, _depth + 1, _count, False) for k in tree["k"]]
        if len(keys) != len(value):
            raise NotPlainData("malformed message: dict keys and values disagree")
        result = {}
        for key, item in zip(keys, value, strict=True):
            try:
                result[key] = decode(item, _depth + 1, _count, allow_models)
            except TypeError as error:  # an unhashable key (a list, an array)
                raise NotPlainData(f"malformed message: {error}") from None
        return result
    raise NotPlainData(f"malformed message: unknown or malformed tag {tag!r}")


def dumps(message: dict) -> str:
    """One protocol message as one line of JSON."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False)


def loads(line: str | bytes) -> dict:
    """Parse one protocol message (a JSON object), bounded in size."""
    if len(line) > MAX_MESSAGE_BYTES:
        raise NotPlainData(f"message larger than {MAX_MESSAGE_BYTES} bytes")
    message = json.loads(line)
    if type(message) is not dict:
        raise NotPlainData("malformed message: expected a JSON object")
    return message


def describe(value, limit: int = 80) -> str:
    """A short, safe description of a plain value for messages (arrays by shape)."""
    if type(value) is np.ndarray:
        if value.size <= 6:
            text = np.array2string(value, separator=", ", threshold=6).replace("\n", "")
            return f"array({text}, dtype={value.dtype})"
        return f"array of shape {value.shape} and dtype {value.dtype}"
    if type(value) in (list, tuple):
        inner = ", ".join(describe(item, limit) for item in value[:4])
        more = ", ..." if len(value) > 4 else ""
        text = f"[{inner}{more}]" if type(value) is list else f"({inner}{more}{',' if len(value) == 1 else ''})"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --------------------------------------------------------------------------- sandbox side


def serve_call(namespace: dict, request_path: str, reply_path: str) -> None:
    """Answer one grader call inside the sandboxed kernel (run by the sandbox runner).

    Reads ``{"op": "call", "name", "args", "kwargs"}`` or ``{"op": "get", "name"}``
    from ``request_path``, calls the learner's function ``namespace[name]`` (or
    reads the variable) and writes the plain result, or the exception it raised,
    as JSON to ``reply_path``. Runs in the learner's kernel: what it writes is a
    claim that the grader validates, never trusted.
    """
    with open(request_path, encoding="utf-8") as stream:
        request = loads(stream.read())
    name = request.get("name")
    reply: dict
    if type(name) is not str or name not in namespace:
        reply = {"missing": True}
    elif request.get("op") == "get":
        try:
            reply = {"ok": encode(namespace[name], convert_tensors=True)}
        except NotPlainData as error:
            reply = {"not_plain": str(error), "callable": callable(namespace[name])}
    else:
        function = namespace[name]
        try:
            args = decode(request["args"])
            kwargs = decode(request["kwargs"])
            start = time.perf_counter()
            result = function(*args, **kwargs)
            seconds = time.perf_counter() - start
        except BaseException as error:  # the learner's function raised: report it as data
            frames = traceback.extract_tb(error.__traceback__)[1:]
            where = f"line {frames[-1].lineno} of {frames[-1].name}" if frames else ""
            reply = {"raised": type(error).__name__, "message": str(error)[:500], "where": where}
        else:
            try:
                reply = {"ok": encode(result, convert_tensors=True), "seconds": seconds}
            except NotPlainData as error:
                reply = {"not_plain": str(error)}
    with open(reply_path, "w", encoding="utf-8") as stream:
        stream.write(dumps(reply))
