"""Training: the GAN as a ``keras.Model`` with its own ``train_step``, run by ``fit`` with callbacks.

A run trains in a folder (``runs.py`` owns its files): after each epoch a checkpoint of both networks and
both optimisers, the generator to sample from, a frame for the training animation, and the history.
Interrupted, it resumes from the last finished epoch with the batches, noise and dropout masks an
uninterrupted run would have used.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from . import losses, runs
from .config import CODE, LABELS, NONE, GANConfig
from .data import make_dataset, to_uint8, training_set
from .models import build_models, conditioning_of, latent_size, outputs_logits, predict_in_batches
from .quiet import NativeStderrFilter

SAMPLE_GRID_SEED = 1234
SAMPLE_GRID_SIZE = 64


class TrainingDiverged(FloatingPointError):
    """A loss became NaN or infinite."""


class Adam(keras.optimizers.Adam):
    """Keras's Adam, with each variable's update done by one TensorFlow kernel (``ResourceApplyAdam``).

    The same arithmetic and the same state (so the same checkpoints) as ``keras.optimizers.Adam``, whose update
    is about fifteen small operations per variable: with the course's small networks on a CPU, running them one
    by one takes about a tenth of each training step (``benchmarks/speed.py``'s profile). AMSGrad falls back to
    Keras's own update.
    """

    def update_step(self, gradient, variable, learning_rate):
        if self.amsgrad:
            return super().update_step(gradient, variable, learning_rate)
        dtype = variable.dtype
        step = tf.cast(self.iterations + 1, dtype)  # this update's number, counted from 1 as Keras's Adam counts
        beta_1, beta_2 = tf.cast(self.beta_1, dtype), tf.cast(self.beta_2, dtype)
        index = self._get_variable_index(variable)
        tf.raw_ops.ResourceApplyAdam(
            var=_handle(variable), m=_handle(self._momentums[index]), v=_handle(self._velocities[index]),
            beta1_power=tf.pow(beta_1, step), beta2_power=tf.pow(beta_2, step), lr=tf.cast(learning_rate, dtype),
            beta1=beta_1, beta2=beta_2, epsilon=tf.cast(self.epsilon, dtype), grad=tf.cast(gradient, dtype))


def _handle(variable):
    # Keras passes its optimiser the TensorFlow variables; its own state variables wrap one in ``.value``.
    return variable.handle if hasattr(variable, "handle") else variable.value.handle


class GAN(keras.Model):
    """Generator and discriminator trained together; ``fit(dataset_of_real_images)`` trains both.

    One step: draw noise (batch, latent_dim), run the generator once, score real and fake images with the
    discriminator, and update each network with its own optimiser from the same forward pass.

    Conditional networks (see ``models.build_generator``) are fed ``(images, labels)`` batches, labels int
    (batch,); the fakes of a step are drawn for the same labels as the real batch, so both halves of what the
    discriminator sees have the data's class balance.

    With a latent code (InfoGAN) each fake is also drawn from a uniformly random code, and both networks add
    ``code_weight`` × the cross-entropy of the discriminator's code head on the fakes: the generator learns to
    make the code visible in the image, the discriminator to read it. The logged ``d_loss`` and ``g_loss`` are
    the adversarial losses alone; ``code_loss`` is logged beside them.
    """

    def __init__(self, generator, discriminator, latent_dim: int, ema: float = 0.0, seed: int = 0,
                 code_weight: float = GANConfig.code_weight, loss: str = GANConfig.loss,
                 gp_weight: float = GANConfig.gp_weight, r1_weight: float = GANConfig.r1_weight, **kwargs):
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.latent_dim = int(latent_dim)
        self.ema = float(ema)
        self.noise_seed = int(seed)
        # What both networks are told besides the noise: nothing, labels or a latent code (config.Conditioning).
        self.conditioning = conditioning_of(generator)
        self.code_weight = float(code_weight)
        self.loss, self.gp_weight, self.r1_weight = loss, float(gp_weight), float(r1_weight)
        # A sigmoid discriminator gives probabilities, one built with logits=True raw scores (models.py).
        self.from_logits = outputs_logits(discriminator)
        if loss != "bce" and not self.from_logits:
            raise ValueError(f"loss={loss!r} needs a discriminator that outputs raw scores: build it with "
                             "logits=True (build_gan does, from the config).")
        # The step counter decides the noise, so a resumed run draws exactly the noise it would have drawn.
        self.step = keras.Variable(0, dtype="int64", trainable=False, name="step")
        self.ema_generator = None
        if self.ema:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
            self.ema_generator.conditioning = self.conditioning
        names = ("d_loss", "g_loss", "real_score", "fake_score", "d_grad_norm", "g_grad_norm") + (
            ("code_loss",) if self._has_code else ())
        self.trackers = {name: keras.metrics.Mean(name=name) for name in names}

    @property
    def sampler(self) -> keras.Model:
        """The generator to draw samples from: the moving average of the weights when ``ema`` > 0."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    @property
    def metrics(self):
        return list(self.trackers.values())

    def compile(self, g_optimizer, d_optimizer, label_smoothing: float = 0.0, **kwargs):
        """One optimiser per network; ``label_smoothing`` lowers the discriminator's target for real images."""
        super().compile(**kwargs)
        self.g_optimizer = g_optimizer
        self.d_optimizer = d_optimizer
        self.label_smoothing = float(label_smoothing)

    def build(self, input_shape=None):
        self.g_optimizer.build(self.generator.trainable_variables)
        self.d_optimizer.build(self.discriminator.trainable_variables)
        self.built = True

    def call(self, inputs, training=False):
        return self.generator(inputs, training=training)

    def train_step(self, data):
        """One update of both networks from a batch of real images (batch, 28, 28, 1) in [-1, 1]
        (and, for a conditional GAN, their int labels (batch,)). Returns the running means of the losses, of
        the discriminator's scores and of both networks' gradient norms."""
        real, labels = data if isinstance(data, (tuple, list)) else (data, None)
        g_inputs, condition, code = self.sample_inputs(tf.shape(real)[0], labels)
        # Why one tape per network: each loss must only move its own network's weights.
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = self.generator(g_inputs, training=True)
            s_real, _ = self.discriminate(real, condition)
            s_fake, code_logits = self.discriminate(fake, condition)
            # The losses (config.loss) are in losses.py; by default the discriminator's cross-entropy with
            # one-sided label smoothing (real = 0.9) and the generator's non-saturating -log D(G(z)).
            d_loss = losses.discriminator_loss(self.loss, s_real, s_fake, self.from_logits, self.label_smoothing)
            g_loss = losses.generator_loss(self.loss, s_fake, self.from_logits)
            code_loss = self._code_loss(code, code_logits)
            d_total = d_loss + self._penalties(real, fake, condition) + self.code_weight * code_loss
            g_total = g_loss + self.code_weight * code_loss
        d_grad_norm = self._apply(self.d_optimizer, d_tape, d_total, self.discriminator)
        g_grad_norm = self._apply(self.g_optimizer, g_tape, g_total, self.generator)
        self.step.assign_add(1)
        self._update_ema()
        return self._log(d_loss=d_loss, g_loss=g_loss, real_score=self._mean_probability(s_real),
                         fake_score=self._mean_probability(s_fake), code_loss=code_loss,
                         d_grad_norm=d_grad_norm, g_grad_norm=g_grad_norm)

    # ---- what is not the algorithm: inputs per kind of conditioning, the EMA, replicas, logging

    def sample_noise(self, batch):
        """The noise float32 (batch, latent_dim) of the current step: seeded by (seed, step), so a resumed run
        draws exactly the noise an uninterrupted one would."""
        return self._replica_slice(batch, lambda n: tf.random.stateless_normal((n, self.latent_dim),
                                                                              seed=self._step_seed(0)))

    def _step_seed(self, offset: int):
        return tf.stack([tf.constant(self.noise_seed + offset, tf.int64), self.step.value])

    def _replica_slice(self, batch, draw):
        # Under tf.distribute, draw for the whole global batch and keep this replica's rows: replicas then get
        # different noise, and together exactly the noise one device would draw for the global batch.
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas == 1:
            return draw(batch)
        replica = tf.distribute.get_replica_context().replica_id_in_sync_group
        return draw(batch * replicas)[replica * batch:(replica + 1) * batch]

    def sample_inputs(self, batch, labels=None):
        """What one step feeds the networks: ``(generator inputs, discriminator condition, code)``.

        Unconditional: the noise, None, None. Conditional: ``[noise, one-hot labels]``, the same one-hot
        labels, None. With a latent code: ``[noise, one-hot code]``, None, the int codes (batch,).
        """
        noise = self.sample_noise(batch)
        kind, size = self.conditioning.kind, self.conditioning.size
        if kind == LABELS:
            if labels is None:
                raise ValueError("a conditional GAN trains on (images, labels) batches; give train() the labels y.")
            one_hot = tf.one_hot(tf.cast(tf.reshape(labels, [-1]), tf.int32), size)
            return [noise, one_hot], one_hot, None
        if kind == CODE:
            code = self._replica_slice(batch, lambda n: tf.random.stateless_uniform(
                (n,), minval=0, maxval=size, dtype=tf.int32, seed=self._step_seed(1)))
            return [noise, tf.one_hot(code, size)], None, code
        return noise, None, None

    def discriminate(self, images, condition=None):
        """The discriminator in training mode: ``(probability real (batch, 1), code logits (batch, codes) or
        None)``; ``condition`` is a conditional GAN's one-hot labels."""
        out = self.discriminator(images if condition is None else [images, condition], training=True)
        return tuple(out) if self._has_code else (out, None)

    @property
    def _has_code(self) -> bool:
        return self.conditioning.kind == CODE

    def _mean_probability(self, scores):
        # What the discriminator's scores say about "real", as a probability (for raw scores, their sigmoid).
        return tf.reduce_mean(tf.sigmoid(scores) if self.from_logits else scores)

    def _penalties(self, real, fake, condition):
        """The discriminator's gradient penalties: WGAN-GP's (loss "wgan-gp") and R1 (``r1_weight`` > 0)."""
        def critic(images):
            return self.discriminate(images, condition)[0]

        penalty = tf.constant(0.0)
        if self.loss == "wgan-gp" and self.gp_weight:
            # Each replica takes its slice of one draw of mixing weights, as for the noise.
            alpha = self._replica_slice(tf.shape(real)[0], lambda n: tf.random.stateless_uniform(
                (n, 1, 1, 1), seed=self._step_seed(2)))
            penalty += self.gp_weight * losses.gradient_penalty(critic, real, tf.stop_gradient(fake), alpha=alpha)
        if self.r1_weight:
            penalty += 0.5 * self.r1_weight * losses.r1_penalty(critic, real)
        return penalty

    def _code_loss(self, code, code_logits):
        if code is None:
            return tf.constant(0.0)
        return tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(code, code_logits, from_logits=True))

    def _apply(self, optimizer, tape, loss, network):
        # Under tf.distribute each replica sees batch / replicas images and the optimiser *sums* the replicas'
        # gradients, so each replica's gradient of its mean loss is divided by the replica count: the update is
        # then the same as one device's on the whole global batch.
        grads = tape.gradient(loss, network.trainable_variables)
        norm = tf.linalg.global_norm(grads)  # of this replica's mean loss: the gradient one device would see
        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas > 1:
            grads = [g / replicas for g in grads]
        optimizer.apply(grads, network.trainable_variables)
        return norm

    def _update_ema(self):
        if self.ema_generator is None:
            return
        # Warm-up: a short average early on, so the EMA generator is useful within the first epoch.
        t = tf.cast(self.step.value, tf.float32)
        decay = tf.minimum(self.ema, (1.0 + t) / (10.0 + t))
        for avg, w in zip(self.ema_generator.weights, self.generator.weights):
            avg.assign(decay * avg + (1.0 - decay) * w)

    def _log(self, **values):
        for name, tracker in self.trackers.items():
            tracker.update_state(values[name])
        results = {name: t.result() for name, t in self.trackers.items()}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras averages step outputs across workers along axis 0, which scalars lack (Keras 3.15).
            results = {name: tf.reshape(v, [1]) for name, v in results.items()}
        return results


