"""The callbacks a training run is made of: checkpoints and the run's record, sample frames, the clock, the
learning-rate schedule, NaN detection, per-step logs and TensorBoard's sample grid."""

from __future__ import annotations

import math
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from . import runs
from .config import GANConfig
from .data import to_uint8
from .models import conditioning_of
from .runtime import NativeStderrFilter
from .sampling import generator_inputs, sampler_of


class TrainingDiverged(FloatingPointError):
    """A loss became NaN or infinite."""


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

    Args:
        seed: the run's seed (``GANConfig.seed``).
    """

    def __init__(self, seed: int = 0):
        super().__init__()
        self.seed = int(seed)

    def on_epoch_begin(self, epoch, logs=None):
        for i, layer in enumerate(self.model.discriminator.layers):
            seed_generator = getattr(layer, "seed_generator", None)
            if seed_generator is not None:
                seed_generator.state.assign(np.array([self.seed + i, epoch], dtype=seed_generator.state.dtype))


class KeepBestGenerator(keras.callbacks.Callback):
    """When an epoch's logs hold an ``fid`` lower than every earlier epoch's, records the epoch in
    ``state.best``, so that the epoch's commit (``RunCheckpoint``) also saves its sampler as the run's best
    generator: a long run that gets worse late (a GAN can)
    keeps its best generator. Runs before ``RunCheckpoint``, which writes the state."""

    def __init__(self, state: runs.RunState):
        super().__init__()
        self.state = state

    def on_epoch_end(self, epoch, logs=None):
        fid = (logs or {}).get("fid")
        best = self.state.best
        if fid is not None and math.isfinite(fid) and (best is None or fid < best["fid"]):
            self.state.best = {"epoch": epoch + 1, "fid": float(fid)}  # RunCheckpoint saves its generator


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

    def __init__(self, out_dir: Path, state: runs.RunState, clock: RunClock):
        super().__init__()
        self.out_dir, self.state, self.clock = Path(out_dir), state, clock
        self.epoch_started = time.monotonic()

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch_started = time.monotonic()

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch + 1, "seconds": round(time.monotonic() - self.epoch_started, 3)}
        row.update({k: float(v) for k, v in (logs or {}).items()})
        self.state.history.append(row)
        self.state.seconds = round(self.clock.elapsed(), 3)
        runs.commit_epoch(self.out_dir, self.model, sampler_of(self.model), epoch + 1, self.state)


class QuietFirstStep(keras.callbacks.Callback):
    """Hides TensorFlow's known-harmless messages while the first training step compiles (``runtime.py``)."""

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
    """The losses, the discriminator's scores and both gradient norms as training goes, finer than the epoch's
    means: ``rows``, a list of dicts with the run's global ``step`` and the fractional ``epoch`` it ends.

    With ``GANConfig(steps_per_execution=1)`` a row is one step's own values. Keras runs several steps per call
    otherwise, and hands a callback only the running mean over the epoch so far after each call; a row is then
    the mean over that call's steps (``steps`` of them), recovered exactly (but for float32 rounding) from two
    consecutive running means: (b + 1)·mean_b − (a + 1)·mean_a over the steps a + 1 … b.

    Args:
        keys: which of the step's logs to keep.
        every: keep the rows whose ``step`` is a multiple of ``every``.
    """

    KEYS = ("d_loss", "g_loss", "real_score", "fake_score", "d_grad_norm", "g_grad_norm")

    def __init__(self, keys=KEYS, every: int = 1):
        super().__init__()
        self.keys, self.every = tuple(keys), int(every)
        self.rows: list[dict] = []
        self._means: dict = {}
        self._last = -1

    def on_epoch_begin(self, epoch, logs=None):
        self._means, self._last = {}, -1
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        means = {k: float(logs[k]) for k in self.keys if k in (logs or {})}
        width = batch - self._last
        values = {k: ((batch + 1) * m - (self._last + 1) * self._means.get(k, 0.0)) / width for k, m in means.items()}
        self._means, self._last = means, batch
        # The run's global step, from the epoch and the step within it: any GAN model, no counter of its own needed.
        per_epoch = self.params["steps"]
        step = self.epoch * per_epoch + batch + 1
        if step % self.every == 0:
            self.rows.append({"step": step, "epoch": round(step / per_epoch, 4), "steps": width, **values})


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

        sampler = sampler_of(self.model)
        images = to_uint8(sampler(generator_inputs(sampler, self.noise), training=False))
        runs.save_frame(self.out_dir, epoch, image_grid(images, ncols=conditioning_of(sampler).size or None))


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
