"""The DCGAN: a generator that draws 28×28×1 digits from noise and a discriminator that tells real from fake."""

from __future__ import annotations

import keras
from keras import layers

IMAGE_SHAPE = (28, 28, 1)


LABEL_EMBEDDING = 32


def is_conditional(model: keras.Model) -> bool:
    """True for a conditional network: it takes ``[input, one_hot_labels]`` rather than one input."""
    return len(model.inputs) == 2


def latent_size(generator: keras.Model) -> int:
    """The length of the noise vector a generator takes (its first input's width)."""
    return int(generator.inputs[0].shape[-1])


def has_latent_code(model: keras.Model) -> bool:
    """True for a generator whose second input is an InfoGAN latent code (learnt without labels), not a label."""
    return is_conditional(model) and model.inputs[1].name == "code"


def num_classes(model: keras.Model) -> int:
    """How many labels a conditional network knows (the width of its one-hot label input); 0 if unconditional."""
    return int(model.inputs[1].shape[-1]) if is_conditional(model) else 0


def build_generator(latent_dim: int = 100, filters=(128, 64, 32), dense_units=(), kernel_size: int = 5,
                    num_classes: int = 0, condition: str = "labels", name: str = "generator") -> keras.Model:
    """Noise (batch, latent_dim) -> images (batch, 28, 28, 1) in [-1, 1].

    Dense layers (``dense_units``, then one to 7×7×filters[0]) with batch norm and LeakyReLU, then
    transposed convolutions, one per further width in ``filters``: all keep 7×7 but the last, which doubles it to
    14×14; the output layer doubles it again to 28×28, with one channel and a tanh.

    ``num_classes`` > 0 makes it conditional: inputs ``[noise (batch, latent_dim), labels (batch, num_classes)]``,
    the labels one-hot. A bias-free dense layer embeds them (the same as an embedding lookup for one-hot
    labels, but a mix of two labels also works, which lets the explorers morph one digit into another) and
    the embedding is concatenated to the noise.

    ``condition="code"`` names that second input ``code``: an InfoGAN latent code (see ``GANConfig.latent_codes``),
    which enters the same way but stands for whatever the GAN learnt to make of it, not a digit.
    """
    if len(filters) < 2:
        raise ValueError(f"filters={filters!r}: give at least two widths, e.g. (128, 64, 32).")
    z = keras.Input((latent_dim,), name="noise")
    h = z
    inputs = [z]
    if num_classes:
        labels = keras.Input((num_classes,), name=condition)
        inputs.append(labels)
        embedding = layers.Dense(LABEL_EMBEDDING, use_bias=False, name=f"{condition}_embedding")
        h = layers.Concatenate()([z, embedding(labels)])
    for units in dense_units:
        h = layers.Dense(units, use_bias=False)(h)
        h = layers.BatchNormalization()(h)
        h = layers.LeakyReLU(0.2)(h)
    h = layers.Dense(7 * 7 * filters[0], use_bias=False)(h)
    h = layers.BatchNormalization()(h)
    h = layers.LeakyReLU(0.2)(h)
    h = layers.Reshape((7, 7, filters[0]))(h)
    # 7×7 -> 28×28: the last hidden layer and the output layer each double the size; earlier ones refine.
    strides = [1] * (len(filters) - 2) + [2]
    for width, stride in zip(filters[1:], strides):
        h = layers.Conv2DTranspose(width, kernel_size, strides=stride, padding="same", use_bias=False)(h)
        h = layers.BatchNormalization()(h)
        h = layers.LeakyReLU(0.2)(h)
    out = layers.Conv2DTranspose(1, kernel_size, strides=2, padding="same", activation="tanh", dtype="float32",
                                 name="image")(h)
    return keras.Model(inputs if num_classes else z, out, name=name)


def build_discriminator(filters=(32, 64), dense_units=(), kernel_size: int = 5, dropout: float = 0.3,
                        num_classes: int = 0, codes: int = 0, name: str = "discriminator") -> keras.Model:
    """Images (batch, 28, 28, 1) in [-1, 1] -> probability (batch, 1) that each image is real.

    Strided convolutions (each halves the size) with LeakyReLU and dropout, then dense layers
    (``dense_units``) and a one-unit sigmoid output.

    ``num_classes`` > 0 makes it conditional by projection (Miyato & Koyama 2018): inputs
    ``[images, labels (batch, num_classes) one-hot]``; the label's embedding is dotted with the image features
    and added to the logit, so "real" means "a real digit *of this class*".

    ``codes`` > 0 (unconditional only) adds InfoGAN's second head: outputs ``[probability (batch, 1),
    code logits (batch, codes)]``, the logits guessing which latent code a fake was drawn from.
    """
    x = keras.Input(IMAGE_SHAPE, name="image")
    h = x
    for width in filters:
        h = layers.Conv2D(width, kernel_size, strides=2, padding="same")(h)
        h = layers.LeakyReLU(0.2)(h)
        h = layers.Dropout(dropout)(h)
    h = layers.Flatten()(h)
    for units in dense_units:
        h = layers.Dense(units)(h)
        h = layers.LeakyReLU(0.2)(h)
        h = layers.Dropout(dropout)(h)
    if not num_classes:
        out = layers.Dense(1, activation="sigmoid", dtype="float32", name="real")(h)
        if codes:
            out = [out, layers.Dense(codes, dtype="float32", name="code")(h)]
        return keras.Model(x, out, name=name)
    labels = keras.Input((num_classes,), name="labels")
    embedded = layers.Dense(h.shape[-1], use_bias=False, name="label_projection")(labels)
    logit = layers.Add()([layers.Dense(1)(h), layers.Dot(axes=1)([embedded, h])])
    out = layers.Activation("sigmoid", dtype="float32", name="real")(logit)
    return keras.Model([x, labels], out, name=name)


def _label_classes(config) -> int:
    # A latent code enters the generator the way a label does: one-hot, beside the noise.
    return config.num_classes if config.conditional else config.latent_codes


def build_generator_for(config) -> keras.Model:
    """The generator a ``GANConfig`` describes (conditional or not), with fresh weights."""
    return build_generator(config.latent_dim, config.gen_filters, config.gen_dense, config.kernel_size,
                           _label_classes(config), "code" if config.latent_codes else "labels")


def build_models(config):
    """Both networks from a ``GANConfig``: returns ``(generator, discriminator)``."""
    generator = build_generator_for(config)  # first: the seeded initial weights depend on the order
    discriminator = build_discriminator(config.disc_filters, config.disc_dense, config.kernel_size, config.dropout,
                                        config.num_classes if config.conditional else 0, config.latent_codes)
    return generator, discriminator
