"""The run folder: one training run's files, and the one module that reads or writes them.

A run folder holds::

    config.json                 the GANConfig
    state.json                  epochs done, seconds spent, loss history, the current checkpoint, the best epoch,
                                the GAN class that trains the run
    ckpt-EPOCH.weights.h5       both networks, both optimisers, the EMA generator and the step counter
    generator.weights.h5        the generator to sample from (the EMA one when enabled)
    best-generator.weights.h5   with a per-epoch FID: the generator of the best epoch so far
    frames/epoch-EPOCH.png      the fixed-noise sample grid before training (epoch 0) and after each epoch
    train_summary.json          what ``python -m ganlib train`` ran, and the figures ``evaluate --record`` adds
    generator.keras             ``python -m ganlib export``: the generator as a whole Keras model file
    tensorboard/                with ``train(..., tensorboard=run / "tensorboard")``: TensorBoard's logs

Every write is atomic (a new file, then a rename), so a crash at any moment leaves the previous version
whole. Loading reads weights only: no code from a run folder ever runs.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np

from .config import OLD_FIELDS, GANConfig, quick_mode
from .files import ASSETS, atomic_save_model, atomic_save_weights, atomic_write, project_root

# The networks (Keras) and the pictures (matplotlib) are imported where they are used: the run folder's lock
# and state need neither, so a process that only holds a lock or reads a state starts in a moment.

CONFIG = "config.json"
STATE = "state.json"
SUMMARY = "train_summary.json"
GENERATOR = "generator.weights.h5"
BEST_GENERATOR = "best-generator.weights.h5"
FRAMES = "frames"
LAB_RECORD = "lab_record.json"

# The generators shipped with ganlib, by the names the command line and the chapters use.
PRETRAINED = {"pretrained": ASSETS / "pretrained", "pretrained-conditional": ASSETS / "pretrained-conditional"}


def _course_path(normal: str, quick: str) -> Path:
    # Quick mode (the tests) writes beside the course's own folders, never over them.
    return project_root() / (quick if quick_mode() else normal)


def runs_dir() -> Path:
    """Where the notebooks keep their training runs: ``runs/``, or ``build/runs-quick/`` in quick mode;
    ``GANLIB_RUNS_DIR`` overrides both (``make course`` starts from an empty folder there).

    Returns:
        Path: the folder the chapters train in.
    """
    if os.environ.get("GANLIB_RUNS_DIR"):
        return Path(os.environ["GANLIB_RUNS_DIR"]).resolve()
    return _course_path("runs", "build/runs-quick")


def figures_dir() -> Path:
    """Where figures go: ``figures/`` for the real course; ``build/figures-quick/`` in quick mode, so tests
    never overwrite the committed figures. Made if missing.

    Returns:
        Path: the folder the chapters save figures to.
    """
    path = _course_path("figures", "build/figures-quick")
    path.mkdir(parents=True, exist_ok=True)
    return path


def run_folder(name) -> Path:
    """A run folder, or the name of a generator shipped with ganlib (``pretrained``, ``pretrained-conditional``).

    Args:
        name: a folder, or ``pretrained`` / ``pretrained-conditional``.

    Returns:
        Path: the run folder.
    """
    return PRETRAINED.get(str(name), Path(name))


# ------------------------------------------------------------------------------------------ JSON records


def _read_json(path: Path):
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as e:
        raise ValueError(f"{path} is not valid JSON ({e.msg} at line {e.lineno}): restore it from a copy, or "
                         "delete the run folder and train again.") from None


def write_json(path, data) -> Path:
    """Write ``data`` as indented JSON, atomically."""
    return atomic_write(path, (json.dumps(data, indent=1) + "\n").encode())


@dataclass
class RunState:
    """A run's progress, as ``state.json`` records it: the one owner of that file (``RunState.load``, ``save``).

    ``state.json`` is the run's commit record: a new checkpoint counts once ``state.json`` names it, and the files
    derived from the checkpoint (``generator.weights.h5``) are written after it (``commit_epoch``).

    Attributes:
        epoch: epochs done (the checkpoint's).
        seconds: wall-clock seconds spent training, all sessions together.
        history: one dict per epoch: ``epoch``, ``seconds`` and the epoch's logs (``d_loss``, ``g_loss``, ...).
        checkpoint: the current checkpoint's file name, None before the first epoch.
        model: the GAN class that trains the run (``module.Class``); None in runs older than the record.
        sessions: the epoch each training session started at (a resumed run has a start after 0).
        best: ``{"epoch", "fid"}`` of the best scored epoch, None when no epoch was scored.
        generator_epoch: the epoch whose generator ``generator.weights.h5`` holds when it is not the last one
            (``keep_best``); None when it is the last epoch's.
        previous: the previous checkpoint's ``epoch``, ``checkpoint``, ``seconds`` and ``best``, to go back to
            when the current one is damaged.
    """

    epoch: int = 0
    seconds: float = 0.0
    history: list = field(default_factory=list)
    checkpoint: str | None = None
    model: str | None = None
    sessions: list = field(default_factory=list)
    best: dict | None = None
    generator_epoch: int | None = None
    previous: dict | None = None

    @classmethod
    def load(cls, run) -> RunState | None:
        """The state of a run folder (or a shipped generator's name), or None for a run that has not trained."""
        path = run_folder(run) / STATE
        if not path.exists():
            return None
        data = _read_json(path)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"{path} has keys this ganlib does not know ({', '.join(unknown)}): it was written by "
                             "another version of ganlib; train in a new folder, or update ganlib.")
        return cls(**data)

    def save(self, run) -> None:
        """Replace the run's ``state.json`` atomically: the switch that makes a new checkpoint the current one."""
        write_json(Path(run) / STATE, asdict(self))

    def start_session(self) -> None:
        """Note that a training session starts at the current epoch (saved with the next checkpoint)."""
        self.sessions.append(self.epoch)

    def resumed_at(self) -> list[int]:
        """The epochs the run was resumed from: its sessions' starts after 0."""
        return [e for e in self.sessions if e > 0]

    def epochs(self) -> list[int]:
        """The epoch numbers of the history, in order."""
        return [row["epoch"] for row in self.history]


def saved_at(run) -> float:
    """When the run's state was last saved (seconds since the epoch), e.g. for "resuming …, saved 14:02"."""
    return (Path(run) / STATE).stat().st_mtime


def load_config(run) -> GANConfig:
    """The ``GANConfig`` a run folder was trained with.

    Args:
        run: a run folder.

    Returns:
        GANConfig: the settings it was trained with.
    """
    path = run_folder(run) / CONFIG
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: {run} is not a training run folder "
                                "(train one with `python -m ganlib train --out DIR`).")
    saved = _read_json(path)
    old = sorted(set(saved) & set(OLD_FIELDS)) or ([] if "conditioning" in saved else ["no 'conditioning'"])
    if old:
        raise ValueError(f"{path} was written by an older ganlib ({', '.join(old)}), which this one does not read: "
                         f"train again in a new folder, or continue {run} with the ganlib that started it.")
    return GANConfig.from_dict(saved)


