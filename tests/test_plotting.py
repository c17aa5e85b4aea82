"""Plots return figures that show what was asked (course_utils.plotting)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_utils import plotting  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_image_grid_titles_show_true_and_predicted_labels_and_mark_mistakes():
    images = np.zeros((3, 28, 28, 1), dtype=np.float32)
    figure = plotting.plot_image_grid(images, true_labels=[1, 2, 3], predicted_labels=[1, 7, 3],
                                      num_columns=3)
    axes = figure.axes
    assert [axis.get_title() for axis in axes] == ["1/1", "2/7", "3/3"]
    assert axes[1].title.get_color() == "red" and axes[0].title.get_color() == "black"
    assert axes[1].spines["left"].get_edgecolor()[:3] == (1.0, 0.0, 0.0)
    assert axes[0].images[0].get_array().shape == (28, 28)  # channel axis dropped for display


def test_image_grid_uses_class_names_and_hides_unused_cells():
    figure = plotting.plot_image_grid(np.zeros((5, 4, 4)), true_labels=[0, 1, 0, 1, 0],
                                      class_names=["cat", "dog"], num_columns=3)
    assert len(figure.axes) == 6
    assert figure.axes[1].get_title() == "dog"
    assert not figure.axes[5].axison


def test_image_grid_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="true_labels has 2 entries for 3 images"):
        plotting.plot_image_grid(np.zeros((3, 4, 4)), true_labels=[0, 1])


def test_history_plot_draws_train_and_validation_curves():
    history = {"loss": [1.0, 0.5, 0.3], "accuracy": [0.6, 0.8, 0.9],
               "val_loss": [1.1, 0.6, 0.4], "val_accuracy": [0.5, 0.7, 0.85]}
    figure = plotting.plot_history(history)
    assert [axis.get_title() for axis in figure.axes] == ["loss", "accuracy"]
    train_line, validation_line = figure.axes[1].get_lines()
    assert train_line.get_xdata().tolist() == [1, 2, 3]
    assert validation_line.get_ydata().tolist() == [0.5, 0.7, 0.85]


def test_history_plot_rejects_unknown_metric():
    with pytest.raises(ValueError, match="No curve named"):
        plotting.plot_history({"loss": [1.0]}, metrics=["accuracy"])


def test_confusion_matrix_counts_pairs_like_scikit_learn():
    from sklearn.metrics import confusion_matrix as sklearn_confusion_matrix

    rng = np.random.default_rng(0)
    true_labels, predicted_labels = rng.integers(0, 4, 200), rng.integers(0, 4, 200)
    expected = sklearn_confusion_matrix(true_labels, predicted_labels, labels=range(4))
    assert np.array_equal(plotting.confusion_matrix(true_labels, predicted_labels, 4), expected)


def test_confusion_matrix_plot_writes_the_counts_in_the_cells():
    figure = plotting.plot_confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], class_names=["a", "b"])
    texts = [text.get_text() for text in figure.axes[0].texts]
    assert texts == ["1", "1", "1", "2"]
    shares = plotting.plot_confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], normalize=True)
    assert [t.get_text() for t in shares.axes[0].texts] == ["0.50", "0.50", "0.00", "1.00"]


def test_draw_lstm_cell_names_the_three_gates_and_the_candidate():
    figure = plotting.draw_lstm_cell()
    texts = " ".join(text.get_text() for text in figure.axes[0].texts)
    assert all(word in texts for word in ("forget gate", "input gate", "output gate", "candidate"))
    plt.close(figure)
