"""A small DCGAN for 28x28x1 digits, sized for a CPU (Keras 3, TensorFlow backend).

Three pieces:

* :func:`build_generator` maps a latent vector ``z`` (and, when conditional, a
  digit label) to an image in ``[-1, 1]`` (``tanh``), shape ``(28, 28, 1)``.
* :func:`build_discriminator` maps an image to one *logit* ``l``:
  ``D(x) = sigmoid(l)`` is its estimate of the probability that ``x`` is a real
  training image. When conditional it also returns ten class logits (an
  auxiliary classifier, as in AC-GAN, Odena et al. 2017).
* :class:`DCGAN`, a ``keras.Model`` whose ``train_step`` alternates one
  discriminator step and one generator step (non-saturating generator loss) and
  keeps an exponential moving average (EMA) of the generator's weights, which
  gives visibly cleaner samples than the raw, oscillating generator.

:class:`SampleGridCallback` keeps a grid of samples from fixed latent vectors
after each epoch, so a notebook can show training progress; :class:`LossHistory`
records both losses after every step.
"""

from __future__ import annotations

import keras
import numpy as np

IMAGE_SHAPE = (28, 28, 1)


def _check_positive_int(name, value):
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}.")


def build_generator(latent_dim: int = 64, num_classes: int | None = 10, width: int = 64):
    """Build the generator: ``z`` (and a label) -> a 28x28x1 image in [-1, 1].

    Dense -> 7x7x(2*width) -> transposed conv to 14x14x(width) -> transposed
    conv to 28x28x1 with ``tanh``; batch normalisation and LeakyReLU between.

    Parameters
    ----------
    latent_dim : int, default 64
        Length of the noise vector ``z``.
    num_classes : int or None, default 10
        Conditional generator when an int: a second input takes integer labels
        of shape ``(N,)`` (embedded and concatenated with ``z``). None gives an
        unconditional generator with the single input ``z``.
    width : int, default 64
        Feature maps at 14x14 (twice as many at 7x7); the main cost knob.

    Returns
    -------
    keras.Model
        Inputs ``z`` of shape ``(N, latent_dim)`` (and ``labels`` of shape
        ``(N,)``), output of shape ``(N, 28, 28, 1)``.
    """
    _check_positive_int("latent_dim", latent_dim)
    _check_positive_int("width", width)
    noise = keras.Input(shape=(latent_dim,), name="z")
    inputs, features = [noise], noise
    if num_classes is not None:
        _check_positive_int("num_classes", num_classes)
        labels = keras.Input(shape=(), dtype="int32", name="labels")
        label_code = keras.layers.Embedding(num_classes, 16, name="label_embedding")(labels)
        features = keras.layers.Concatenate()([noise, label_code])
        inputs.append(labels)
    x = keras.layers.Dense(7 * 7 * 2 * width, use_bias=False)(features)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Reshape((7, 7, 2 * width))(x)
    x = keras.layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False)(x)
    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    images = keras.layers.Conv2DTranspose(1, 4, strides=2, padding="same", activation="tanh")(x)
    return keras.Model(inputs if len(inputs) > 1 else noise, images, name="generator")


def build_discriminator(num_classes: int | None = 10, width: int = 64, dropout: float = 0.3):
    """Build the discriminator: a 28x28x1 image in [-1, 1] -> a real/fake logit.

    Two strided convolutions (28 -> 14 -> 7) with LeakyReLU and dropout, then a
    dense logit. No sigmoid: the losses use ``from_logits=True``, which is
    numerically safer; ``sigmoid(logit)`` is D's probability that the image is real.

    Parameters
    ----------
    num_classes : int or None, default 10
        When an int, a second head returns ``num_classes`` class logits
        (the auxiliary classifier of AC-GAN). None: the single logit only.
    width : int, default 64
        Feature maps of the first convolution (twice as many in the second).
    dropout : float, default 0.3

    Returns
    -------
    keras.Model
        Input ``(N, 28, 28, 1)``; output ``(N, 1)`` logits, or the list
        ``[(N, 1) logits, (N, num_classes) class logits]``.
    """
    _check_positive_int("width", width)
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1), got {dropout!r}.")
    images = keras.Input(shape=IMAGE_SHAPE, name="images")
    x = keras.layers.Conv2D(width, 4, strides=2, padding="same")(images)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Dropout(dropout)(x)
    x = keras.layers.Conv2D(2 * width, 4, strides=2, padding="same")(x)
    x = keras.layers.LeakyReLU(negative_slope=0.2)(x)
    x = keras.layers.Dropout(dropout)(x)
    x = keras.layers.Flatten()(x)
    real_logit = keras.layers.Dense(1, name="real_logit")(x)
    if num_classes is None:
        return keras.Model(images, real_logit, name="discriminator")
    _check_positive_int("num_classes", num_classes)
    class_logits = keras.layers.Dense(num_classes, name="class_logits")(x)
    return keras.Model(images, [real_logit, class_logits], name="discriminator")