def build_gan(config: GANConfig, adam=Adam) -> GAN:
    """A compiled, built GAN from a config (fresh weights, seeded by ``config.seed``).

    Args:
        config: a ``GANConfig``.
        adam: the optimiser class of both networks: ``training.Adam``, or ``keras.optimizers.Adam`` for Keras's
            own (unfused) update of the same arithmetic.

    Returns:
        GAN: compiled and built, seeded by ``config.seed``.
    """
    keras.utils.set_random_seed(config.seed)
    generator, discriminator = build_models(config)
    gan = GAN(generator, discriminator, config.latent_dim, ema=config.ema, seed=config.seed,
              code_weight=config.code_weight, loss=config.loss, gp_weight=config.gp_weight, r1_weight=config.r1_weight)
    gan.compile(
        g_optimizer=adam(config.g_lr, beta_1=config.beta_1),
        d_optimizer=adam(config.d_lr, beta_1=config.beta_1),
        label_smoothing=config.label_smoothing,
        jit_compile=config.jit_compile,
    )
    gan.build()
    return gan


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
    return (np.arange(n) % classes).astype("int32")


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
    conditioning = conditioning_of(generator)
    if conditioning.kind == NONE:
        if labels is not None:
            raise ValueError("this generator is unconditional: it cannot draw a chosen digit. Use a conditional "
                             "checkpoint (e.g. pretrained-conditional) or leave the labels out.")
        return noise
    size, what = conditioning.size, "digits" if conditioning.kind == LABELS else "codes"
    labels = balanced_labels(len(noise), size) if labels is None else np.asarray(labels)
    if labels.ndim == 1:
        if labels.size and (labels.min() < 0 or labels.max() >= size):
            raise ValueError(f"labels must be {what} 0 to {size - 1}, got {labels.min()} to {labels.max()}.")
        labels = np.eye(size, dtype="float32")[labels.astype("int64")]
    if labels.shape != (len(noise), size):
        raise ValueError(f"labels have shape {labels.shape}; expected ({len(noise)},) or ({len(noise)}, {size}).")
    return [noise, labels.astype("float32")]


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


