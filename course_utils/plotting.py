"""Plots the notebooks share: image grids, training curves, confusion matrices.

Every function returns the matplotlib ``Figure`` it drew, so notebooks can show
it and tests can inspect it.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_array, check_labels, check_positive_int, check_positive_number


def _as_display_image(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.ndim == 3 and image.shape[-1] == 1:
        image = image[..., 0]
    if image.ndim not in (2, 3):
        raise ValueError(f"Cannot show an image of shape {image.shape}: expected (H, W) or (H, W, C).")
    return image


def plot_image_grid(images, titles=None, true_labels=None, predicted_labels=None,
                    class_names=None, num_columns=8, cell_size=1.4, cmap="gray", suptitle=None):
    """Show images in a grid, optionally titled with true and predicted labels.

    Parameters
    ----------
    images : array-like, shape (N, H, W), (N, H, W, 1) or (N, H, W, 3)
    titles : sequence of str, optional
        One title per image (overrides the label titles).
    true_labels, predicted_labels : array-like of int, shape (N,), optional
        When both are given, each title reads ``"true/pred"`` (class names if
        given) and mistakes are drawn in red with a red frame.
    class_names : sequence of str, optional
    num_columns : int, default 8
    cell_size : float, default 1.4
        Inches per image.
    cmap : str, default "gray"
    suptitle : str, optional

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    images = check_array(images, "images", "plot_image_grid", ndim=(3, 4),
                         hint="Pass a batch (N, H, W[, C]); for one image use image[None].")
    num_images = len(images)
    num_columns = check_positive_int(num_columns, "num_columns")
    cell_size = check_positive_number(cell_size, "cell_size")
    for name, labels in (("titles", titles), ("true_labels", true_labels),
                         ("predicted_labels", predicted_labels)):
        if labels is not None and len(labels) != num_images:
            raise ValueError(f"{name} has {len(labels)} entries for {num_images} images.")

    def label_text(label):
        return str(class_names[int(label)]) if class_names is not None else str(int(label))

    num_columns = max(1, min(num_columns, num_images))
    num_rows = int(np.ceil(num_images / num_columns))
    figure, axes = plt.subplots(num_rows, num_columns, squeeze=False,
                                figsize=(cell_size * num_columns, cell_size * num_rows + 0.3))
    for index, axis in enumerate(axes.flat):
        axis.set_xticks([])
        axis.set_yticks([])
        if index >= num_images:
            axis.axis("off")
            continue
        axis.imshow(_as_display_image(images[index]), cmap=cmap)
        colour = "black"
        if titles is not None:
            text = str(titles[index])
        elif true_labels is not None and predicted_labels is not None:
            is_mistake = int(true_labels[index]) != int(predicted_labels[index])
            colour = "red" if is_mistake else "black"
            text = f"{label_text(true_labels[index])}/{label_text(predicted_labels[index])}"
            if is_mistake:
                for spine in axis.spines.values():
                    spine.set_edgecolor("red")
                    spine.set_linewidth(2)
        elif true_labels is not None:
            text = label_text(true_labels[index])
        else:
            text = None
        if text is not None:
            axis.set_title(text, fontsize=8, color=colour)
    if suptitle:
        figure.suptitle(suptitle)
    figure.tight_layout()
    return figure


def plot_history(history, metrics=None):
    """Plot training curves: each metric for training and validation.

    Parameters
    ----------
    history : keras.callbacks.History or dict
        ``model.fit(...)``'s return value, or its ``.history`` dict of lists.
    metrics : sequence of str, optional
        Which metrics to plot (default: every one without a ``val_`` prefix).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per metric, x axis = epoch (1-based).
    """
    import matplotlib.pyplot as plt

    curves = history.history if hasattr(history, "history") else dict(history)
    if not curves:
        raise ValueError("The history is empty: was the model trained?")
    if metrics is None:
        metrics = [name for name in curves if not name.startswith("val_")]
    unknown = [name for name in metrics if name not in curves]
    if unknown:
        raise ValueError(f"No curve named {unknown} in the history; it has {sorted(curves)}.")
    figure, axes = plt.subplots(1, len(metrics), figsize=(4.5 * len(metrics), 3.2), squeeze=False)
    for axis, name in zip(axes[0], metrics, strict=True):
        epochs = np.arange(1, len(curves[name]) + 1)
        axis.plot(epochs, curves[name], "o-", label="train")
        if f"val_{name}" in curves:
            axis.plot(epochs, curves[f"val_{name}"], "s--", label="validation")
        axis.set_xlabel("epoch")
        axis.set_title(name)
        axis.grid(alpha=0.3)
        axis.legend()
    figure.tight_layout()
    return figure


def confusion_matrix(true_labels, predicted_labels, num_classes: int | None = None) -> np.ndarray:
    """Count (true, predicted) pairs.

    Returns
    -------
    numpy.ndarray of int64, shape (num_classes, num_classes)
        Entry ``[i, j]`` counts examples of class ``i`` predicted as ``j``.
    """
    if num_classes is not None:
        num_classes = check_positive_int(num_classes, "num_classes")
    true_labels = check_labels(true_labels, "true_labels", "confusion_matrix", num_classes=num_classes)
    predicted_labels = check_labels(predicted_labels, "predicted_labels", "confusion_matrix",
                                    num_samples=len(true_labels), num_classes=num_classes)
    if num_classes is None:
        num_classes = int(max(true_labels.max(initial=0), predicted_labels.max(initial=0))) + 1
    counts = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(counts, (true_labels, predicted_labels), 1)
    return counts


