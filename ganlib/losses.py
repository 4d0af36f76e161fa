"""The adversarial losses and the discriminator's gradient penalties, one function each.

Scores are what the discriminator outputs for a batch, shape (batch, 1): probabilities for the course's
"bce" loss on a sigmoid discriminator, raw scores (logits) otherwise (``from_logits=True``). Every loss is
a mean over the batch, so each returns a scalar.

| loss | discriminator minimises | generator minimises |
|---|---|---|
| ``bce`` (non-saturating) | −log D(x) − log(1 − D(G(z))) | −log D(G(z)) |
| ``saturating`` (minimax) | the same | log(1 − D(G(z))) |
| ``hinge`` | max(0, 1 − s(x)) + max(0, 1 + s(G(z))) | −s(G(z)) |
| ``wgan-gp`` | s(G(z)) − s(x) + λ·(‖∇s(x̂)‖ − 1)² | −s(G(z)) |

where D = sigmoid(s) and s is the raw score. The saturating loss is the original minimax game: against a
discriminator that rejects every fake its gradient vanishes (chapter 3 plots why). Goodfellow et al. (2014)
proposed the non-saturating generator loss in the same paper for that reason; later GANs train with it or with
other losses altogether (the Wasserstein loss, the hinge loss, least squares), hardly ever with the minimax one.
"""

from __future__ import annotations

import keras
import tensorflow as tf

from .config import LOSSES


def _bce(target: float, scores, from_logits: bool):
    return tf.reduce_mean(keras.losses.binary_crossentropy(tf.fill(tf.shape(scores), target), scores,
                                                           from_logits=from_logits))


def discriminator_loss(kind: str, real, fake, from_logits: bool = False, label_smoothing: float = 0.0):
    """The discriminator's adversarial loss (without a gradient penalty), a scalar.

    Args:
        kind: "bce", "saturating", "hinge" or "wgan-gp".
        real: the discriminator's scores for real images (batch, 1).
        fake: its scores for generated images (batch, 1).
        from_logits: the scores are raw scores, not probabilities (always for hinge and wgan-gp).
        label_smoothing: the cross-entropy losses' target for real images is ``1 - label_smoothing``.

    Returns:
        tf.Tensor: scalar float32.
    """
    if kind in ("bce", "saturating"):
        return _bce(1.0 - label_smoothing, real, from_logits) + _bce(0.0, fake, from_logits)
    if kind == "hinge":
        return tf.reduce_mean(tf.nn.relu(1.0 - real)) + tf.reduce_mean(tf.nn.relu(1.0 + fake))
    if kind == "wgan-gp":
        return tf.reduce_mean(fake) - tf.reduce_mean(real)
    raise ValueError(f"loss={kind!r}: use one of {', '.join(LOSSES)}.")


def generator_loss(kind: str, fake, from_logits: bool = False):
    """The generator's adversarial loss, a scalar.

    Args:
        kind: "bce", "saturating", "hinge" or "wgan-gp".
        fake: the discriminator's scores for generated images (batch, 1).
        from_logits: the scores are raw scores, not probabilities.

    Returns:
        tf.Tensor: scalar float32.
    """
    if kind == "bce":
        return _bce(1.0, fake, from_logits)
    if kind == "saturating":
        return -_bce(0.0, fake, from_logits)  # mean log(1 - D(G(z)))
    if kind in ("hinge", "wgan-gp"):
        return -tf.reduce_mean(fake)
    raise ValueError(f"loss={kind!r}: use one of {', '.join(LOSSES)}.")


def _input_gradient_norms(critic, images):
    with tf.GradientTape() as tape:
        tape.watch(images)
        scores = critic(images)
    grads = tape.gradient(scores, images)
    return tf.sqrt(tf.reduce_sum(tf.square(grads), axis=tf.range(1, tf.rank(grads))) + 1e-12)


def gradient_penalty(critic, real, fake, seed=None, alpha=None):
    """WGAN-GP's penalty: mean (‖∇ critic(x̂)‖ − 1)² at random points x̂ on the lines between real and fake
    images (Gulrajani et al. 2017), which keeps the critic's slope near 1 where it matters.

    Args:
        critic: a function of images (batch, ...) -> scores (batch, 1).
        real: real images (batch, ...).
        fake: generated images, the same shape.
        seed: a stateless seed (2,) for the mixing weights, or None for a fresh draw.
        alpha: the mixing weights themselves (batch, 1, ...), uniform in [0, 1]; overrides ``seed``.

    Returns:
        tf.Tensor: scalar float32.
    """
    if alpha is None:
        shape = tf.concat([tf.shape(real)[:1], tf.ones([tf.rank(real) - 1], tf.int32)], 0)
        alpha = tf.random.uniform(shape) if seed is None else tf.random.stateless_uniform(shape, seed=seed)
    mixed = alpha * real + (1.0 - alpha) * fake
    return tf.reduce_mean(tf.square(_input_gradient_norms(critic, mixed) - 1.0))


def r1_penalty(critic, real):
    """The R1 penalty's mean ‖∇ critic(x)‖² on real images (Mescheder et al. 2018): multiplied by γ/2 it keeps
    the discriminator flat on the data, so it cannot push the generator away from a good solution.

    Args:
        critic: a function of images (batch, ...) -> raw scores (batch, 1).
        real: real images (batch, ...).

    Returns:
        tf.Tensor: scalar float32 (without the γ/2).
    """
    return tf.reduce_mean(tf.square(_input_gradient_norms(critic, real)))