# ------------------------------------------------------------------------------------------- callbacks


class RunClock:
    """Seconds of training in a run folder, over every session that trained it."""

    def __init__(self, seconds_before: float = 0.0):
        self.seconds_before = float(seconds_before)
        self.started = time.monotonic()

    def elapsed(self) -> float:
        """Seconds so far: the earlier sessions' plus this one's."""
        return self.seconds_before + time.monotonic() - self.started


class ReseedDropout(keras.callbacks.Callback):
    """Ties the discriminator's dropout masks to the epoch, so a resumed epoch draws the masks an
    uninterrupted one would have drawn.

    Dropout's random state is not in the weights file: Keras keeps it in each layer's ``seed_generator``,
    an internal this callback sets.
    """

    def on_epoch_begin(self, epoch, logs=None):
        gan = self.model
        for i, layer in enumerate(gan.discriminator.layers):
            seed_generator = getattr(layer, "seed_generator", None)
            if seed_generator is not None:
                seed_generator.state.assign(np.array([gan.noise_seed + i, epoch], dtype=seed_generator.state.dtype))


class KeepBestGenerator(keras.callbacks.Callback):
    """When an epoch's logs hold an ``fid`` lower than every earlier epoch's, saves the sampler as the run's
    best generator and records the epoch in ``state["best"]``: a long run that gets worse late (a GAN can)
    keeps its best generator. Runs before ``RunCheckpoint``, which writes the state."""

    def __init__(self, out_dir: Path, state: dict):
        super().__init__()
        self.out_dir, self.state = Path(out_dir), state

    def on_epoch_end(self, epoch, logs=None):
        fid = (logs or {}).get("fid")
        best = self.state.get("best")
        if fid is not None and math.isfinite(fid) and (best is None or fid < best["fid"]):
            runs.save_generator(self.out_dir, self.model.sampler, best=True)
            self.state["best"] = {"epoch": epoch + 1, "fid": float(fid)}