def write_config(run, config: GANConfig) -> None:
    """Write the run's ``config.json``."""
    atomic_write(Path(run) / CONFIG, config.to_json().encode())


def read_summary(run) -> dict:
    """The run's ``train_summary.json`` (empty when there is none)."""
    path = run_folder(run) / SUMMARY
    return _read_json(path) if path.exists() else {}


def write_summary(run, summary: dict) -> None:
    """Write the run's ``train_summary.json``."""
    write_json(Path(run) / SUMMARY, summary)


# --------------------------------------------------------------------------------------------- weights


def read_lab_record(run) -> dict:
    """A failure-lab run's step log and class histograms (``failures.run_lab``), or {} before it has one."""
    path = Path(run) / LAB_RECORD
    return _read_json(path) if path.exists() else {}


def write_lab_record(run, record: dict) -> None:
    """Save a failure-lab run's ``{"steps": [...], "histograms": [...]}`` beside its checkpoints."""
    write_json(Path(run) / LAB_RECORD, record)


def checkpoint_name(epoch: int) -> str:
    """The file name of the checkpoint taken after ``epoch`` epochs."""
    return f"ckpt-{epoch:04d}.weights.h5"


def _readable(path: Path) -> bool:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            return len(f.keys()) > 0
    except OSError:
        return False


def commit_epoch(run, model, sampler, epoch: int, state: RunState) -> None:
    """Make ``epoch`` the run's current epoch, in the one order that a crash cannot break:

    1. the checkpoint of the whole GAN (``model``), checked to read back;
    2. ``state.json`` switched to it (with ``state``'s history and times): the commit;
    3. ``generator.weights.h5`` from ``sampler``, and ``best-generator.weights.h5`` too when ``state.best`` is
       this epoch: files derived from the checkpoint. A crash before them leaves them an epoch behind
       ``state.json``, never ahead, and ``mend_generators`` writes them again when the run is next opened.

    The previous epoch's checkpoint is kept (``state.previous`` says how to go back to it), so a checkpoint
    damaged later (a full disk, a copy cut short) loses one epoch at most.
    """
    run = Path(run)
    name = checkpoint_name(epoch)
    atomic_save_weights(model, run / name)
    if not _readable(run / name):
        raise OSError(f"{run / name} did not read back after saving: is the disk full? The previous checkpoint "
                      "is kept; free some space and train again to resume.")
    older = (state.previous or {}).get("checkpoint")
    if state.checkpoint and state.checkpoint != name:
        state.previous = {"epoch": state.epoch, "checkpoint": state.checkpoint, "seconds": state.seconds,
                          "best": state.best}
    state.epoch, state.checkpoint, state.generator_epoch = epoch, name, None
    state.save(run)
    mend_generators(run, sampler, state)
    if older and older not in (name, state.previous["checkpoint"]):
        (run / older).unlink(missing_ok=True)


