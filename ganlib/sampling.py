"""Drawing from a generator: the fixed noise of the sample grids, the inputs a generator takes, new digits."""

from __future__ import annotations

import keras
import numpy as np

from .config import LABELS, Conditioning, GANConfig
from .data import to_uint8
from .models import conditioning_of, latent_size, predict_in_batches

SAMPLE_GRID_SEED = 1234
SAMPLE_GRID_SIZE = 64


def sampler_of(gan: keras.Model) -> keras.Model:
    """The generator to draw a GAN's samples from: its ``sampler`` (ganlib's ``GAN`` gives the moving average of
    the generator's weights there) when it has one, else its ``generator``.

    Args:
        gan: a GAN model with a ``generator`` (see ``docs/api.md``, "Your own GAN").

    Returns:
        keras.Model: the generator samples come from.
    """
    return getattr(gan, "sampler", None) or gan.generator


def fixed_noise(latent_dim: int, n: int = SAMPLE_GRID_SIZE, seed: int = SAMPLE_GRID_SEED) -> np.ndarray:
    """The same noise every epoch, float32 (n, latent_dim): watching it shows learning, not new random draws.

    Args:
        latent_dim: the noise vector's length.
        n: how many vectors.
        seed: their seed.

    Returns:
        numpy.ndarray: float32 (n, latent_dim).
    """
    return np.random.default_rng(seed).standard_normal((n, latent_dim)).astype("float32")


def sample_grid_noise(config: GANConfig) -> np.ndarray:
    """The noise of a run's sample grid (``samples/``, the GIF, the panel's preview), float32 (n, latent_dim):
    ten samples per label or code when the GAN has them (one column each in the grid, n = 10 × their
    number), else 64 samples.

    Args:
        config: the run's ``GANConfig``.

    Returns:
        numpy.ndarray: float32 (n, config.latent_dim).
    """
    return fixed_noise(config.latent_dim, 10 * config.conditioning.size or SAMPLE_GRID_SIZE)


def balanced_labels(n: int, classes: int = 10) -> np.ndarray:
    """Labels int32 (n,) cycling 0, 1, …, classes-1: every class drawn equally often (±1).

    Args:
        n: how many labels.
        classes: how many classes.

    Returns:
        numpy.ndarray: int32 (n,).
    """
    return Conditioning(LABELS, classes).default_values(n)


def generator_inputs(generator: keras.Model, noise, labels=None):
    """What to feed ``generator`` for noise float32 (n, latent_dim): the noise itself, or, for a generator that
    takes labels or a latent code, ``[noise, one-hot values (n, size)]``. ``labels`` (the digits asked for, or
    the codes): int (n,), one-hot or mixed floats (n, size), or None for every value equally often.

    Args:
        generator: a generator model.
        noise: float32 (n, latent_dim).
        labels: int (n,), floats (n, size), or None.

    Returns:
        the noise, or ``[noise, one-hot float32 (n, size)]``.
    """
    noise = np.asarray(noise, dtype="float32")
    one_hot = conditioning_of(generator).one_hot(labels, len(noise))
    return noise if one_hot is None else [noise, one_hot]


def generate(generator: keras.Model, n: int, seed: int = 0, batch_size: int = 1000, labels=None) -> np.ndarray:
    """Draw ``n`` digits: uint8 (n, 28, 28). The same ``seed`` gives the same digits.

    For a conditional generator, ``labels`` int (n,) says which digit each one is (None: balanced labels,
    see ``balanced_labels``).

    Args:
        generator: a generator model.
        n: how many digits.
        seed: the noise's seed.
        batch_size: how many to draw at once.
        labels: int (n,) digits (or codes) to ask for, or None for all equally often.

    Returns:
        numpy.ndarray: uint8 (n, 28, 28).
    """
    noise = np.random.default_rng(seed).standard_normal((n, latent_size(generator))).astype("float32")
    return to_uint8(predict_in_batches(generator, generator_inputs(generator, noise, labels), batch_size))