def plot_confusion_matrix(true_labels, predicted_labels, class_names=None, normalize=False):
    """Draw the confusion matrix with counts (or row shares) in each cell.

    Parameters
    ----------
    true_labels, predicted_labels : array-like of int, shape (N,)
    class_names : sequence of str, optional
    normalize : bool, default False
        Show each row as shares of the true class instead of counts.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    num_classes = len(class_names) if class_names is not None else None
    counts = confusion_matrix(true_labels, predicted_labels, num_classes)
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    names = list(class_names) if class_names is not None else [str(i) for i in range(len(counts))]
    size = max(4.0, 0.5 * len(names) + 1.5)
    figure, axis = plt.subplots(figsize=(size, size))
    axis.imshow(shown, cmap="Blues")
    for i in range(len(names)):
        for j in range(len(names)):
            text = f"{shown[i, j]:.2f}" if normalize else str(counts[i, j])
            dark = shown[i, j] > 0.5 * shown.max()
            axis.text(j, i, text, ha="center", va="center", fontsize=7,
                      color="white" if dark else "black")
    axis.set_xticks(range(len(names)), names, rotation=45, ha="right")
    axis.set_yticks(range(len(names)), names)
    axis.set_xlabel("predicted")
    axis.set_ylabel("true")
    axis.set_title("Confusion matrix" + (" (row shares)" if normalize else ""))
    figure.tight_layout()
    return figure


def draw_lstm_cell(axis=None):
    """Draw a schematic LSTM cell: the cell-state line, its three gates and the candidate.

    Parameters
    ----------
    axis : matplotlib.axes.Axes, optional
        Where to draw (a new figure by default).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if axis is None:
        _, axis = plt.subplots(figsize=(9, 4.2))
    axis.set_xlim(0, 10)
    axis.set_ylim(0, 5.2)
    axis.axis("off")
    arrow = {"arrowstyle": "->", "lw": 1.5, "color": "black"}

    def box(x, y, text, colour):
        axis.text(x, y, text, ha="center", va="center", fontsize=10,
                  bbox={"boxstyle": "round,pad=0.35", "facecolor": colour, "edgecolor": "black"})

    def circle(x, y, text):
        axis.text(x, y, text, ha="center", va="center", fontsize=12,
                  bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white", "edgecolor": "black"})

    # the cell state c runs along the top: forget (x), then add (+)
    axis.annotate("", xy=(3.0, 4.3), xytext=(0.3, 4.3), arrowprops=arrow)
    axis.annotate("", xy=(5.3, 4.3), xytext=(3.3, 4.3), arrowprops=arrow)
    axis.annotate("", xy=(9.7, 4.3), xytext=(5.6, 4.3), arrowprops=arrow)
    axis.text(0.3, 4.55, r"$c_{t-1}$", fontsize=12)
    axis.text(9.2, 4.55, r"$c_t$", fontsize=12)
    circle(3.15, 4.3, r"$\odot$")
    circle(5.45, 4.3, "+")
    # inputs h_{t-1} and x_t enter at the bottom and feed all four gate layers
    axis.annotate("", xy=(2.0, 0.9), xytext=(0.3, 0.9), arrowprops=arrow)
    axis.text(0.3, 0.5, r"$[h_{t-1}, x_t]$", fontsize=12)
    axis.plot([2.0, 7.4], [0.9, 0.9], color="black", lw=1.5)
    gates = [(2.2, "forget gate\n" + r"$f=\sigma(\cdot)$", "#f4cccc"),
             (4.0, "input gate\n" + r"$i=\sigma(\cdot)$", "#d9ead3"),
             (5.6, "candidate\n" + r"$g=\tanh(\cdot)$", "#d9ead3"),
             (7.4, "output gate\n" + r"$o=\sigma(\cdot)$", "#cfe2f3")]
    for x, text, colour in gates:
        axis.annotate("", xy=(x, 1.7), xytext=(x, 0.9), arrowprops=arrow)
        box(x, 2.1, text, colour)
    axis.annotate("", xy=(3.15, 4.05), xytext=(2.2, 2.55), arrowprops=arrow)
    circle(4.8, 3.25, r"$\odot$")
    axis.annotate("", xy=(4.65, 3.05), xytext=(4.0, 2.55), arrowprops=arrow)
    axis.annotate("", xy=(4.95, 3.05), xytext=(5.6, 2.55), arrowprops=arrow)
    axis.annotate("", xy=(5.4, 4.05), xytext=(4.85, 3.5), arrowprops=arrow)
    # output: h_t = o (element-wise) tanh(c_t)
    box(8.6, 3.4, r"$\tanh(c_t)$", "white")
    axis.annotate("", xy=(8.6, 3.7), xytext=(8.6, 4.3), arrowprops=arrow)
    circle(8.6, 2.1, r"$\odot$")
    axis.annotate("", xy=(8.6, 2.35), xytext=(8.6, 3.1), arrowprops=arrow)
    axis.annotate("", xy=(8.35, 2.1), xytext=(8.0, 2.1), arrowprops=arrow)
    axis.annotate("", xy=(9.7, 0.9), xytext=(8.6, 1.85), arrowprops=arrow)
    axis.text(9.2, 0.45, r"$h_t$", fontsize=12)
    axis.set_title("An LSTM cell: gates (sigmoid, 0..1) scale, element by element ($\\odot$),\n"
                   "what is forgotten, written and shown")
    return axis.figure