def mend_generators(run, sampler, state: RunState) -> None:
    """Write the generator files that ``state`` says are the current checkpoint's, from ``sampler`` (the
    checkpoint's): ``generator.weights.h5`` unless it holds an earlier best epoch (``state.generator_epoch``),
    and ``best-generator.weights.h5`` when the checkpoint's epoch is the best one."""
    if state.generator_epoch is None:
        save_generator(run, sampler)
    if state.best is not None and state.best["epoch"] == state.epoch:
        save_generator(run, sampler, best=True)


def load_checkpoint(run, model, state: RunState) -> RunState:
    """Load the run's current checkpoint into ``model``; returns the state it belongs to.

    A checkpoint that fails to load is set aside as ``NAME.damaged`` (never deleted) and the run goes back
    to the previous epoch's checkpoint, saying so; the state returned (and saved) is then that epoch's.
    Raises ``ValueError`` when no checkpoint loads.
    """
    run = Path(run)
    try:
        model.load_weights(run / state.checkpoint)
        return state
    except (OSError, ValueError) as e:
        damaged = run / state.checkpoint
        reason = str(e).splitlines()[0][:120]
    previous = state.previous
    if damaged.exists():
        damaged.replace(damaged.with_name(damaged.name + ".damaged"))
    if not previous or not (run / previous["checkpoint"]).exists():
        raise ValueError(f"{damaged} could not be loaded ({reason}) and no earlier checkpoint is left; it is kept "
                         f"as {damaged.name}.damaged. Delete the run folder {run} to start over.")
    print(f"{damaged.name} could not be loaded ({reason}); set aside as {damaged.name}.damaged. Going back to "
          f"epoch {previous['epoch']}.")
    lost_best = state.best is not None and state.best["epoch"] > previous["epoch"]
    state = replace(state, **previous, history=state.history[: previous["epoch"]], previous=None,
                    generator_epoch=None)
    if lost_best:
        # best-generator.weights.h5 is the set-aside epoch's: no file holds the earlier best epoch's generator.
        (run / BEST_GENERATOR).unlink(missing_ok=True)
        state.best = None
    model.load_weights(run / state.checkpoint)
    state.save(run)
    return state


class RunInUse(ValueError):
    """Another process is training in this run folder."""


class RunLock:
    """Held while a run trains, so that a second trainer on the same folder stops at once.

    An OS file lock (``flock``) on ``.lock`` in the run folder: the system releases it when the process
    ends or dies, so a killed run never leaves a stale lock. A second ``RunLock`` on the same folder, from
    another process or another thread of this one (the training panel beside a training cell), raises
    ``RunInUse`` naming the process that trains there.
    """

    def __init__(self, run):
        self.path = Path(run) / ".lock"
        self.file = None

    def __enter__(self):
        import fcntl
        import time

        self.path.parent.mkdir(parents=True, exist_ok=True)
        file = open(self.path, "a+")
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "another process"
            file.close()
            raise RunInUse(f"{self.path.parent} is already being trained by {holder}: wait for that training to "
                           "finish (or stop it), or train in another folder.") from None
        file.seek(0)
        file.truncate()
        file.write(f"process {os.getpid()} (since {time.strftime('%H:%M:%S')})")
        file.flush()
        self.file = file
        return self

    def __exit__(self, *exc):
        import fcntl

        fcntl.flock(self.file, fcntl.LOCK_UN)
        self.file.close()
        return False


def save_generator(run, generator, best: bool = False) -> None:
    """Save the generator to sample from (``best``: as the best epoch's generator)."""
    atomic_save_weights(generator, Path(run) / (BEST_GENERATOR if best else GENERATOR))


def load_best_generator(run, generator) -> None:
    """Load the best epoch's weights into ``generator`` (a model built from the run's config)."""
    path = Path(run) / BEST_GENERATOR
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: the run has no scored epoch yet.")
    generator.load_weights(path)


