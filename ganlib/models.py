"""The DCGAN: a generator that draws 28×28×1 digits from noise and a discriminator that tells real from fake."""

from __future__ import annotations

import contextlib

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from .config import CODE, LABELS, NONE, Conditioning

NO_CONDITIONING = Conditioning()

IMAGE_SHAPE = (28, 28, 1)


LABEL_EMBEDDING = 32


def conditioning_of(model: keras.Model) -> Conditioning:
    """What ``model`` (a generator or discriminator) is told besides its main input, read from the network
    itself, so that it holds for a clone, a loaded ``.keras`` file or your own network alike: a second one-hot
    input is a latent code when it is named ``code``, else labels; a discriminator with a single input and a
    second output reads a latent code back; anything else is told nothing.

    Args:
        model: a generator or a discriminator.

    Returns:
        Conditioning: its kind and size.
    """
    if len(model.inputs) == 2:
        return Conditioning(CODE if model.inputs[1].name == CODE else LABELS, int(model.inputs[1].shape[-1]))
    if len(model.outputs) == 2:
        return Conditioning(CODE, int(model.outputs[1].shape[-1]))
    return Conditioning()


def latent_size(generator: keras.Model) -> int:
    """The length of the noise vector a generator takes (its first input's width).

    Args:
        generator: a generator model.

    Returns:
        int: the noise vector's length.
    """
    return int(generator.inputs[0].shape[-1])


def build_generator(latent_dim: int = 100, filters=(128, 64, 32), dense_units=(), kernel_size: int = 5,
                    conditioning: Conditioning = NO_CONDITIONING, name: str = "generator") -> keras.Model:
    """Noise (batch, latent_dim) -> images (batch, 28, 28, 1) in [-1, 1].

    Dense layers (``dense_units``, then one to 7×7×filters[0]) with batch norm and LeakyReLU, then
    transposed convolutions, one per further width in ``filters``: all keep 7×7 but the last, which doubles it to
    14×14; the output layer doubles it again to 28×28, with one channel and a tanh.

    ``conditioning`` with labels makes it conditional: inputs ``[noise (batch, latent_dim), labels (batch,
    size)]``, the labels one-hot. A bias-free dense layer embeds them (the same as an embedding lookup for
    one-hot labels, but a mix of two labels also works, which lets the explorers morph one digit into another)
    and the embedding is concatenated to the noise. A latent code (``Conditioning("code", size)``) enters the
    same way, as an input named ``code``, but stands for whatever the GAN learnt to make of it, not a digit.

    Args:
        latent_dim: the length of the noise vector.
        filters: channels of the 7×7 map and of each transposed convolution (at least two).
        dense_units: widths of the hidden dense layers before the 7×7 map.
        kernel_size: the transposed convolutions' kernel.
        conditioning: nothing, labels or a latent code (``config.Conditioning``).
        name: the model's name.

    Returns:
        keras.Model: noise (batch, latent_dim) [and one-hot (batch, size)] -> images (batch, 28, 28, 1).
    """
    if len(filters) < 2:
        raise ValueError(f"filters={filters!r}: give at least two widths, e.g. (128, 64, 32).")
    conditioning = Conditioning.parse(conditioning)
    # Under tf.distribute each replica sees a slice of the batch; synchronised batch norm takes the statistics
    # of the whole batch, so several devices train exactly as one does. One device: plain batch norm.
    synchronized = tf.distribute.get_strategy().num_replicas_in_sync > 1
    z = keras.Input((latent_dim,), name="noise")
    h = z
    inputs = [z]
    if conditioning.kind != NONE:
        labels = keras.Input((conditioning.size,), name=conditioning.kind)
        inputs.append(labels)
        embedding = layers.Dense(LABEL_EMBEDDING, use_bias=False, name=f"{conditioning.kind}_embedding")
        h = layers.Concatenate()([z, embedding(labels)])
    for units in dense_units:
        h = layers.Dense(units, use_bias=False)(h)
        h = layers.BatchNormalization(synchronized=synchronized)(h)
        h = layers.LeakyReLU(0.2)(h)
    h = layers.Dense(7 * 7 * filters[0], use_bias=False)(h)
    h = layers.BatchNormalization(synchronized=synchronized)(h)
    h = layers.LeakyReLU(0.2)(h)
    h = layers.Reshape((7, 7, filters[0]))(h)
    # 7×7 -> 28×28: the last hidden layer and the output layer each double the size; earlier ones refine.
    strides = [1] * (len(filters) - 2) + [2]
    for width, stride in zip(filters[1:], strides):
        h = layers.Conv2DTranspose(width, kernel_size, strides=stride, padding="same", use_bias=False)(h)
        h = layers.BatchNormalization(synchronized=synchronized)(h)
        h = layers.LeakyReLU(0.2)(h)
    out = layers.Conv2DTranspose(1, kernel_size, strides=2, padding="same", activation="tanh", dtype="float32",
                                 name="image")(h)
    return keras.Model(inputs if len(inputs) > 1 else z, out, name=name)


