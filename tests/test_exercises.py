"""The exercise checker's contract and notebook 00's exercises (course_utils.exercises)."""

from __future__ import annotations

import pytest

from course_utils.exercises import (
    Exercise,
    ExerciseFailure,
    NotAttemptedError,
    expect_close,
    expect_equal,
    get_exercise,
    list_exercises,
)


def untouched(*args, **kwargs):
    raise NotImplementedError()


def test_failures_are_assertion_errors_so_checks_can_grade():
    assert issubclass(ExerciseFailure, AssertionError) and issubclass(NotAttemptedError, ExerciseFailure)


def test_expect_equal_message_names_call_expected_and_actual():
    with pytest.raises(ExerciseFailure) as error:
        expect_equal(14, 13, "conv_output_size(28, 3, 2, 'valid')")
    assert str(error.value) == "conv_output_size(28, 3, 2, 'valid') should be 13, got 14"


def test_expect_close_points_at_the_worst_entry():
    with pytest.raises(ExerciseFailure, match=r"should be 3 at index \(1,\), got 3.5"):
        expect_close([1.0, 3.5], [1.0, 3.0], "f(x)")
    expect_close([1.0, 3.0 + 1e-9], [1.0, 3.0], "f(x)")


def test_crashing_answer_gives_a_one_line_failure():
    exercise = get_exercise("00.dense_param_count")
    with pytest.raises(ExerciseFailure, match=r"your code raised ZeroDivisionError on input <lambda>\(784, 128\)") as error:
        exercise.check(lambda inputs, units: 1 / 0)
    assert "\n" not in str(error.value)


def test_hints_are_numbered_and_bounded(capsys):
    exercise = get_exercise("00.scale_images")
    assert exercise.hint().startswith("Hint 1/3")
    assert "Hint 1/3" in capsys.readouterr().out
    with pytest.raises(ValueError, match="hints 1 to 3"):
        exercise.hint(4)


def test_unknown_exercise_lists_the_known_ones():
    with pytest.raises(KeyError, match="00.accuracy"):
        get_exercise("00.nope")


def test_duplicate_keys_are_refused():
    from course_utils.exercises import register

    with pytest.raises(ValueError, match="defined twice"):
        register(Exercise(key="00.accuracy", title="again", checker=lambda answer: None))


def test_every_notebook_has_at_least_two_exercises_with_hints_and_solutions():
    keys = list_exercises()
    notebooks = sorted({key.split(".")[0] for key in keys})
    assert "00" in notebooks
    for notebook in notebooks:
        assert len(list_exercises(notebook)) >= 2, notebook
    for key in keys:
        exercise = get_exercise(key)
        assert exercise.hints and exercise.solution_code.strip(), key


def _solution_function(key):
    return get_exercise(key).reference_answer()


def test_reference_answer_returns_the_named_function_or_explains():
    exercise = get_exercise("00.accuracy")
    assert exercise.reference_answer("accuracy").__name__ == "accuracy"
    with pytest.raises(ValueError, match="not 'nope'"):
        exercise.reference_answer("nope")


@pytest.mark.parametrize("key", ["00.scale_images", "00.dense_param_count", "00.accuracy"])
def test_notebook_00_exercise_untouched_wrong_and_right(key, capsys):
    exercise = get_exercise(key)
    with pytest.raises(NotAttemptedError, match="not attempted yet"):
        exercise.check(untouched)
    with pytest.raises(ExerciseFailure) as failure:
        exercise.check(lambda *args: 0)
    assert not isinstance(failure.value, NotAttemptedError) and key in str(failure.value)
    assert exercise.check(_solution_function(key)) is True
    assert f"Correct: {key}" in capsys.readouterr().out


def test_scale_images_wrong_dtype_is_named():
    with pytest.raises(ExerciseFailure, match="float32"):
        get_exercise("00.scale_images").check(lambda images: (images / 255.0)[..., None])


def test_dense_param_count_forgetting_biases_is_caught_with_expected_value():
    with pytest.raises(ExerciseFailure, match=r"dense_param_count\(784, 128\) should be 100480, got 100352"):
        get_exercise("00.dense_param_count").check(lambda inputs, units: inputs * units)