class RunCheckpoint(keras.callbacks.Callback):
    """After each epoch: adds the epoch's logs to the history, saves the sampler and a checkpoint of the
    whole GAN, then switches ``state.json`` to them. A crash at any moment leaves the previous checkpoint
    complete and current.

    Keras's own callbacks do parts of this job, apart: ``BackupAndRestore`` restores the weights but not the
    run's record (history, seconds, best epoch); ``ModelCheckpoint`` saves one model, not the GAN with its step
    counter and the state that points at it; ``CSVLogger`` writes a history that a crash can leave one row
    ahead of the checkpoint. Here the checkpoint and the record switch together, atomically (``runs.py``), which
    is what makes a resumed run bit-exact.
    """

    def __init__(self, out_dir: Path, state: dict, clock: RunClock):
        super().__init__()
        self.out_dir, self.state, self.clock = Path(out_dir), state, clock
        self.epoch_started = time.monotonic()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch + 1, "seconds": round(time.monotonic() - self.epoch_started, 3)}
        row.update({k: float(v) for k, v in (logs or {}).items()})
        self.state["history"].append(row)
        runs.save_generator(self.out_dir, self.model.sampler)
        self.state["seconds"] = round(self.clock.elapsed(), 3)
        runs.save_checkpoint(self.out_dir, self.model, epoch + 1, self.state)


class QuietFirstStep(keras.callbacks.Callback):
    """Hides TensorFlow's known-harmless messages while the first training step compiles (``quiet.py``)."""

    def __init__(self, muffler: NativeStderrFilter):
        super().__init__()
        self.muffler = muffler

    def on_train_begin(self, logs=None):
        self.muffler.start()

    def on_train_batch_end(self, batch, logs=None):
        self.muffler.stop()


