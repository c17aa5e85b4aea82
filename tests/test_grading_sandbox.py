"""Unit tests of the grading sandbox's pieces (course_utils.tooling.plain / .sandbox).

No nbgrader and no notebook here: the plain-data codec that is the only thing
crossing the sandbox boundary, the graded package without reference answers,
and the confinement itself (one tiny bubblewrap run). The whole pipeline on real
notebooks is tested in tests/test_grading.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from course_utils.exercises import get_exercise, list_exercises
from course_utils.tooling import plain, sandbox

ROOT = Path(__file__).resolve().parents[1]


def _roundtrip(value):
    return plain.decode(json.loads(plain.dumps({"v": plain.encode(value)}))["v"])


# --------------------------------------------------------------------------- plain data


def test_plain_values_cross_with_their_exact_types():
    value = {"n": 3, "x": 0.1, "big": 2**80, "ok": True, "none": None, "s": "é", "c": 1 + 2j,
             "t": (1, [2.5, np.int64(7)]), "f32": np.float32(0.25), "b": b"\x00\xff"}
    back = _roundtrip(value)
    assert back == value
    assert type(back["t"]) is tuple and type(back["t"][1][1]) is np.int64
    assert type(back["f32"]) is np.float32 and type(back["n"]) is int and type(back["ok"]) is bool


def test_arrays_cross_as_bytes_with_dtype_and_shape():
    for array in (np.arange(12, dtype=np.float32).reshape(3, 4), np.array([[True, False]]),
                  np.zeros((0, 3), np.uint8), np.array(3.5), np.arange(6).astype(">i4")):
        back = _roundtrip(array)
        assert type(back) is np.ndarray and back.shape == array.shape
        assert back.dtype == array.dtype.newbyteorder("=") and np.array_equal(back, array)
    assert _roundtrip(np.array([np.nan, np.inf]))[1] == np.inf


@pytest.mark.parametrize("value, says", [
    (type("AlwaysEqual", (int,), {"__eq__": lambda self, other: True})(3), "a subclass of int"),
    (type("ZeroDiff", (float,), {"__sub__": lambda self, other: 0.0})(1.0), "a subclass of float"),
    (np.zeros(3).view(type("Agreeable", (np.ndarray,), {})), "a subclass of ndarray"),
    (np.array([object()]), "dtype object"),
    (np.array(["a"]), "dtype <U1"),
    (lambda: 1, "not plain data"),
    ([1, {2: type("Sneaky", (str,), {})("x")}], "a subclass of str"),
])
def test_anything_else_is_refused_by_name(value, says):
    with pytest.raises(plain.NotPlainData, match=says):
        plain.encode(value)


@pytest.mark.parametrize("tree", [
    {"t": "ndarray", "dtype": "|O", "shape": [1], "v": "AAAAAAAAAAA="},
    {"t": "ndarray", "dtype": "<f8", "shape": [3], "v": "AAAAAAAAAAA="},
    {"t": "pickle", "v": "gASVAAAAAAAAAAB9lC4="},
    {"t": "int", "v": 3},
    {"t": "list", "v": [{"t": "none"}, "raw string"]},
    {"t": "dict", "k": [{"t": "list", "v": []}], "v": [{"t": "none"}]},
    ["not", "a", "tagged", "value"],
])
def test_malformed_or_forged_messages_are_refused(tree):
    with pytest.raises(plain.NotPlainData):
        plain.decode(tree)


def test_tensors_become_arrays_only_on_the_sandbox_side():
    import tensorflow as tf

    tensor = tf.constant([[1.0, 2.0]])
    with pytest.raises(plain.NotPlainData):
        plain.encode(tensor)
    back = plain.decode(plain.encode(tensor, convert_tensors=True))
    assert type(back) is np.ndarray and back.dtype == np.float32


# --------------------------------------------------------------------------- graded package


def test_strip_solutions_blanks_literals_and_named_constants():
    source = ('SOLUTION = """def f():\n    return 42\n"""\n'
              'register(Exercise(key="k", title="t", checker=None, solution_code=SOLUTION))\n'
              'register(Exercise(key="j", title="t", solution_code=(\n    "def g():\\n"\n    "    return 7"\n)))\n')
    stripped = sandbox.strip_solutions(source)
    assert "return 42" not in stripped and "return 7" not in stripped
    assert 'SOLUTION = ""' in stripped and 'solution_code=(\n    ""\n)' in stripped
    compile(stripped, "<stripped>", "exec")


@pytest.fixture(scope="module")
def graded_lib(tmp_path_factory) -> Path:
    return sandbox.prepare_sandbox_lib(tmp_path_factory.mktemp("lib"))


def test_graded_package_has_no_reference_answer(graded_lib):
    texts = "\n".join(p.read_text(encoding="utf-8") for p in (graded_lib / "course_utils").rglob("*.py"))
    for key in list_exercises():
        body = get_exercise(key).solution_code.strip()
        assert body and body not in texts and repr(body)[1:-1] not in texts, key


def test_graded_package_refuses_solutions_but_still_checks(graded_lib):
    code = ("from course_utils.exercises import get_exercise\n"
            "exercise = get_exercise('00.dense_param_count')\n"
            "print(exercise.solution(force=True))\n"
            "exercise.check(lambda inputs, units: inputs * units + units)\n"
            "try:\n    exercise.reference_answer()\nexcept RuntimeError as error:\n    print('refused:', error)\n")
    process = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                             env={"PYTHONPATH": str(graded_lib), "PATH": "/usr/bin:/bin"}, cwd="/")
    assert process.returncode == 0, process.stderr[-2000:]
    assert "No reference answer for 00.dense_param_count in this release" in process.stdout
    assert "Correct: 00.dense_param_count" in process.stdout and "refused: No reference answer" in process.stdout
    assert "num_inputs * num_units + num_units" not in process.stdout


def test_answers_in_topic_modules_are_listed():
    found = sandbox.answers_in_topic_modules()
    assert all(key in list_exercises() for key in found)


# --------------------------------------------------------------------------- confinement


def test_confinement_hides_the_course_and_the_network(tmp_path):
    sandbox.check_confinement()  # fails with the install instruction where bubblewrap is missing
    (tmp_path / "work").mkdir()
    (tmp_path / "io").mkdir()
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "course_utils").mkdir()
    probe = ("import os, socket\n"
             f"print(os.path.exists({str(ROOT / 'notebooks')!r}), os.path.exists({str(tmp_path)!r}))\n"
             "print(sorted(os.listdir('/sandbox')))\n"
             "try:\n    socket.create_connection(('192.0.2.1', 80), timeout=2)\n    print('network')\n"
             "except OSError as error:\n    print('no network')\n"
             "open('/sandbox/work/out.txt', 'w').write('x')\n")
    command = sandbox._sandbox_command(tmp_path, lib, None, sandbox.Limits(), {"PATH": "/usr/bin:/bin"})
    command = command[: command.index(sys.executable)] + [sys.executable, "-c", probe]
    process = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert process.returncode == 0, process.stderr
    assert process.stdout.split("\n")[:3] == ["False False", "['io', 'lib', 'work']", "no network"]
    assert (tmp_path / "work" / "out.txt").read_text() == "x"


def test_memory_limit_applies_inside(tmp_path):
    for sub in ("work", "io", "lib"):
        (tmp_path / sub).mkdir()
    (tmp_path / "lib" / "course_utils").mkdir()
    # 6 GiB, never touched: granted outside (checked first), refused under a 2 GiB limit
    probe = "import numpy as np\ntry:\n    x = np.empty(6 * 2**30, np.uint8)\n    print('allocated')\nexcept MemoryError:\n    print('MemoryError')\n"
    outside = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert outside.stdout.strip() == "allocated"
    limits = sandbox.Limits(memory_bytes=2 * 1024**3)
    command = sandbox._sandbox_command(tmp_path, tmp_path / "lib", None, limits, {"PATH": "/usr/bin:/bin"})
    command = command[: command.index(sys.executable)] + [sys.executable, "-c", probe]
    process = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert process.stdout.strip() == "MemoryError", process.stderr[-500:]


def test_keras_models_cross_as_checked_keras_files():
    """04.dense_autoencoder returns a model: it crosses as a .keras file of Keras' own layers."""
    import keras

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="relu"),
                              keras.layers.Reshape((3, 1))])
    back = plain.decode(json.loads(plain.dumps({"v": plain.encode(model, convert_tensors=True)}))["v"])
    assert isinstance(back, keras.Model) and back is not model
    assert back.count_params() == model.count_params() == 15
    x = np.ones((2, 4), np.float32)
    assert np.allclose(back(x), model(x))
    with pytest.raises(plain.NotPlainData):
        plain.encode(model)  # the grader's side never sends objects

    lam = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda t: t * 0 + 1)])
    with pytest.raises(plain.NotPlainData, match="Lambda"):
        plain.decode(plain.encode(lam, convert_tensors=True))