def build_discriminator(filters=(32, 64), dense_units=(), kernel_size: int = 5, dropout: float = 0.3,
                        conditioning: Conditioning = NO_CONDITIONING, name: str = "discriminator",
                        logits: bool = False, spectral_norm: bool = False,
                        label_input: str = "projection") -> keras.Model:
    """Images (batch, 28, 28, 1) in [-1, 1] -> probability (batch, 1) that each image is real.

    Strided convolutions (each halves the size) with LeakyReLU and dropout, then dense layers
    (``dense_units``) and a one-unit sigmoid output. With ``logits=True`` the output is the raw score before
    the sigmoid (what the hinge and Wasserstein losses and the R1 penalty need); with ``spectral_norm=True``
    every convolution and dense layer (but a latent code's head) is wrapped in
    ``keras.layers.SpectralNormalization``, which divides its
    weights by their largest singular value at each training step (Miyato et al. 2018), so no layer can
    stretch its input by more than a factor of 1.

    ``conditioning`` with labels makes it conditional, in one of three ways (``label_input``): by projection
    (Miyato & Koyama 2018; inputs ``[images, labels (batch, size) one-hot]``), where the label's embedding is
    dotted with the image features and added to the logit, so "real" means "a real digit *of this class*"; by
    concatenation (``"concat"``, the same inputs), where the one-hot label becomes ``size`` constant image
    channels beside the pixels; or not at all (``"none"``): images only, as if unconditional.

    A latent code (``Conditioning("code", size)``) is not an input: it adds InfoGAN's second head, and the
    outputs are ``[probability (batch, 1), code logits (batch, size)]``, the logits guessing which code a
    fake was drawn from.

    Args:
        filters: channels of each strided convolution.
        dense_units: widths of the hidden dense layers.
        kernel_size: the convolutions' kernel.
        dropout: the dropout rate after each hidden layer.
        conditioning: nothing, labels (a projection input) or a latent code (a second head).
        name: the model's name.
        logits: output the raw score (a logit) instead of the probability.
        spectral_norm: spectrally normalise every weight layer.
        label_input: with labels: "projection", "concat" or "none" (see above).

    Returns:
        keras.Model: images (batch, 28, 28, 1) [and labels] -> probability or logit (batch, 1) [and code logits].
    """
    conditioning = Conditioning.parse(conditioning)
    if conditioning.kind == LABELS and label_input == "none":
        conditioning = NO_CONDITIONING  # the generator alone sees the label
    concat = conditioning.kind == LABELS and label_input == "concat"

    def weighted(layer):
        # The wrapper returns its input's dtype: the output layers keep float32 under mixed precision.
        dtype = "float32" if layer.dtype_policy.name == "float32" else None
        return layers.SpectralNormalization(layer, name=f"sn_{layer.name}", dtype=dtype) if spectral_norm else layer

    activation = None if logits else "sigmoid"
    x = keras.Input(IMAGE_SHAPE, name="image")
    h = x
    if concat:
        labels = keras.Input((conditioning.size,), name="labels")
        planes = layers.UpSampling2D(IMAGE_SHAPE[:2])(layers.Reshape((1, 1, conditioning.size))(labels))
        h = layers.Concatenate()([x, planes])  # (batch, 28, 28, 1 + size): each label a constant channel
    for width in filters:
        h = weighted(layers.Conv2D(width, kernel_size, strides=2, padding="same"))(h)
        h = layers.LeakyReLU(0.2)(h)
        h = layers.Dropout(dropout)(h)
    h = layers.Flatten()(h)
    for units in dense_units:
        h = weighted(layers.Dense(units))(h)
        h = layers.LeakyReLU(0.2)(h)
        h = layers.Dropout(dropout)(h)
    if concat:
        out = weighted(layers.Dense(1, activation=activation, dtype="float32", name="real"))(h)
        model = keras.Model([x, labels], out, name=name)
    elif conditioning.kind != LABELS:
        out = weighted(layers.Dense(1, activation=activation, dtype="float32", name="real"))(h)
        if conditioning.kind == CODE:
            out = [out, layers.Dense(conditioning.size, dtype="float32", name="code")(h)]
        model = keras.Model(x, out, name=name)
    else:
        labels = keras.Input((conditioning.size,), name="labels")
        embedded = weighted(layers.Dense(h.shape[-1], use_bias=False, name="label_projection"))(labels)
        logit = layers.Add()([weighted(layers.Dense(1))(h), layers.Dot(axes=1)([embedded, h])])
        out = layers.Activation(activation or "linear", dtype="float32", name="real")(logit)
        model = keras.Model([x, labels], out, name=name)
    return model