class TimeBudget(keras.callbacks.Callback):
    """Stops training once the run (all its sessions together) has used ``minutes`` of wall-clock time."""

    def __init__(self, minutes: float, clock: RunClock):
        super().__init__()
        self.limit = minutes * 60.0
        self.clock = clock
        self.hit = False

    def on_train_batch_end(self, batch, logs=None):
        if self.clock.elapsed() >= self.limit:
            self.hit = True
            self.model.stop_training = True


class LearningRateDecay(keras.callbacks.Callback):
    """Keeps both learning rates at the config's values, then lowers them linearly to 0 over the last
    ``config.lr_decay`` of the budget.

    Progress through the budget is the larger of steps / (epochs × steps per epoch) and, with a time budget,
    elapsed / minutes, so a run stopped by the clock still ends with its rates near 0. Why decay: at the end
    of a fixed budget, smaller steps settle the generator instead of leaving it mid-jump.
    """

    def __init__(self, config: GANConfig, steps_per_epoch: int, clock: RunClock):
        super().__init__()
        self.config = config
        self.steps_per_epoch = steps_per_epoch
        self.clock = clock
        self.epoch = 0

    def factor(self, step: int) -> float:
        """The multiplier in [0, 1] for the learning rates at global ``step``."""
        progress = step / (self.config.epochs * self.steps_per_epoch)
        if self.config.minutes:
            progress = max(progress, self.clock.elapsed() / (self.config.minutes * 60.0))
        start = 1.0 - self.config.lr_decay
        return 1.0 if progress <= start else max(0.0, (1.0 - progress) / self.config.lr_decay)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        f = self.factor(self.epoch * self.steps_per_epoch + batch)
        self.model.g_optimizer.learning_rate = self.config.g_lr * f
        self.model.d_optimizer.learning_rate = self.config.d_lr * f


class StopOnNaN(keras.callbacks.Callback):
    """Raises ``TrainingDiverged`` with advice as soon as a loss stops being finite.

    Keras's ``TerminateOnNaN`` watches only a log called ``loss`` (a GAN has two) and stops without saying
    what to change; this one names the losses and the remedies.
    """

    def __init__(self, out_dir: Path):
        super().__init__()
        self.out_dir = out_dir
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        bad = {k: float(v) for k, v in (logs or {}).items() if k.endswith("loss") and not math.isfinite(float(v))}
        if bad:
            self.model.stop_training = True
            raise TrainingDiverged(
                f"Training diverged at epoch {self.epoch + 1}, batch {batch + 1}: {bad}. The last good checkpoint "
                f"in {self.out_dir} is kept. Try lower learning rates (g_lr=d_lr=1e-4), beta_1=0.5, "
                "label_smoothing=0.1, or a smaller batch size, then train again in a new folder.")


class StepLog(keras.callbacks.Callback):
    """Each training step's own values (losses, the discriminator's scores, both gradient norms) in ``rows``, a
    list of dicts with the run's global ``step``: the epoch's history only keeps their means.

    Keras hands a callback the running means over the epoch so far; a step's value is recovered from two
    consecutive means, (b + 1)·mean_b − b·mean_(b−1), exactly but for float32 rounding.

    Args:
        keys: which of the step's logs to keep.
        every: keep every ``every``-th step.
    """

    KEYS = ("d_loss", "g_loss", "real_score", "fake_score", "d_grad_norm", "g_grad_norm")

    def __init__(self, keys=KEYS, every: int = 1):
        super().__init__()
        self.keys, self.every = tuple(keys), int(every)
        self.rows: list[dict] = []
        self._means: dict = {}

    def on_train_begin(self, logs=None):
        if self.model.steps_per_execution > 1:
            raise ValueError(f"StepLog needs every step's logs, but Keras runs {self.model.steps_per_execution} "
                             "steps per call: train with GANConfig(steps_per_execution=1).")

    def on_epoch_begin(self, epoch, logs=None):
        self._means = {}

    def on_train_batch_end(self, batch, logs=None):
        means = {k: float(logs[k]) for k in self.keys if k in (logs or {})}
        values = {k: (batch + 1) * m - batch * self._means.get(k, 0.0) for k, m in means.items()}
        self._means = means
        step = int(self.model.step.numpy())
        if step % self.every == 0:
            self.rows.append({"step": step, **values})


