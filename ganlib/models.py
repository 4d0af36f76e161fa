"""The DCGAN: a generator that draws 28×28×1 digits from noise and a discriminator that tells real from fake."""

from __future__ import annotations

import keras
from keras import layers

IMAGE_SHAPE = (28, 28, 1)


def build_generator(latent_dim: int = 100, filters=(128, 64, 32), dense_units=(), kernel_size: int = 5,
                    name: str = "generator") -> keras.Model:
    """Noise (batch, latent_dim) -> images (batch, 28, 28, 1) in [-1, 1].

    Dense layers (``dense_units``, then one to 7×7×filters[0]) with batch norm and LeakyReLU, then
    transposed convolutions, one per further width in ``filters``: all keep 7×7 but the last, which doubles it to
    14×14; the output layer doubles it again to 28×28, with one channel and a tanh.
    """
    if len(filters) < 2:
        raise ValueError(f"filters={filters!r}: give at least two widths, e.g. (128, 64, 32).")
    z = keras.Input((latent_dim,), name="noise")
    h = z
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
    return keras.Model(z, out, name=name)


def build_discriminator(filters=(32, 64), dense_units=(), kernel_size: int = 5, dropout: float = 0.3,
                        name: str = "discriminator") -> keras.Model:
    """Images (batch, 28, 28, 1) in [-1, 1] -> probability (batch, 1) that each image is real.

    Strided convolutions (each halves the size) with LeakyReLU and dropout, then dense layers
    (``dense_units``) and a one-unit sigmoid output.
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
    out = layers.Dense(1, activation="sigmoid", dtype="float32", name="real")(h)
    return keras.Model(x, out, name=name)


def build_models(config):
    """Both networks from a ``GANConfig``: returns ``(generator, discriminator)``."""
    generator = build_generator(config.latent_dim, config.gen_filters, config.gen_dense, config.kernel_size)
    discriminator = build_discriminator(config.disc_filters, config.disc_dense, config.kernel_size, config.dropout)
    return generator, discriminator
