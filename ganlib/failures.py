"""The failure lab: the classic ways GAN training fails, each provoked by settings you can name, the fixes,
each a ``GANConfig`` change with its paper's settings, and one short run of either measured with the course's
instruments.

A lab run trains the course recipe (chapter 4's) plus a failure's changes, plus a fix's, for a fixed budget of
steps. The failure's cause always stays: a fix adds its own settings around it, multiplies it (two
time-scales) or, for a loss, replaces the failing loss and says so (``Setting.replaces``). It records the epoch
history (with the judge's FID, score and classes covered after each epoch), every few steps' losses, scores and
gradient norms (``training.StepLog``), and the class histogram after each epoch.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .config import GANConfig, quick_mode

# The fixes table over seeds has a module of its own; its names stay importable from here, where chapter 8 and
# benchmarks/failures.py look for them.
from .fixes_table import LESSONS as LESSONS
from .fixes_table import TABLE as TABLE
from .fixes_table import TABLE_BUDGET as TABLE_BUDGET
from .fixes_table import table_cells as table_cells
from .fixes_table import table_lessons as table_lessons

# The course recipe, one step per Keras call so that StepLog reads each step's logs (the steps themselves are
# the same as with several per call).
BASE = GANConfig(steps_per_execution=1)


@dataclass(frozen=True)
class Setting:
    """A failure or a fix: what it sets in the config, what it does in words, and, for a fix, how it meets a
    failure's own settings.

    ``changes``: config fields and values. ``scale``: fields multiplied by a factor after the failure's values
    are in (two time-scales scales the failure's own learning rate, never replaces it). ``replaces``: the
    failure's fields this fix overrides (a loss fix replaces a failing loss); every other field of a failure
    wins over the fix's, so the fix is tried on top of the failure's cause. ``longer``: how many times the
    lab's default budget a failure trains (memorisation shows only when each digit has been seen many times).
    ``source``: where the settings come from.
    """

    changes: dict
    what: str
    longer: int = 1
    scale: dict = field(default_factory=dict)
    replaces: tuple = ()
    source: str = ""


FAILURES = {
    "healthy": Setting({}, "the course recipe"),
    "mode collapse": Setting({"g_lr": 5e-3, "d_lr": 1e-4},
                             "the generator's learning rate 50 times the discriminator's"),
    "discriminator wins": Setting({"g_lr": 1e-4, "d_lr": 1e-3},
                                  "the discriminator's learning rate 10 times the generator's"),
    "saturating loss": Setting({"loss": "saturating", "g_lr": 1e-4, "d_lr": 1e-3},
                               "the minimax loss log(1 − D(G(z))) against a discriminator that wins"),
    "divergence": Setting({"g_lr": 2e-2, "d_lr": 2e-2}, "both learning rates 20 times the recipe's"),
    "memorisation": Setting({"dropout": 0.0}, "only 100 training digits, no dropout in the discriminator, "
                            "trained twice as long", longer=2),
}
MEMORISED_DIGITS = 100

FIXES = {
    "none": Setting({}, "no fix"),
    "hinge loss": Setting({"loss": "hinge"}, "the hinge loss instead of the cross-entropy", replaces=("loss",),
                          source="Lim & Ye 2017; Miyato et al. 2018 train with it"),
    "WGAN-GP": Setting({"loss": "wgan-gp", "gp_weight": 10.0, "alternating": True, "d_steps": 5, "g_lr": 1e-4,
                        "d_lr": 1e-4, "beta_1": 0.0, "beta_2": 0.9, "dropout": 0.0},
                       "the Wasserstein loss with a gradient penalty (λ = 10), 5 critic steps per generator step, "
                       "Adam(1e-4, β = (0, 0.9)), no dropout in the critic", replaces=("loss",),
                       source="Gulrajani et al. 2017, Algorithm 1"),
    "spectral norm": Setting({"spectral_norm": True, "g_lr": 2e-4, "d_lr": 2e-4, "beta_1": 0.5, "beta_2": 0.999,
                              "dropout": 0.0},
                             "every discriminator layer spectrally normalised, one discriminator step per "
                             "generator step, Adam(2e-4, β = (0.5, 0.999)), no dropout",
                             source="Miyato et al. 2018, setting C"),
    # Not a cure in the papers' sense: spectral norm's optimiser without the normalisation, the control that
    # tells which of the two stops the memorising run's copying.
    "Adam 2e-4": Setting({"g_lr": 2e-4, "d_lr": 2e-4, "beta_1": 0.5, "beta_2": 0.999},
                         "the spectral-norm row's Adam(2e-4, β = (0.5, 0.999)) without the normalisation",
                         source="the optimiser of Miyato et al. 2018, setting C"),
    "R1 penalty": Setting({"r1_weight": 10.0}, "an R1 penalty (γ = 10) on the discriminator's slope at real images",
                          source="Mescheder et al. 2018 (γ = 10; they train with RMSProp, the lab keeps Adam)"),
    "two time-scales": Setting({}, "the discriminator's learning rate 4 times the run's own, the generator's kept",
                               scale={"d_lr": 4.0},
                               source="Heusel et al. 2017; the 4-to-1 ratio as Zhang et al. 2019 (SAGAN) use it"),
}

# The budget of one lab run: epochs × images per epoch. Short enough to try several in a sitting (about 20
# seconds on a laptop CPU), long enough for every failure to show its symptom, in four epochs so that the
# per-epoch FID shows a trend.
BUDGET = {"epochs": 4, "n_train": 4000}
QUICK_BUDGET = {"epochs": 4, "n_train": 1500}
# Samples the judge scores: after each epoch of a lab run (the FID curve) and in its final report. Quick mode
# halves both: its runs are too short for the difference to matter, and the tests run nine of them.
FID_SAMPLES, REPORT_SAMPLES = 1000, 2000


def lab_samples() -> tuple[int, int]:
    """How many samples the judge scores after each epoch of a lab run, and in ``lab_report``: ``FID_SAMPLES``
    and ``REPORT_SAMPLES``, halved in quick mode."""
    return (FID_SAMPLES // 2, REPORT_SAMPLES // 2) if quick_mode() else (FID_SAMPLES, REPORT_SAMPLES)


def lab_changes(failure: str, fix: str = "none") -> dict:
    """The config fields a lab run sets on top of the course recipe: the fix's settings, then the failure's
    (its cause wins, except the fields the fix ``replaces``), then the fix's ``scale`` factors.

    Args:
        failure: a key of ``FAILURES``.
        fix: a key of ``FIXES``.

    Returns:
        dict: field → value.
    """
    for name, table in ((failure, FAILURES), (fix, FIXES)):
        if name not in table:
            raise ValueError(f"{name!r} is not in the lab: choose one of {', '.join(table)}.")
    cause, cure = FAILURES[failure], FIXES[fix]
    changes = {**cure.changes, **{k: v for k, v in cause.changes.items() if k not in cure.replaces}}
    for name, factor in cure.scale.items():
        changes[name] = factor * changes.get(name, getattr(BASE, name))
    return changes


def lab_config(failure: str, fix: str = "none", budget: dict | None = None) -> GANConfig:
    """The config of a lab run: the course recipe with ``lab_changes(failure, fix)`` and the budget.

    Args:
        failure: a key of ``FAILURES``.
        fix: a key of ``FIXES``.
        budget: ``{"epochs", "n_train"}`` as it is; None: ``BUDGET`` (``QUICK_BUDGET`` in quick mode), times
            the failure's ``longer``.

    Returns:
        GANConfig: the run's settings.
    """
    changes = lab_changes(failure, fix)
    if budget is None:
        budget = dict(QUICK_BUDGET if quick_mode() else BUDGET)
        budget["epochs"] *= FAILURES[failure].longer
    return dataclasses.replace(BASE, **changes, **budget)


def lab_data(failure: str, config: GANConfig):
    """The training images float32 (config.n_train, 28, 28, 1) of a lab run, and the distinct digits among
    them uint8 (M, 28, 28): for memorisation, ``MEMORISED_DIGITS`` digits repeated to fill the epoch.

    Args:
        failure: a key of ``FAILURES``.
        config: the run's config (its ``n_train`` and ``seed``).

    Returns:
        tuple: (images float32 (n_train, 28, 28, 1) in [-1, 1], distinct digits uint8 (M, 28, 28)).
    """
    from .data import to_uint8, training_images

    if failure == "memorisation":
        few = training_images(MEMORISED_DIGITS, seed=config.seed)
        x = np.resize(few, (config.n_train, *few.shape[1:]))  # the same 100 digits, over and over
        return x, to_uint8(few)
    x = training_images(config.n_train, seed=config.seed)
    return x, to_uint8(x)


@dataclass
class LabRun:
    """A lab run's record: its settings, epoch ``history`` (losses, scores, gradient norms, fid,
    classifier_score, classes_covered), every few steps' values (``steps``), the class histogram float (10,)
    after each epoch (``histograms``), the sampler, the distinct training digits uint8 (M, 28, 28), and how many
    samples scored each epoch's FID."""

    failure: str
    fix: str
    config: GANConfig
    out_dir: Path
    history: list = field(default_factory=list)
    steps: list = field(default_factory=list)
    histograms: list = field(default_factory=list)
    generator: object = None
    discriminator: object = None
    train_digits: np.ndarray | None = None
    seconds: float = 0.0
    fid_samples: int = FID_SAMPLES