class SampleGrid(keras.callbacks.Callback):
    """Draws the fixed noise through the sampler and saves the grid as a GIF frame: epoch 0 before the first
    epoch (the untrained generator's noise), then one after each epoch.

    A conditional GAN's grid has one column per digit: column k always asks for digit k (and with a latent
    code, column k always uses code k).
    """

    def __init__(self, out_dir: Path, noise: np.ndarray, first_epoch: int = 0):
        super().__init__()
        self.out_dir = Path(out_dir)
        self.noise = noise
        self.first_epoch = first_epoch

    def on_train_begin(self, logs=None):
        if self.first_epoch == 0:
            self._save(0)

    def on_epoch_end(self, epoch, logs=None):
        self._save(epoch + 1)

    def _save(self, epoch: int) -> None:
        from .viz import image_grid

        sampler = self.model.sampler
        images = to_uint8(sampler(generator_inputs(sampler, self.noise), training=False))
        runs.save_frame(self.out_dir, epoch, image_grid(images, ncols=conditioning_of(sampler).size or None))


# -------------------------------------------------------------------------------------------- training


@dataclass
class TrainResult:
    """What ``train`` returns: the GAN, its per-epoch history (list of dicts), why it stopped, and the best
    scored epoch (``{"epoch", "fid"}``, or None without a per-epoch FID)."""

    gan: GAN
    out_dir: Path
    history: list = field(default_factory=list)
    stopped: str = "epochs"
    seconds: float = 0.0
    best: dict | None = None

    @property
    def generator(self) -> keras.Model:
        """The generator to draw samples from (the moving-average one when ``ema`` > 0)."""
        return self.gan.sampler


def make_strategy(name: str | None):
    """A ``tf.distribute`` strategy by name: None/"default" (one device), "mirrored" (all GPUs of this machine,
    or its CPU), "multiworker" (several machines, each told its role by the ``TF_CONFIG`` variable)."""
    if name in (None, "default"):
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        if "TF_CONFIG" not in os.environ:
            raise ValueError("multiworker needs TF_CONFIG: a JSON cluster spec and this process's task; see README.")
        return tf.distribute.MultiWorkerMirroredStrategy()
    raise ValueError(f"unknown strategy {name!r}: use default, mirrored or multiworker")


def _is_chief(strategy) -> bool:
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (resolver.task_type == "worker" and resolver.task_id == 0 and
                                             "chief" not in resolver.cluster_spec().as_dict())


def train(config: GANConfig, out_dir, x=None, callbacks=(), verbose=1, strategy=None, y=None,
          keep_best: bool = False, tensorboard=None) -> TrainResult:
    """Train a GAN in ``out_dir``, resuming from its last checkpoint if the folder holds an unfinished run.

    ``x``: training images float32 (N, 28, 28, 1) in [-1, 1]; default: ``config.n_train`` MNIST digits.
    ``y``: their int labels (N,), needed for a conditional GAN (``config.labelled``; taken from MNIST with the
    default x).
    Stops after ``config.epochs`` epochs or ``config.minutes`` minutes, whichever comes first; a finished run
    trained again with more epochs or minutes carries on. Extra Keras ``callbacks`` run before the checkpoint,
    so what they add to an epoch's logs (e.g. ``fid``) is saved in the history. Raises ``TrainingDiverged``
    on a NaN loss.

    ``strategy``: a ``tf.distribute`` strategy (see ``make_strategy``); ``config.batch_size`` is then the global
    batch, split across the replicas. In a multi-worker run only the chief writes to ``out_dir``; the other
    workers keep their (identical) copies in ``out_dir/.worker-N``.

    ``keep_best``: when training ends, make the best epoch's generator (lowest ``fid`` in the logs, so give a
    ``metrics.FIDCallback``) the run's ``generator.weights.h5`` and ``result.generator``, instead of the last
    epoch's; ``state.json``'s ``generator_epoch`` says which epoch it is. Training itself goes on from the
    last epoch, so training the run again resumes where it stopped.

    Args:
        config: the run's ``GANConfig``.
        out_dir: the run folder.
        x: training images float32 (N, 28, 28, 1) in [-1, 1], or None for MNIST.
        callbacks: extra Keras callbacks.
        verbose: Keras's progress output (0, 1 or 2); 0 also silences the resume line.
        strategy: a ``tf.distribute`` strategy, or None for one device.
        y: int labels (N,) for a conditional GAN.
        keep_best: make the lowest-FID epoch's generator the run's.
        tensorboard: a folder for TensorBoard's logs (losses, scores, FID when scored, the sample grid), or
            None. Open it with ``tensorboard --logdir DIR`` (in a notebook: ``%load_ext tensorboard``, then
            ``%tensorboard --logdir DIR``).

    Returns:
        TrainResult: the GAN, its history, why it stopped, the seconds spent and the best scored epoch.
    """
    strategy = strategy or tf.distribute.get_strategy()
    out_dir = Path(out_dir)
    if not _is_chief(strategy):
        out_dir = out_dir / f".worker-{strategy.cluster_resolver.task_id}"
    if tensorboard is not None:
        callbacks = [*callbacks, *tensorboard_callbacks(tensorboard, out_dir)]
    with runs.RunLock(out_dir):
        return _train_locked(config, out_dir, x, y, callbacks, verbose, strategy, keep_best)