def load_generator(run):
    """The trained generator of a run folder (its ``generator.weights.h5``), ready for ``training.generate``.

    Builds the network that ``config.json`` describes, then reads the weights: no code from the folder runs.

    Args:
        run: a run folder, or the name of a shipped generator.

    Returns:
        keras.Model: the generator, with its trained weights.
    """
    run = run_folder(run)
    config = load_config(run)
    weights = run / GENERATOR
    if not weights.exists():
        raise FileNotFoundError(f"{weights} not found: the run has not finished an epoch yet.")
    from .models import build_generator_for

    generator = build_generator_for(config)
    generator.load_weights(weights)
    return generator


def export_generator(run, path) -> Path:
    """Write a run's trained generator as a whole Keras model file (``.keras``): architecture and weights,
    loadable with ``keras.saving.load_model(path)`` (safe mode on) without ganlib. Its inputs are named
    ``noise`` and, for a generator with labels or a latent code, ``labels`` or ``code`` (one-hot).

    Args:
        run: a run folder, or the name of a shipped generator.
        path: the file to write, ending in ``.keras``.

    Returns:
        Path: the file written.
    """
    return atomic_save_model(load_generator(run), path)


# ---------------------------------------------------------------------------------------------- frames


def frame_path(run, epoch: int) -> Path:
    """The sample grid saved after ``epoch`` epochs (0: before training)."""
    return Path(run) / FRAMES / f"epoch-{epoch:04d}.png"


def save_frame(run, epoch: int, grid: np.ndarray) -> Path:
    """Save a uint8 sample grid (H, W) as the frame of ``epoch``."""
    from .viz import save_png

    return save_png(grid, frame_path(run, epoch))


def _frame_files(run) -> list[Path]:
    return sorted((Path(run) / FRAMES).glob("epoch-*.png"))


def _saved_frames(run) -> list[Path]:
    files = _frame_files(run)
    if not files:
        raise FileNotFoundError(f"no frames in {Path(run) / FRAMES}: train at least one epoch first.")
    return files


def load_frames(run) -> list[np.ndarray]:
    """The run's sample grids, uint8 (H, W) each, from the untrained generator (epoch 0) to the last epoch.

    Args:
        run: a run folder.

    Returns:
        list: uint8 arrays (H, W), one per frame.
    """
    import imageio.v3 as iio

    return [iio.imread(f) for f in _saved_frames(run)]


def last_frame(run) -> np.ndarray:
    """The run's newest sample grid, uint8 (H, W): one file read, for a preview after each epoch."""
    import imageio.v3 as iio

    return iio.imread(_saved_frames(run)[-1])


def run_captions(run) -> list[str]:
    """One caption per frame of a run folder (one per epoch when it has no frames yet), for ``viz.save_gif``:
    ``"epoch 3  D 1.21  G 0.93"``, and ``"epoch 0  untrained"`` for the frame drawn before training."""
    rows = {row["epoch"]: row for row in (RunState.load(run) or RunState()).history}
    epochs = [int(f.stem.split("-")[1]) for f in _frame_files(run)] or sorted(rows)
    return [f"epoch {e}  D {rows[e]['d_loss']:.2f}  G {rows[e]['g_loss']:.2f}" if e in rows else
            f"epoch {e}  untrained" if e == 0 else f"epoch {e}" for e in epochs]


def run_column_labels(run) -> list[str] | None:
    """What each column of a run's frames stands for: the digit asked for (conditional GAN), the latent code
    (InfoGAN), or None when the columns mean nothing."""
    return load_config(run).conditioning.column_labels()


def save_run_gif(run, path, captions: bool = True, max_frames: int | None = None, **options) -> Path:
    """The training animation of a run folder: its frames (from the untrained generator to the last epoch),
    each captioned with the epoch and losses, the columns labelled with their digit or code. ``options`` go
    to ``viz.save_gif`` (``fps``, ``size``, ...).

    Args:
        run: a run folder.
        path: where to write the .gif (or .mp4).
        captions: write the epoch and losses above each frame.
        max_frames: keep at most this many frames, evenly spread, the first and last always among them
            (a GIF of a long run grows by some 60 kB per epoch); None keeps every frame.
        **options: passed to ``viz.save_gif``.

    Returns:
        Path: the file written.
    """
    if max_frames is not None and max_frames < 2:
        raise ValueError(f"max_frames={max_frames}: keep at least 2 frames (the first and the last).")
    frames = load_frames(run)
    texts = run_captions(run) if captions else None
    if max_frames is not None and len(frames) > max_frames:
        keep = np.unique(np.linspace(0, len(frames) - 1, max_frames).round().astype(int))
        frames = [frames[i] for i in keep]
        texts = None if texts is None else [texts[i] for i in keep]
    from .viz import save_gif

    return save_gif(frames, path, captions=texts, column_labels=run_column_labels(run), **options)
