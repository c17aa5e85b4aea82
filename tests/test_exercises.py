"""The exercise checker's contract and notebook 00's exercises (course_utils.exercises)."""

from __future__ import annotations

import numpy as np
import pytest

from course_utils.exercises import (
    CheckerError,
    Exercise,
    ExerciseFailure,
    LearnerCodeError,
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


# --------------------------------------------------------------------------- cases as data, messages


def _case_exercise(**kwargs) -> Exercise:
    return Exercise(key="99.demo", title="demo", **kwargs)


def test_cases_check_shape_and_dtype_before_values():
    from course_utils.exercises import Case

    exercise = _case_exercise(cases=[Case(args=(np.array([[0, 255]], np.uint8),),
                                          expected=np.array([[[0.0], [1.0]]], np.float32), atol=1e-6,
                                          message="scale to [0, 1]")])
    with pytest.raises(ExerciseFailure, match=r"should have shape \(1, 2, 1\), got \(1, 2\) \(scale to \[0, 1\]\)"):
        exercise.check(lambda images: images / 255.0)
    with pytest.raises(ExerciseFailure, match="should have dtype float32, got float64"):
        exercise.check(lambda images: (images / 255.0)[..., None])
    with pytest.raises(ExerciseFailure, match="right shape but wrong values"):
        exercise.check(lambda images: images[..., None].astype(np.float32))
    assert exercise.check(lambda images: (images.astype(np.float32) / 255)[..., None])


def test_cases_name_the_inputs_and_the_mistake():
    from course_utils.exercises import Case

    exercise = _case_exercise(function_name="count",
                              cases=[Case(args=(784, 128), expected=100_480, message="one bias per unit")])
    with pytest.raises(ExerciseFailure,
                       match=r"^99.demo: count\(784, 128\) should be 100480, got 100352 \(one bias per unit\)$"):
        exercise.check(lambda count_inputs, units: count_inputs * units)
    with pytest.raises(ExerciseFailure, match="should be an int, got float"):
        exercise.check(lambda count_inputs, units: 100_480.0)
    with pytest.raises(ExerciseFailure, match="returned None: did you forget `return`"):
        exercise.check(lambda count_inputs, units: None)


def count(count_inputs, units):  # a named function, as a learner writes it
    return count_inputs * units + units


def test_learner_crash_and_checker_bug_are_told_apart():
    def buggy_checker(answer):
        raise KeyError("expected_table")  # fails before it looks at the answer

    with pytest.raises(CheckerError, match="bug in the course, not in your code"):
        _case_exercise(checker=buggy_checker).check(count)

    def checker(answer):
        assert answer(3, 5).shape  # an int has no .shape: the answer returned the wrong kind of thing

    with pytest.raises(ExerciseFailure, match="checking what your function returned failed with AttributeError"):
        _case_exercise(checker=checker).check(count)

    def crashing(count_inputs, units):
        raise ValueError("units must be positive")

    with pytest.raises(LearnerCodeError, match=r"your code raised ValueError on input crashing\(3, 5\): units must"):
        _case_exercise(checker=lambda answer: answer(3, 5)).check(crashing)


def test_solution_only_after_a_checked_attempt(capsys):
    exercise = _case_exercise(checker=lambda answer: answer(), solution_code="def f():\n    return 1")
    assert "Try 99.demo first" in exercise.solution()
    assert exercise.solution(force=True) == "def f():\n    return 1"
    with pytest.raises(NotAttemptedError):
        exercise.check(untouched)
    assert "Try 99.demo first" in exercise.solution(), "an untouched stub is no attempt"
    exercise.check(lambda: 1)
    assert exercise.solution() == "def f():\n    return 1"


def test_run_reference_is_the_one_helper_for_expected_outputs():
    exercise = get_exercise("00.dense_param_count")
    assert exercise.run_reference(784, 128) == 100_480
    assert exercise.run_reference(num_inputs=1, num_units=1) == 2