def outputs_logits(discriminator: keras.Model) -> bool:
    """True when ``discriminator`` outputs a raw score (logit), False when it outputs a probability.

    Read from the layer that makes its first output, so it also works for a clone or a loaded model.

    Args:
        discriminator: a discriminator model.

    Returns:
        bool: whether the real/fake output has no sigmoid.
    """
    layer = discriminator.outputs[0]._keras_history.operation
    layer = getattr(layer, "layer", layer)  # inside a SpectralNormalization wrapper
    return getattr(layer, "activation", None) is not keras.activations.sigmoid


@contextlib.contextmanager
def precision(name: str):
    """Layers built inside compute in ``name``'s precision ("float32" or "mixed_bfloat16"); Keras's global
    policy is restored after, so networks built elsewhere (the judge, your own) are not affected."""
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


def build_generator_for(config) -> keras.Model:
    """The generator a ``GANConfig`` describes, with fresh weights (in the config's precision)."""
    with precision(config.precision):
        return build_generator(config.latent_dim, config.gen_filters, config.gen_dense, config.kernel_size,
                               config.conditioning)


def build_models(config):
    """Both networks from a ``GANConfig``, in its precision: returns ``(generator, discriminator)``.

    Args:
        config: a ``GANConfig``.

    Returns:
        tuple: ``(generator, discriminator)`` with fresh weights.
    """
    generator = build_generator_for(config)  # first: the seeded initial weights depend on the order
    with precision(config.precision):
        discriminator = build_discriminator(config.disc_filters, config.disc_dense, config.kernel_size,
                                            config.dropout, config.conditioning, logits=config.critic_logits,
                                            spectral_norm=config.spectral_norm, label_input=config.label_input)
    return generator, discriminator


def predict_in_batches(model: keras.Model, inputs, batch_size: int = 1000):
    """``model``'s outputs in inference mode, ``batch_size`` rows at a time.

    Why not ``model.predict``: it feeds the arrays through a ``tf.data`` pipeline whose autotuner can hold
    the call's end for a second or more; one call per batch has no pipeline.

    Args:
        model: a Keras model (a generator, the judge, …).
        inputs: an array (N, …), or a list of arrays (N, …) for a model with several inputs.
        batch_size: rows per call.

    Returns:
        numpy.ndarray (N, …), or a list of them for a model with several outputs.
    """
    arrays = inputs if isinstance(inputs, (list, tuple)) else [inputs]
    n = len(arrays[0])
    chunks = [model.predict_on_batch([a[i:i + batch_size] for a in arrays] if len(arrays) > 1 else
                                     arrays[0][i:i + batch_size]) for i in range(0, n, batch_size)]
    if not chunks:
        raise ValueError("predict_in_batches got no rows: give at least one input.")
    if isinstance(chunks[0], (list, tuple)):
        return [np.concatenate([c[k] for c in chunks]) for k in range(len(chunks[0]))]
    return np.concatenate(chunks)