def tensorboard_callbacks(log_dir, out_dir) -> list:
    """Keras's TensorBoard callback (every number in the epoch's logs, under ``train/``) and one that adds the
    epoch's sample grid as an image (``samples/``). Put them after callbacks that add to the logs (the FID)."""
    return [keras.callbacks.TensorBoard(log_dir=str(log_dir), write_graph=False, profile_batch=0),
            SampleGridSummary(log_dir, out_dir)]


class SampleGridSummary(keras.callbacks.Callback):
    """Logs the frame ``SampleGrid`` saved for each epoch to TensorBoard, as the image ``sample grid``."""

    def __init__(self, log_dir, out_dir):
        super().__init__()
        self.writer = tf.summary.create_file_writer(str(Path(log_dir) / "samples"))
        self.out_dir = Path(out_dir)

    def on_epoch_end(self, epoch, logs=None):
        frame = runs.last_frame(self.out_dir)
        with self.writer.as_default():
            tf.summary.image("sample grid", frame[None, :, :, None], step=epoch + 1)
        self.writer.flush()

    def on_train_end(self, logs=None):
        self.writer.close()


def _train_locked(config, out_dir, x, y, callbacks, verbose, strategy, keep_best) -> TrainResult:
    state = _resume_or_start(config, out_dir)
    with strategy.scope():
        gan = build_gan(config)
        if state["checkpoint"]:
            state = runs.load_checkpoint(out_dir, gan, state)
    clock = RunClock(state["seconds"])
    result = TrainResult(gan, out_dir, state["history"])
    done = state["epoch"] >= config.epochs or (config.minutes and clock.elapsed() >= config.minutes * 60)
    if verbose and state["epoch"]:
        saved = time.strftime("%H:%M", time.localtime(runs.saved_at(out_dir)))
        print(f"{out_dir} is already trained ({state['epoch']} epochs, {state['seconds'] / 60:.1f} minutes, saved "
              f"{saved}): returning it" if done else
              f"resuming {out_dir} from epoch {state['epoch']} of {config.epochs}, saved {saved}", flush=True)
    if done:
        result.stopped = "already done"
    else:
        x, y = _training_data(config, x, y)
        steps = len(x) // config.batch_size
        # Keras's loop of several steps per call fails under tf.distribute (Keras 3.15): one step per call there.
        distributed = isinstance(strategy, (tf.distribute.MirroredStrategy, tf.distribute.MultiWorkerMirroredStrategy))
        gan.steps_per_execution = execution_steps(1 if distributed else config.steps_per_execution, steps)
        budget = TimeBudget(config.minutes, clock) if config.minutes else None
        dataset = _dataset(config, x, y, state["epoch"], strategy)
        muffler = NativeStderrFilter()  # compiling the first step prints a harmless grappler error
        try:
            gan.fit(dataset, epochs=config.epochs, initial_epoch=state["epoch"], steps_per_epoch=steps,
                    verbose=verbose, shuffle=False,
                    callbacks=[QuietFirstStep(muffler), *_callbacks(config, out_dir, state, clock, steps, budget,
                                                                    callbacks)])
        finally:
            muffler.stop()
        result.stopped = "time budget" if budget is not None and budget.hit else "epochs"
    result.seconds, result.best = clock.elapsed(), state.get("best")
    if keep_best:
        _use_best_generator(gan, out_dir, state)
    return result