class DCGAN(keras.Model):
    """A GAN trained with its own ``train_step``: one D step, then one G step.

    Discriminator loss (binary cross-entropy on logits, real labelled
    ``real_label`` (one-sided smoothing), fake labelled 0):
    ``-log D(x) - log(1 - D(G(z)))``. Generator loss, non-saturating:
    ``-log D(G(z))``. When conditional (AC-GAN), both also minimise the
    cross-entropy of the class head: D on real images with their true labels,
    G on its samples with the labels it was asked for.

    After every step the EMA generator moves towards the trained one:
    ``w_ema <- d * w_ema + (1 - d) * w`` with ``d = min(ema_decay, (1 + t) / (10 + t))``
    at step ``t`` (the usual warm-up, so early samples are not stuck at the start). Use :meth:`generate` (EMA
    weights by default) to sample.

    Parameters
    ----------
    generator, discriminator : keras.Model
        From :func:`build_generator` / :func:`build_discriminator`, both
        conditional or both unconditional.
    latent_dim : int
        Must match the generator's ``z`` input.
    num_classes : int or None
        None for an unconditional GAN.
    ema_decay : float or None, default 0.999
        None disables the moving average.
    class_loss_weight : float, default 1.0
        Weight of the auxiliary classification losses (conditional only).
    real_label : float, default 0.9
        Target for real images in D's loss (one-sided label smoothing).

    Training data: ``fit(dataset)`` with batches ``(images, labels)`` (labels
    are needed when conditional) and images scaled to [-1, 1].
    """

    def __init__(self, generator, discriminator, latent_dim: int, num_classes: int | None = 10,
                 ema_decay: float | None = 0.999, class_loss_weight: float = 1.0,
                 real_label: float = 0.9, **kwargs):  # fmt: skip
        super().__init__(**kwargs)
        _check_positive_int("latent_dim", latent_dim)
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in (0, 1) or None, got {ema_decay!r}.")
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.num_classes = num_classes
        self.ema_decay = ema_decay
        self.class_loss_weight = float(class_loss_weight)
        self.real_label = float(real_label)
        self.ema_generator = None
        if ema_decay is not None:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
            self.ema_generator.trainable = False
            self.ema_updates = keras.Variable(0.0, trainable=False, name="ema_updates")
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def compile(self, d_optimizer, g_optimizer, **kwargs):
        """Set one optimizer per network (they never share a step)."""
        super().compile(**kwargs)
        self.d_optimizer = d_optimizer
        self.g_optimizer = g_optimizer

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def _generator_inputs(self, noise, labels):
        return noise if self.num_classes is None else [noise, labels]

    def _discriminate(self, images, training):
        outputs = self.discriminator(images, training=training)
        if self.num_classes is None:
            return outputs, None
        return outputs[0], outputs[1]

    def call(self, inputs, training=False):
        """Generate with the trained (non-EMA) generator: ``inputs`` = z or [z, labels]."""
        return self.generator(inputs, training=training)

    def train_step(self, data):
        import tensorflow as tf

        if isinstance(data, (tuple, list)):
            real_images, labels = data[0], data[1] if len(data) > 1 else None
        else:
            real_images, labels = data, None
        if self.num_classes is not None and labels is None:
            raise ValueError("A conditional DCGAN needs (images, labels) batches.")
        batch_size = tf.shape(real_images)[0]
        bce = keras.losses.BinaryCrossentropy(from_logits=True)
        ce = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        if labels is not None:
            labels = tf.cast(tf.reshape(labels, [-1]), "int32")

        # 1) Discriminator step: real images -> real_label, generated -> 0.
        noise = keras.random.normal((batch_size, self.latent_dim), seed=self._seed_generator())
        fake_images = self.generator(self._generator_inputs(noise, labels), training=True)
        with tf.GradientTape() as tape:
            real_logit, real_classes = self._discriminate(real_images, training=True)
            fake_logit, _ = self._discriminate(fake_images, training=True)
            d_loss = bce(tf.fill(tf.shape(real_logit), self.real_label), real_logit) + bce(
                tf.zeros_like(fake_logit), fake_logit
            )
            if real_classes is not None:
                d_loss += self.class_loss_weight * ce(labels, real_classes)
        d_weights = self.discriminator.trainable_weights
        self.d_optimizer.apply_gradients(zip(tape.gradient(d_loss, d_weights), d_weights, strict=True))

        # 2) Generator step, non-saturating: make D call the samples real.
        noise = keras.random.normal((batch_size, self.latent_dim), seed=self._seed_generator())
        with tf.GradientTape() as tape:
            fake_images = self.generator(self._generator_inputs(noise, labels), training=True)
            fake_logit, fake_classes = self._discriminate(fake_images, training=True)
            g_loss = bce(tf.ones_like(fake_logit), fake_logit)
            if fake_classes is not None:
                g_loss += self.class_loss_weight * ce(labels, fake_classes)
        g_weights = self.generator.trainable_weights
        self.g_optimizer.apply_gradients(zip(tape.gradient(g_loss, g_weights), g_weights, strict=True))

        # 3) Move the EMA copy (all weights, batch-norm statistics included).
        if self.ema_generator is not None:
            self.ema_updates.assign_add(1.0)
            warm_up = (1.0 + self.ema_updates) / (10.0 + self.ema_updates)
            decay = tf.minimum(self.ema_decay, warm_up)
            for ema_weight, weight in zip(self.ema_generator.weights, self.generator.weights, strict=True):
                ema_weight.assign(decay * ema_weight + (1.0 - decay) * weight)

        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {"d_loss": self.d_loss_tracker.result(), "g_loss": self.g_loss_tracker.result(),
                "d_batch_loss": d_loss, "g_batch_loss": g_loss}  # fmt: skip

    def _seed_generator(self):
        if not hasattr(self, "_noise_seed"):
            self._noise_seed = keras.random.SeedGenerator(1337)
        return self._noise_seed

    def generate(self, num_images: int, labels=None, seed: int = 0, use_ema: bool = True,
                 batch_size: int = 500) -> np.ndarray:  # fmt: skip
        """Sample images as float32 in [0, 1], shape ``(num_images, 28, 28, 1)``.

        Parameters
        ----------
        num_images : int
        labels : array-like of int, shape (num_images,), optional
            The digits to draw (conditional GAN). Default: 0, 1, ..., 9 cycled,
            so every class gets the same share.
        seed : int, default 0
            Seed of the latent vectors (same seed, same images).
        use_ema : bool, default True
            Use the moving-average generator when there is one.
        batch_size : int, default 500
        """
        _check_positive_int("num_images", num_images)
        noise = np.random.default_rng(seed).standard_normal((num_images, self.latent_dim))
        noise = noise.astype(np.float32)
        if self.num_classes is not None:
            if labels is None:
                labels = np.arange(num_images) % self.num_classes
            labels = np.asarray(labels, dtype=np.int32).reshape(-1)
            if labels.shape != (num_images,):
                raise ValueError(f"labels must have shape ({num_images},), got {labels.shape}.")
        return self.generate_from(noise, labels, use_ema=use_ema, batch_size=batch_size)

    def generate_from(self, noise, labels=None, use_ema: bool = True, batch_size: int = 500):
        """Decode given latent vectors (and labels) into images in [0, 1], shape (N, 28, 28, 1)."""
        network = self.ema_generator if (use_ema and self.ema_generator is not None) else self.generator
        noise = np.asarray(noise, dtype=np.float32)
        if noise.ndim != 2 or noise.shape[1] != self.latent_dim:
            raise ValueError(f"noise must have shape (N, {self.latent_dim}), got {noise.shape}.")
        outputs = []
        for start in range(0, len(noise), batch_size):
            chunk = noise[start : start + batch_size]
            if self.num_classes is not None:
                if labels is None:
                    raise ValueError("A conditional generator needs labels.")
                label_chunk = np.asarray(labels, dtype=np.int32)[start : start + batch_size]
                images = network([chunk, label_chunk], training=False)
            else:
                images = network(chunk, training=False)
            outputs.append(keras.ops.convert_to_numpy(images))
        images = np.concatenate(outputs)
        return np.clip((images + 1.0) / 2.0, 0.0, 1.0).astype(np.float32)