def run_lab(failure: str, fix: str, out_dir, budget: dict | None = None, on_epoch=None, every: int | None = 5,
            fid_samples: int | None = None, verbose: int = 0, seed: int | None = None) -> LabRun:
    """Train one lab run in ``out_dir`` (resumes like any run) and record its symptoms.

    Args:
        failure: a key of ``FAILURES``.
        fix: a key of ``FIXES``.
        out_dir: the run folder.
        budget: ``{"epochs", "n_train"}``, or None for the lab's default.
        on_epoch: called with the ``LabRun`` recorded so far (and the Keras model) after each epoch, or None.
        every: keep every ``every``-th step's values; None: keep none, and run the course's several steps per
            Keras call (the same steps, faster; for benchmarks, which need only the epochs).
        fid_samples: samples scored by the judge after each epoch; None: ``lab_samples()[0]``.
        verbose: Keras's progress output.
        seed: the run's seed (weights, noise, data order and the digits a memorisation run sees); None: the
            recipe's.

    Returns:
        LabRun: the record.
    """
    import keras

    from . import runs
    from .metrics import FIDCallback
    from .training import StepLog, train

    config = lab_config(failure, fix, budget)
    fid_samples = fid_samples or lab_samples()[0]
    if seed is not None:
        config = dataclasses.replace(config, seed=seed)
    if every is None:
        config = dataclasses.replace(config, steps_per_execution=GANConfig.steps_per_execution)
    x, digits = lab_data(failure, config)
    steps, scores = StepLog(every=every or 1), FIDCallback(n=fid_samples)
    # The record fills up while training runs, so on_epoch can draw it; the lists are the callbacks' own. A
    # resumed (or finished) run starts from what its finished epochs recorded.
    state = runs.RunState.load(out_dir) or runs.RunState()
    done = state.epoch
    saved = runs.read_lab_record(out_dir)
    steps.rows.extend(r for r in saved.get("steps", []) if r["step"] <= done * (config.n_train // config.batch_size))
    scores.histograms.extend(np.asarray(h) for h in saved.get("histograms", [])[:done])
    record = LabRun(failure, fix, config, Path(out_dir), history=list(state.history),
                    steps=steps.rows, histograms=scores.histograms, train_digits=digits, fid_samples=fid_samples)

    per_epoch = config.n_train // config.batch_size

    class Record(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            # A damaged checkpoint makes training resume an epoch earlier than state.json said: drop what
            # that epoch had recorded, as it is trained again.
            step = int(self.model.step.numpy())
            steps.rows[:] = [r for r in steps.rows if r["step"] <= step]
            del scores.histograms[step // per_epoch:]
            del record.history[step // per_epoch:]

        def on_epoch_end(self, epoch, logs=None):
            record.history.append({"epoch": epoch + 1, **{k: float(v) for k, v in (logs or {}).items()}})
            runs.write_lab_record(out_dir, {"steps": steps.rows,
                                            "histograms": [h.tolist() for h in scores.histograms]})
            if on_epoch is not None:
                on_epoch(record, self.model)

    watch = [scores, Record()] if every is None else [steps, scores, Record()]
    result = train(config, out_dir, x=x, verbose=verbose, callbacks=watch)
    record.history, record.generator, record.seconds = result.history, result.generator, result.seconds
    record.discriminator = result.gan.discriminator
    return record


# copy_threshold's measured distances, by (digest of the training digits, their shape, n).
_THRESHOLDS = {}


def copy_threshold(train_digits, n: int = 10000) -> float:
    """How close counts as a copy of one of ``train_digits`` uint8 (M, 28, 28): closer (pixel L2, [0, 1]
    units) than 99 % of real test digits come to their nearest one of them.

    Args:
        train_digits: uint8 (M, 28, 28).
        n: how many test digits to measure.

    Returns:
        float: the distance.
    """
    from .data import load_mnist
    from .metrics import COPY_QUANTILE, _digest, nearest_train_distance

    # Runs of one seed train on the same digits: their threshold is measured once (3 to 4 s for 32,000 digits).
    key = (_digest(train_digits), train_digits.shape, n)
    if key not in _THRESHOLDS:
        _, (test, _) = load_mnist()
        _THRESHOLDS[key] = float(np.quantile(nearest_train_distance(test[:n], train_digits)[0], COPY_QUANTILE))
    return _THRESHOLDS[key]


def lab_report(run: LabRun, n: int | None = None, seed: int = 0) -> dict:
    """The run's final symptoms, from ``n`` samples and the last epoch's logs.

    Returns ``{"fid", "classifier_score", "classes_covered", "class_histogram" (10,), "recall", "precision",
    "copy_share", "d_train", "d_test", "d_real", "d_fake", "d_loss", "g_grad_norm"}``: judge-FID, score and
    coverage as in chapter 5; recall and precision against ``n`` test digits; the share of samples closer to a
    training digit than
    99 % of real test digits come (``copy_threshold``); the discriminator's mean probability "real" for its
    training digits and for test digits it never saw (a discriminator that learnt its training set by heart
    tells them apart); the last epoch's mean D(real), D(fake), discriminator loss and generator gradient norm.

    Args:
        run: a ``LabRun``.
        n: samples to score; None: ``lab_samples()[1]``.
        seed: their noise's seed.

    Returns:
        dict: the figures.
    """
    from . import metrics
    from .data import load_mnist
    from .training import generate

    n = n or lab_samples()[1]
    images = generate(run.generator, n, seed=seed)
    feats, probs = metrics.judge_outputs(images)
    (test_feats, _), radii = metrics.reference(n, seed)
    precision, recall = metrics.precision_recall(feats, test_feats, real_radii=radii)
    hist = metrics.class_histogram(probs)
    near = metrics.nearest_train_distance(images, run.train_digits)[0]
    last = run.history[-1]
    return {"fid": metrics.frechet_distance(feats, test_feats), "classifier_score": metrics.classifier_score(probs),
            "classes_covered": int((hist >= metrics.COVERED_SHARE).sum()), "class_histogram": hist.tolist(),
            "precision": precision, "recall": recall,
            "copy_share": float((near < copy_threshold(run.train_digits)).mean()),
            "d_train": _mean_real(run.discriminator, run.train_digits[:1000]),
            "d_test": _mean_real(run.discriminator, load_mnist()[1][0][:1000]),
            "d_real": last["real_score"], "d_fake": last["fake_score"], "d_loss": last["d_loss"],
            "g_grad_norm": last["g_grad_norm"]}


def _mean_real(discriminator, images) -> float:
    """The discriminator's mean probability "real" (inference mode) for uint8 images (N, 28, 28); a second
    output (a latent code's head) is left aside."""
    import tensorflow as tf

    from .data import to_model_range
    from .models import outputs_logits

    def real_or_fake(batch):
        out = discriminator(batch, training=False)
        return out[0] if isinstance(out, (list, tuple)) else out  # a latent code's head is a second output

    x = to_model_range(images)
    scores = np.concatenate([real_or_fake(x[i:i + 500]) for i in range(0, len(x), 500)])
    return float(np.mean(tf.sigmoid(scores) if outputs_logits(discriminator) else scores))


def plot_lab(run: LabRun, figure=None, title: str | None = None):
    """Five panels of a lab run so far: the latest sample grid, the class histogram, D(real) and D(fake) per
    step, the generator's gradient norm per step, and the FID per epoch.

    Draws with matplotlib's object API (no pyplot), so the failure lab can redraw it from its training thread.

    Args:
        run: a ``LabRun`` (its ``history``, ``steps`` and ``histograms`` may be partial).
        figure: a ``matplotlib.figure.Figure`` to draw on (cleared), or None for a new one.
        title: the figure's title; None: the failure and the fix.

    Returns:
        matplotlib.figure.Figure: the figure.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, ScalarFormatter

    from .runs import frame_path, last_frame

    fig = figure or Figure(figsize=(13, 2.8))
    fig.clear()
    axes = fig.subplots(1, 5, gridspec_kw={"width_ratios": [1.1, 1, 1.2, 1.2, 1]})
    fig.suptitle(title or f"{run.failure} · fix: {run.fix}", fontsize=10)
    has_frame = frame_path(run.out_dir, 0).exists()
    axes[0].imshow(last_frame(run.out_dir) if has_frame else np.zeros((28, 28)), cmap="gray")
    axes[0].set(xticks=[], yticks=[], title=f"samples, epoch {len(run.history)}")
    if run.histograms:
        axes[1].bar(range(10), run.histograms[-1], color="tab:blue")
    axes[1].axhline(0.1, color="gray", ls="--", lw=0.8)
    axes[1].set(xticks=range(10), ylim=(0, 1), title="judged digit (share)")
    steps = [r["step"] for r in run.steps]
    axes[2].plot(steps, [r["real_score"] for r in run.steps], label="D(real)", lw=0.8)
    axes[2].plot(steps, [r["fake_score"] for r in run.steps], label="D(fake)", lw=0.8)
    axes[2].set(ylim=(0, 1), xlabel="step", title="discriminator's scores")
    axes[2].legend(fontsize=7)
    axes[3].plot(steps, [max(r["g_grad_norm"], 1e-6) for r in run.steps], color="tab:red", lw=0.8)
    axes[3].set(yscale="log", xlabel="step", title="generator's gradient norm")
    epochs = [r["epoch"] for r in run.history if "fid" in r]
    axes[4].plot(epochs, [r["fid"] for r in run.history if "fid" in r], marker="o", color="tab:green")
    axes[4].set(xlabel="epoch", title=f"judge-FID ({run.fid_samples:,} samples)", yscale="log")
    # Whole epochs only, and FID ticks in plain numbers (a log axis over less than a decade has no labels).
    axes[4].xaxis.set_major_locator(MaxNLocator(integer=True))
    axes[4].yaxis.set_major_formatter(ScalarFormatter())
    axes[4].yaxis.set_minor_formatter(ScalarFormatter())
    axes[4].tick_params(axis="y", which="minor", labelsize=7)
    fig.tight_layout()
    return fig