def execution_steps(wanted: int, steps_per_epoch: int) -> int:
    """How many steps Keras runs per call in ``train``: the largest divisor of ``steps_per_epoch`` that is at
    most ``wanted``, so that every epoch ends on the last step of a call (Keras would otherwise run whole calls
    past the epoch's end, and a resumed run would not repeat an uninterrupted one).

    Args:
        wanted: the most steps per call (``GANConfig.steps_per_execution``).
        steps_per_epoch: the steps of one epoch.

    Returns:
        int: from 1 to ``wanted``; 25 for MNIST's 1,875 steps of 32 images.
    """
    top = max(1, min(int(wanted), int(steps_per_epoch)))
    return next(d for d in range(top, 0, -1) if steps_per_epoch % d == 0)


def _resume_or_start(config: GANConfig, out_dir: Path) -> dict:
    """The run's state: read back for a run folder trained with the same settings (the budget may grow),
    fresh for a new folder. Writes the config."""
    out_dir.mkdir(parents=True, exist_ok=True)
    state = runs.read_state(out_dir)
    if state is not None:
        saved = runs.load_config(out_dir)
        # The budget may change, and so may how many steps Keras runs per call: the steps stay the same.
        free = {"epochs", "minutes", "steps_per_execution"}
        diff = [f for f in config.__dataclass_fields__ if f not in free and getattr(saved, f) != getattr(config, f)]
        if diff:
            raise ValueError(f"{out_dir} holds a run with other settings ({', '.join(diff)}). "
                             "Train in a new folder, or delete this one to start over.")
    runs.write_config(out_dir, config)
    return state if state is not None else runs.new_state()


def _training_data(config: GANConfig, x, y):
    """Check (or load) the training images float32 (N, 28, 28, 1) in [-1, 1] and, for a conditional GAN,
    their int labels (N,); returns ``(x, y)``, y None for an unconditional GAN."""
    if x is None:
        x, y = training_set(config.n_train, seed=config.seed)
    elif config.n_train is not None:
        x = x[: config.n_train]
        y = None if y is None else y[: config.n_train]
    classes = config.conditioning.size
    if not config.labelled:
        y = None
    elif y is None:
        raise ValueError("a conditional GAN needs the labels of the training images: train(config, out, x, y=labels).")
    else:
        y = np.asarray(y)
        if y.shape != (len(x),) or y.min() < 0 or y.max() >= classes:
            raise ValueError(f"labels must be ints 0 to {classes - 1}, one per image: got shape {y.shape}, "
                             f"range {y.min()} to {y.max()} for {len(x)} images.")
    x = np.asarray(x)
    if x.ndim != 4 or x.shape[1:] != (28, 28, 1):
        raise ValueError(f"training images must have shape (N, 28, 28, 1), got {x.shape}: use "
                         "ganlib.data.to_model_range on uint8 images (N, 28, 28).")
    if not np.isfinite(x).all():
        raise ValueError(f"the training images contain {int((~np.isfinite(x)).sum())} NaN or infinite values: "
                         "clean or reload the data (ganlib.data.load_images reports such files).")
    if len(x) < config.batch_size:
        raise ValueError(f"{len(x)} training images are fewer than one batch of {config.batch_size}: use more "
                         "images or a smaller batch_size.")
    return x, y


def _dataset(config: GANConfig, x, y, first_epoch: int, strategy):
    dataset = make_dataset(x, config.batch_size, seed=config.seed, first_epoch=first_epoch, epochs=config.epochs, y=y)
    if strategy.num_replicas_in_sync > 1:
        # Every worker builds the same batches from the same seed; each replica takes its slice of each one.
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        dataset = dataset.with_options(options)
    return dataset


def _callbacks(config: GANConfig, out_dir: Path, state: dict, clock: RunClock, steps: int, budget, extra) -> list:
    # Order matters: the user's callbacks add to the epoch's logs (e.g. fid) before the best epoch is picked
    # and the checkpoint records them.
    return [StopOnNaN(out_dir), ReseedDropout(), *([budget] if budget else []),
            *([LearningRateDecay(config, steps, clock)] if config.lr_decay else []),
            SampleGrid(out_dir, sample_grid_noise(config), state["epoch"]), *extra,
            KeepBestGenerator(out_dir, state), RunCheckpoint(out_dir, state, clock)]


def _use_best_generator(gan: GAN, out_dir: Path, state: dict) -> None:
    best = state.get("best")
    if best is None:
        raise ValueError(f"keep_best: no epoch of {out_dir} was scored, so there is no best generator. Train with a "
                         "per-epoch FID (`train --fid`, or callbacks=[ganlib.metrics.FIDCallback()]).")
    runs.load_best_generator(out_dir, gan.sampler)
    runs.save_generator(out_dir, gan.sampler)
    state["generator_epoch"] = best["epoch"]
    runs.write_state(out_dir, state)