def training_dataset(images, labels=None, batch_size: int = 128, seed: int = 0):
    """A shuffled ``tf.data`` pipeline of GAN training batches, pixels mapped to [-1, 1].

    Parameters
    ----------
    images : numpy.ndarray of float32, shape (N, 28, 28, 1), values in [0, 1]
    labels : array-like of int, shape (N,), optional
        Needed for a conditional GAN.
    batch_size : int, default 128
        Incomplete last batches are dropped.
    seed : int, default 0

    Returns
    -------
    tf.data.Dataset
        Batches ``(images, labels)`` (or images alone), images in [-1, 1].
        Indices are shuffled, not images, so no second copy of the data is made.
    """
    import tensorflow as tf

    _check_positive_int("batch_size", batch_size)
    images = np.asarray(images, dtype=np.float32)
    count = len(images)
    label_tensor = None
    if labels is not None:
        labels = np.asarray(labels).astype(np.int32).reshape(-1)
        if len(labels) != count:
            raise ValueError(f"{count} images but {len(labels)} labels.")
        label_tensor = tf.constant(labels)
    dataset = tf.data.Dataset.range(count).shuffle(count, seed=seed)
    dataset = dataset.batch(batch_size, drop_remainder=True)

    def gather(indices):  # reads the NumPy array in place: no copy of the training set
        batch = tf.numpy_function(lambda rows: images[rows], [indices], tf.float32)
        batch.set_shape((None, *images.shape[1:]))
        batch = batch * 2.0 - 1.0
        return batch if label_tensor is None else (batch, tf.gather(label_tensor, indices))

    return dataset.map(gather).prefetch(2)


