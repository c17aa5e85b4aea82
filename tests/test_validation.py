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
