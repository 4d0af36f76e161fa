"""Training: the GAN as a ``keras.Model`` with its own ``train_step``, run by ``fit`` with callbacks.

A run trains in a folder (``runs.py`` owns its files): after each epoch a checkpoint of both networks and
both optimisers, the generator to sample from, a frame for the training animation, and the history.
Interrupted, it resumes from the last finished epoch with the batches, noise and dropout masks an
uninterrupted run would have used.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import keras
import tensorflow as tf

from . import runs
from .callbacks import (
    KeepBestGenerator,
    LearningRateDecay,
    QuietFirstStep,
    ReseedDropout,
    RunCheckpoint,
    RunClock,
    SampleGrid,
    SampleGridSummary,
    StepLog,
    StopOnNaN,
    TimeBudget,
    TrainingDiverged,
    tensorboard_callbacks,
)
from .config import GANConfig
from .data import make_dataset, training_data
from .gan import GAN, adopt, build_gan, class_name
from .optim import Adam
from .runtime import NativeStderrFilter
from .sampling import (
    SAMPLE_GRID_SEED,
    SAMPLE_GRID_SIZE,
    balanced_labels,
    fixed_noise,
    generate,
    generator_inputs,
    sample_grid_noise,
    sampler_of,
)

# ``train`` and its orchestration live here; the names below are also importable from here, where the chapters
# and older code import them, though their modules own them: gan.py, sampling.py, callbacks.py, optim.py.
__all__ = ["train", "TrainResult", "make_strategy", "execution_steps", "GAN", "build_gan", "Adam", "generate",
           "generator_inputs", "fixed_noise", "sample_grid_noise", "balanced_labels", "SAMPLE_GRID_SEED",
           "SAMPLE_GRID_SIZE", "StepLog", "TrainingDiverged", "SampleGridSummary", "RunClock", "TimeBudget",
           "LearningRateDecay", "tensorboard_callbacks"]


@dataclass
class TrainResult:
    """What ``train`` returns: the GAN (ganlib's, or the model you gave), its per-epoch history (list of dicts),
    why it stopped, and the best scored epoch (``{"epoch", "fid"}``, or None without a per-epoch FID)."""

    gan: keras.Model
    out_dir: Path
    history: list = field(default_factory=list)
    stopped: str = "epochs"
    seconds: float = 0.0
    best: dict | None = None

    @property
    def generator(self) -> keras.Model:
        """The generator to draw samples from (the GAN's ``sampler``, e.g. a moving average, else its generator)."""
        return sampler_of(self.gan)


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
          keep_best: bool = False, tensorboard=None, gan: keras.Model | None = None) -> TrainResult:
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
    last epoch, so training the run again resumes where it stopped. It needs ``config.validation`` held-out
    training images: a ``FIDCallback`` then scores against them, so the choice never sees the test digits
    that the run's reports score.

    Args:
        config: the run's ``GANConfig``.
        out_dir: the run folder.
        x: training images float32 (N, 28, 28, 1) in [-1, 1], or None for MNIST.
        callbacks: extra Keras callbacks.
        verbose: Keras's progress output (0, 1 or 2); 0 also silences the resume line.
        strategy: a ``tf.distribute`` strategy, or None for one device.
        y: int labels (N,) for a conditional GAN.
        keep_best: make the lowest-FID epoch's generator the run's.
        gan: your own GAN model to train, compiled (see ``docs/api.md``, "Your own GAN"), or None for ganlib's
            ``GAN`` built from ``config``. The run records its class and refuses to resume with another one.
        tensorboard: a folder for TensorBoard's logs (losses, scores, FID when scored, the sample grid), or
            None. Open it with ``tensorboard --logdir DIR`` (in a notebook: ``%load_ext tensorboard``, then
            ``%tensorboard --logdir DIR``).

    Returns:
        TrainResult: the GAN, its history, why it stopped, the seconds spent and the best scored epoch.
    """
    if keep_best and not config.validation:
        raise ValueError("keep_best chooses an epoch by its FID on held-out training digits, never on the test "
                         "digits a report scores: set GANConfig.validation (e.g. 10000).")
    strategy = strategy or tf.distribute.get_strategy()
    out_dir = Path(out_dir)
    if not _is_chief(strategy):
        out_dir = out_dir / f".worker-{strategy.cluster_resolver.task_id}"
    if tensorboard is not None:
        callbacks = [*callbacks, *tensorboard_callbacks(tensorboard, out_dir)]
    with runs.RunLock(out_dir):
        return _train_locked(config, out_dir, x, y, callbacks, verbose, strategy, keep_best, gan)


def _train_locked(config, out_dir, x, y, callbacks, verbose, strategy, keep_best, model) -> TrainResult:
    if model is not None and strategy.num_replicas_in_sync > 1:
        raise ValueError("train(gan=...) trains your model on one device: build it inside strategy.scope() and "
                         "call fit yourself, or leave gan out to train ganlib's GAN with the strategy.")
    state = _resume_or_start(config, out_dir, class_name(model) if model is not None else GAN_CLASS)
    with strategy.scope():
        gan = build_gan(config) if model is None else adopt(model, config)
        if state.checkpoint:
            state = runs.load_checkpoint(out_dir, gan, state)
            # A crash between state.json's switch and the generator files leaves them an epoch behind: mend.
            runs.mend_generators(out_dir, sampler_of(gan), state)
    clock = RunClock(state.seconds)
    result = TrainResult(gan, out_dir, state.history)
    done = state.epoch >= config.epochs or (config.minutes and clock.elapsed() >= config.minutes * 60)
    if verbose and state.epoch:
        saved = time.strftime("%H:%M", time.localtime(runs.saved_at(out_dir)))
        print(f"{out_dir} is already trained ({state.epoch} epochs, {state.seconds / 60:.1f} minutes, saved "
              f"{saved}): returning it" if done else
              f"resuming {out_dir} from epoch {state.epoch} of {config.epochs}, saved {saved}", flush=True)
    if done:
        result.stopped = "already done"
    else:
        x, y, held_out = training_data(config, x, y)
        for callback in callbacks:
            if held_out is not None and hasattr(callback, "use_reference"):
                callback.use_reference(held_out)  # a FIDCallback scores against the held-out digits
        state.start_session()
        steps = len(x) // config.batch_size
        # Keras's loop of several steps per call fails under tf.distribute (Keras 3.15): one step per call there.
        distributed = isinstance(strategy, (tf.distribute.MirroredStrategy, tf.distribute.MultiWorkerMirroredStrategy))
        gan.steps_per_execution = execution_steps(1 if distributed else config.steps_per_execution, steps)
        budget = TimeBudget(config.minutes, clock) if config.minutes else None
        dataset = _dataset(config, x, y, state.epoch, strategy)
        muffler = NativeStderrFilter()  # compiling the first step prints a harmless grappler error
        try:
            gan.fit(dataset, epochs=config.epochs, initial_epoch=state.epoch, steps_per_epoch=steps,
                    verbose=verbose, shuffle=False,
                    callbacks=[QuietFirstStep(muffler), *_callbacks(config, out_dir, state, clock, steps, budget,
                                                                    callbacks)])
        finally:
            muffler.stop()
        result.stopped = "time budget" if budget is not None and budget.hit else "epochs"
    result.seconds, result.best = clock.elapsed(), state.best
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


# What a run folder trained before runs recorded their model class was trained with.
GAN_CLASS = class_name(GAN)


def _resume_or_start(config: GANConfig, out_dir: Path, model_class: str) -> runs.RunState:
    """The run's state: read back for a run folder trained with the same settings and model class (the budget
    may grow), fresh for a new folder. Writes the config."""
    out_dir.mkdir(parents=True, exist_ok=True)
    state = runs.RunState.load(out_dir)
    if state is not None:
        saved = runs.load_config(out_dir)
        # The budget may change, and so may how many steps Keras runs per call: the steps stay the same.
        free = {"epochs", "minutes", "steps_per_execution"}
        diff = [f for f in config.__dataclass_fields__ if f not in free and getattr(saved, f) != getattr(config, f)]
        if diff:
            raise ValueError(f"{out_dir} holds a run with other settings ({', '.join(diff)}). "
                             "Train in a new folder, or delete this one to start over.")
        trained = state.model or GAN_CLASS
        if trained != model_class:
            raise ValueError(f"{out_dir} holds a run of {trained}, not {model_class}: train {model_class} in a new "
                             "folder, or delete this one to start over.")
    runs.write_config(out_dir, config)
    return state if state is not None else runs.RunState(model=model_class)


def _dataset(config: GANConfig, x, y, first_epoch: int, strategy):
    dataset = make_dataset(x, config.batch_size, seed=config.seed, first_epoch=first_epoch, epochs=config.epochs, y=y)
    if strategy.num_replicas_in_sync > 1:
        # Every worker builds the same batches from the same seed; each replica takes its slice of each one.
        options = tf.data.Options()
        options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
        dataset = dataset.with_options(options)
    return dataset


def _callbacks(config: GANConfig, out_dir: Path, state: runs.RunState, clock: RunClock, steps: int, budget,
               extra) -> list:
    # Order matters: the user's callbacks add to the epoch's logs (e.g. fid) before the best epoch is picked
    # and the checkpoint records them.
    return [StopOnNaN(out_dir), ReseedDropout(config.seed), *([budget] if budget else []),
            *([LearningRateDecay(config, steps, clock)] if config.lr_decay else []),
            SampleGrid(out_dir, sample_grid_noise(config), state.epoch), *extra,
            KeepBestGenerator(state), RunCheckpoint(out_dir, state, clock)]


def _use_best_generator(gan: keras.Model, out_dir: Path, state: runs.RunState) -> None:
    best = state.best
    if best is None:
        raise ValueError(f"keep_best: no epoch of {out_dir} was scored, so there is no best generator. Train with a "
                         "per-epoch FID (`train --fid`, or callbacks=[ganlib.metrics.FIDCallback()]).")
    # The state first: once it names the best epoch, generator.weights.h5 is that epoch's, whenever it is written.
    state.generator_epoch = best["epoch"]
    state.save(out_dir)
    runs.load_best_generator(out_dir, sampler_of(gan))
    runs.save_generator(out_dir, sampler_of(gan))
