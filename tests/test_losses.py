"""The adversarial losses and penalties on inputs whose values are known by hand."""

import dataclasses
import math

import numpy as np
import pytest
import tensorflow as tf

from ganlib import losses
from ganlib.config import GANConfig
from ganlib.data import training_images
from ganlib.training import StepLog, build_gan, train


def col(*values):
    return tf.constant(np.array(values, dtype="float32").reshape(-1, 1))


def close(tensor, expected, tol=1e-5):
    assert float(tensor) == pytest.approx(expected, abs=tol), (float(tensor), expected)


def test_cross_entropy_losses_on_probabilities_and_on_logits_agree_with_the_formulas():
    p_real, p_fake = col(0.9, 0.6), col(0.2, 0.5)
    expected_d = -np.mean(np.log([0.9, 0.6])) - np.mean(np.log([0.8, 0.5]))
    for kind in ("bce", "saturating"):
        close(losses.discriminator_loss(kind, p_real, p_fake), expected_d)
    # the same probabilities given as logits
    logit = lambda p: math.log(p / (1 - p))  # noqa: E731
    close(losses.discriminator_loss("bce", col(logit(0.9), logit(0.6)), col(logit(0.2), logit(0.5)), from_logits=True),
          expected_d)
    close(losses.generator_loss("bce", p_fake), -np.mean(np.log([0.2, 0.5])))
    close(losses.generator_loss("saturating", p_fake), np.mean(np.log([0.8, 0.5])))
    # label smoothing: the real target is 0.9
    smoothed = -np.mean(0.9 * np.log([0.9, 0.6]) + 0.1 * np.log([0.1, 0.4])) - np.mean(np.log([0.8, 0.5]))
    close(losses.discriminator_loss("bce", p_real, p_fake, label_smoothing=0.1), smoothed, tol=1e-4)


def test_hinge_and_wasserstein_losses():
    real, fake = col(2.0, 0.5, -1.0), col(-3.0, 0.0, 1.0)
    # hinge: mean max(0, 1 - real) = (0 + 0.5 + 2) / 3; mean max(0, 1 + fake) = (0 + 1 + 2) / 3
    close(losses.discriminator_loss("hinge", real, fake, from_logits=True), 2.5 / 3 + 3 / 3)
    close(losses.generator_loss("hinge", fake, from_logits=True), 2.0 / 3)
    close(losses.discriminator_loss("wgan-gp", real, fake, from_logits=True), -2.0 / 3 - 1.5 / 3)
    close(losses.generator_loss("wgan-gp", fake, from_logits=True), 2.0 / 3)
    with pytest.raises(ValueError, match="loss='lsgan'"):
        losses.generator_loss("lsgan", fake)


def test_penalties_on_a_critic_whose_gradient_is_known():
    # critic(x) = c · sum(x): its gradient is c everywhere, so its norm is c · sqrt(pixels) at every point
    c, pixels = 0.05, 28 * 28
    critic = lambda x: c * tf.reduce_sum(tf.reshape(x, [tf.shape(x)[0], -1]), axis=1, keepdims=True)  # noqa: E731
    rng = np.random.default_rng(0)
    real = tf.constant(rng.uniform(-1, 1, (4, 28, 28, 1)).astype("float32"))
    fake = tf.constant(rng.uniform(-1, 1, (4, 28, 28, 1)).astype("float32"))
    norm = c * math.sqrt(pixels)
    close(losses.gradient_penalty(critic, real, fake, seed=[1, 2]), (norm - 1.0) ** 2, tol=1e-4)
    close(losses.r1_penalty(critic, real), norm ** 2, tol=1e-3)
    # a critic with slope exactly 1 is not penalised by WGAN-GP
    unit = lambda x: critic(x) / norm  # noqa: E731
    close(losses.gradient_penalty(unit, real, fake), 0.0, tol=1e-6)