def build_dcgan(latent_dim: int = 64, num_classes: int | None = 10, width: int = 64,
                ema_decay: float | None = 0.999, d_learning_rate: float = 2e-4,
                g_learning_rate: float = 2e-4, beta_1: float = 0.5, **kwargs) -> DCGAN:  # fmt: skip
    """Build and compile a :class:`DCGAN` with Adam optimizers.

    Parameters
    ----------
    latent_dim, num_classes, width :
        Passed to :func:`build_generator` and :func:`build_discriminator`.
    ema_decay : float or None
    d_learning_rate, g_learning_rate : float
    beta_1 : float, default 0.5
        Adam's first-moment decay; 0.5 (Radford et al. 2016) is steadier for GANs.
    **kwargs
        More :class:`DCGAN` arguments (``class_loss_weight``, ``real_label``).

    Returns
    -------
    DCGAN
        Compiled, ready for ``fit``.
    """
    gan = DCGAN(
        build_generator(latent_dim, num_classes, width),
        build_discriminator(num_classes, width),
        latent_dim=latent_dim, num_classes=num_classes, ema_decay=ema_decay, **kwargs,
    )  # fmt: skip
    gan.compile(
        d_optimizer=keras.optimizers.Adam(d_learning_rate, beta_1=beta_1),
        g_optimizer=keras.optimizers.Adam(g_learning_rate, beta_1=beta_1),
    )
    return gan


class SampleGridCallback(keras.callbacks.Callback):
    """Keep samples from fixed latent vectors after every ``every`` epochs.

    The same ``z`` (and labels) each time, so the grids show how the generator's
    output for one input evolves. ``self.grids`` is a list of
    ``(epoch, images)`` with images float32 in [0, 1], shape ``(N, 28, 28, 1)``.

    Parameters
    ----------
    num_images : int, default 20
    every : int, default 1
        Epochs between grids (the last epoch is always kept).
    seed : int, default 7
    use_ema : bool, default True
    show : bool, default False
        Also draw each grid with matplotlib as training goes.
    """

    def __init__(self, num_images: int = 20, every: int = 1, seed: int = 7,
                 use_ema: bool = True, show: bool = False):  # fmt: skip
        super().__init__()
        _check_positive_int("num_images", num_images)
        _check_positive_int("every", every)
        self.num_images, self.every, self.seed = num_images, every, seed
        self.use_ema, self.show = use_ema, show
        self.grids = []

    def on_epoch_end(self, epoch, logs=None):
        last_epoch = self.params.get("epochs", epoch + 1) - 1 if self.params else epoch
        if (epoch + 1) % self.every and epoch != last_epoch:
            return
        images = self.model.generate(self.num_images, seed=self.seed, use_ema=self.use_ema)
        self.grids.append((epoch + 1, images))
        if self.show:
            import matplotlib.pyplot as plt

            from ..plotting import plot_image_grid

            plot_image_grid(images, num_columns=10, cell_size=0.8,
                            suptitle=f"Samples after epoch {epoch + 1}")  # fmt: skip
            plt.show()


class LossHistory(keras.callbacks.Callback):
    """Record both losses after every batch (``fit``'s history keeps one value per epoch).

    ``self.d_losses`` and ``self.g_losses`` are lists of floats, one per training step.
    """

    def __init__(self):
        super().__init__()
        self.d_losses, self.g_losses = [], []

    def on_train_batch_end(self, batch, logs=None):
        logs = logs or {}
        if "d_batch_loss" in logs:
            self.d_losses.append(float(logs["d_batch_loss"]))
            self.g_losses.append(float(logs["g_batch_loss"]))