@pytest.mark.parametrize("c, sign", [(0.05, 1.0), (0.01, -1.0)])
def test_a_descent_step_on_each_penalty_moves_the_slope_the_right_way(c, sign):
    # critic(x) = c · sum(x), slope c · 28 (= 1.4 for c = 0.05, 0.28 for c = 0.01). d/dc of R1's c² · 784 is
    # 2 · 784 · c > 0: descent flattens the critic. d/dc of WGAN-GP's (28 c − 1)² is 56 (28 c − 1): positive
    # above slope 1, negative below, so descent moves the slope towards 1 from either side.
    weight = tf.Variable(c)
    critic = lambda x: weight * tf.reduce_sum(tf.reshape(x, [tf.shape(x)[0], -1]), axis=1, keepdims=True)  # noqa: E731
    real = tf.constant(np.random.default_rng(1).uniform(-1, 1, (4, 28, 28, 1)).astype("float32"))
    with tf.GradientTape(persistent=True) as tape:
        r1, gp = losses.r1_penalty(critic, real), losses.gradient_penalty(critic, real, real[::-1], seed=[0, 1])
    close(tape.gradient(r1, weight), 2 * 784 * c, tol=1e-3 * 784 * c)
    close(tape.gradient(gp, weight), 56 * (28 * c - 1), tol=1e-3)
    assert np.sign(float(tape.gradient(gp, weight))) == sign


def test_the_saturating_generator_loss_loses_its_gradient_where_the_non_saturating_one_keeps_it():
    # a discriminator sure that the fakes are fake: logit -8, D(G(z)) = 0.0003; the gradient that reaches the
    # generator passes through the logit, whether the loss is given the logit or the probability
    for from_logits in (True, False):
        logit = tf.Variable([[-8.0]])
        grads = {}
        for kind in ("saturating", "bce"):
            with tf.GradientTape() as tape:
                scores = logit if from_logits else tf.sigmoid(logit)
                loss = losses.generator_loss(kind, scores, from_logits)
            grads[kind] = float(tape.gradient(loss, logit)[0, 0])
        assert abs(grads["saturating"]) < 1e-3 and abs(grads["bce"]) > 0.99, (from_logits, grads)


def test_config_names_the_allowed_losses_and_gives_the_discriminator_raw_scores_when_needed():
    with pytest.raises(ValueError, match="GANConfig.loss='lsgan'.*'hinge'"):
        GANConfig(loss="lsgan")
    assert not GANConfig().critic_logits
    assert GANConfig(loss="hinge").critic_logits and GANConfig(r1_weight=1.0).critic_logits
    gan = build_gan(GANConfig(loss="hinge", spectral_norm=True))
    assert gan.from_logits
    assert any(type(layer).__name__ == "SpectralNormalization" for layer in gan.discriminator.layers)


@pytest.mark.parametrize("changes", [dict(loss="saturating"), dict(loss="hinge", spectral_norm=True),
                                     dict(loss="wgan-gp"), dict(r1_weight=1.0, conditioning="labels:10")])
@pytest.mark.slow
def test_every_loss_trains_and_logs_finite_values_per_step(tmp_path, changes):
    config = dataclasses.replace(GANConfig(epochs=1, n_train=128, batch_size=32, steps_per_execution=1), **changes)
    x = training_images(128, seed=0)
    log = StepLog()
    result = train(config, tmp_path, x=x, y=np.arange(128) % 10, verbose=0, callbacks=[log])
    row = result.history[-1]
    assert len(log.rows) == 4 and [r["step"] for r in log.rows] == [1, 2, 3, 4]
    for key in StepLog.KEYS:
        assert np.isfinite(row[key])
        # the steps' own values average to the epoch's mean
        assert np.mean([r[key] for r in log.rows]) == pytest.approx(row[key], rel=1e-4, abs=1e-5)
    assert row["g_grad_norm"] > 0 and row["d_grad_norm"] > 0
    # The penalties are logged: what they add to the discriminator's loss, positive, only when one is on.
    penalised = changes.get("loss") == "wgan-gp" or changes.get("r1_weight")
    assert ("penalty" in row) == bool(penalised) and (not penalised or row["penalty"] > 0)


def test_step_log_with_several_steps_per_call_keeps_each_calls_mean(tmp_path):
    # 8 steps an epoch in calls of 4 (train keeps the calls within an epoch: the largest divisor up to 4)
    config = GANConfig(epochs=2, n_train=256, batch_size=32, steps_per_execution=4)
    log = StepLog()
    result = train(config, tmp_path, x=training_images(256, seed=0), verbose=0, callbacks=[log])
    assert [(r["step"], r["steps"]) for r in log.rows] == [(4, 4), (8, 4), (12, 4), (16, 4)]
    assert [r["epoch"] for r in log.rows] == [0.5, 1.0, 1.5, 2.0]
    for epoch, rows in ((0, log.rows[:2]), (1, log.rows[2:])):
        for key in StepLog.KEYS:  # the calls' means, weighted by their steps, give back the epoch's mean
            mean = sum(r[key] * r["steps"] for r in rows) / 8
            assert mean == pytest.approx(result.history[epoch][key], rel=1e-4, abs=1e-5), (epoch, key)


