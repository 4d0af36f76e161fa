"""The one place for hyperparameters: a dataclass with the course's defaults, and quick mode."""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass


def env_flag(name: str) -> bool:
    """Whether the environment variable ``name`` is switched on: 1, true, yes or on, in any case.

    Args:
        name: the variable, e.g. ``GANLIB_QUICK``.

    Returns:
        bool: True when it is set to one of those words.
    """
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def quick_mode() -> bool:
    """True when ``GANLIB_QUICK=1``: tests and CI shrink data and epochs so every notebook runs in minutes.

    Returns:
        bool: whether ``GANLIB_QUICK`` is switched on (``env_flag``).
    """
    return env_flag("GANLIB_QUICK")


NONE, LABELS, CODE = "none", "labels", "code"
LOSSES = ("bce", "saturating", "hinge", "wgan-gp")
PRECISIONS = ("float32", "mixed_bfloat16")
# How a conditional GAN's discriminator sees the label (chapter 6 measures all three).
LABEL_INPUTS = ("projection", "concat", "none")
# Fields that an older ganlib wrote into config.json (options in "extra", the conditioning in three fields).
# Such a file is refused with a line that says what to do; it is never guessed at.
OLD_FIELDS = ("extra", "conditional", "num_classes", "latent_codes")
# A run's own fields: its budget, seed and held-out digits. Every other field is the recipe (the networks, the
# loss, the optimisation), what ``GANConfig.recipe_changes`` compares.
RUN_FIELDS = ("epochs", "minutes", "seed", "validation", "n_train")


@dataclass(frozen=True)
class Conditioning:
    """What a GAN is told besides the noise, and how many values it has.

    - ``Conditioning()``: nothing (kind ``"none"``, size 0).
    - ``Conditioning("labels", 10)``: the digit's label, one-hot, given to both networks (a conditional GAN,
      chapter 6): ask for a digit and get it.
    - ``Conditioning("code", 10)``: an InfoGAN latent code (Chen et al. 2016), one-hot, given to the generator
      only; a second discriminator head learns to read it back from the image (weight ``code_weight`` in both
      losses), which pushes each code towards one kind of digit, without any label.

    In ``config.json`` it is ``{"kind": ..., "size": ...}``; ``parse`` also takes ``"none"``, ``"labels:10"`` or
    ``"code:10"`` (what ``--set conditioning=code:10`` gives).
    """

    kind: str = NONE
    size: int = 0

    def __post_init__(self):
        if self.kind not in (NONE, LABELS, CODE):
            raise ValueError(f"Conditioning kind {self.kind!r}: use 'none', 'labels' or 'code'.")
        if self.kind == NONE and self.size != 0:
            raise ValueError(f"Conditioning('none', {self.size}): nothing to condition on has size 0.")
        if self.kind != NONE and not 2 <= int(self.size) <= 1000:
            raise ValueError(f"Conditioning({self.kind!r}, {self.size}): the size is an integer from 2 to 1000 "
                             "(MNIST has 10 digits).")

    @classmethod
    def parse(cls, value) -> "Conditioning":
        """A ``Conditioning`` from itself, a dict ``{"kind", "size"}``, a pair, or text such as ``"code:10"``."""
        if isinstance(value, cls):
            return value
        if isinstance(value, dict):
            return cls(**value)
        if isinstance(value, (list, tuple)):
            return cls(*value)
        if isinstance(value, str):
            kind, _, size = value.partition(":")
            return cls(kind, int(size) if size else (0 if kind == NONE else 10))
        raise ValueError(f"conditioning={value!r}: give Conditioning(kind, size), e.g. Conditioning('labels', 10).")

    def default_values(self, n: int):
        """The labels (or codes) to draw ``n`` samples with when none are asked for: int32 (n,) cycling
        0, 1, …, size-1, every value equally often (±1); None when there is nothing to condition on."""
        import numpy as np

        return None if self.kind == NONE else (np.arange(n) % self.size).astype("int32")

    def labels_to_ask(self, n: int):
        """The digits to ask for when ``n`` samples are scored: ``default_values(n)`` for a conditional GAN,
        whose samples are then checked against them; None otherwise (a latent code is not a label)."""
        return self.default_values(n) if self.kind == LABELS else None

    def one_hot(self, values, n: int):
        """The one-hot input for ``n`` samples: float32 (n, size). ``values``: int (n,) labels or codes,
        floats (n, size) (one-hot or mixed), or None for ``default_values(n)``. Raises ValueError, naming what
        was wrong, for values out of range or of another shape, and for any values when there is nothing to
        condition on."""
        import numpy as np

        if self.kind == NONE:
            if values is not None:
                raise ValueError("this generator is unconditional: it cannot draw a chosen digit. Use a conditional "
                                 "checkpoint (e.g. pretrained-conditional) or leave the labels out.")
            return None
        what = "digits" if self.kind == LABELS else "codes"
        values = self.default_values(n) if values is None else np.asarray(values)
        shape = values.shape
        if values.ndim == 1:
            if values.size and (values.min() < 0 or values.max() >= self.size):
                raise ValueError(f"labels must be {what} 0 to {self.size - 1}, got {values.min()} to {values.max()}.")
            values = np.eye(self.size, dtype="float32")[values.astype("int64")]
        if values.shape != (n, self.size):
            raise ValueError(f"labels have shape {shape}; expected ({n},) or ({n}, {self.size}).")
        return values.astype("float32")

    def one_hot_tensor(self, values):
        """``one_hot`` inside a compiled training step, in TensorFlow: int values (batch,) or (batch, 1) ->
        float32 tensor (batch, size), with no range check (the step draws the values itself)."""
        import tensorflow as tf

        return tf.one_hot(tf.cast(tf.reshape(values, [-1]), tf.int32), self.size)

    def column_labels(self) -> list[str] | None:
        """What each column of a sample grid with one column per value stands for: the digit asked for
        (labels), the latent code (InfoGAN), or None when the columns mean nothing."""
        if self.kind == NONE:
            return None
        return [str(k) if self.kind == LABELS else f"code {k}" for k in range(self.size)]


CODE_10 = Conditioning(CODE, 10)


@dataclass
class GANConfig:
    """Everything that decides a training run. Change a field, or use ``dataclasses.replace``.

    The defaults are the course's fast recipe (see ``benchmarks/`` and notebook 04 for why each one).
    ``tutorial()`` gives the TensorFlow DCGAN tutorial's settings, for comparison.
    """

    # models
    latent_dim: int = 100
    # Narrow convolutions, a quarter of the TensorFlow tutorial's channels: on a CPU they train about twice
    # the updates per minute of twice the width, and the GAN learns per update, so a short budget buys more
    # learning (benchmarks/results/recipe_search.md has the measurements).
    gen_filters: tuple[int, ...] = (64, 32, 16)
    # One hidden dense layer in each network lets each judge or draw the digit as a whole (the largest gain
    # of the recipe searches in benchmarks/results/recipe_search.md).
    gen_dense: tuple[int, ...] = (128,)
    disc_filters: tuple[int, ...] = (16, 32)
    disc_dense: tuple[int, ...] = (128,)
    kernel_size: int = 4
    dropout: float = 0.3
    # What the GAN is told besides the noise (see ``Conditioning``): by default an InfoGAN latent code of ten
    # values, learnt without labels. A light code_weight works best: at weight 1 each code collapses to one
    # image (benchmarks/results/recipe_search.md has the measurements).
    conditioning: Conditioning = CODE_10
    code_weight: float = 0.05
    # A conditional GAN's discriminator: "projection" (the label's embedding dotted with the image features,
    # Miyato & Koyama 2018), "concat" (the one-hot label as ten extra image channels, Mirza & Osindero 2014 and
    # Keras's conditional GAN example) or "none" (only the generator sees the label).
    label_input: str = "projection"
    # optimisation
    batch_size: int = 32
    g_lr: float = 1e-3  # large steps: the best rate at a 5-minute budget (benchmarks/results/recipe_search.md)
    d_lr: float = 1e-3
    beta_1: float = 0.5
    beta_2: float = 0.999  # Adam's decay of its squared-gradient average (Keras's default; WGAN-GP's paper uses 0.9)
    label_smoothing: float = 0.1
    # The adversarial loss (losses.py): "bce" (the non-saturating cross-entropy, the course's), "saturating"
    # (the original minimax loss, whose generator gradient vanishes), "hinge" or "wgan-gp". Not "bce", or an
    # R1 penalty, gives the discriminator a raw score (logit) instead of a probability.
    loss: str = "bce"
    gp_weight: float = 10.0  # wgan-gp: the gradient penalty's weight (Gulrajani et al. 2017 use 10)
    r1_weight: float = 0.0  # R1 penalty (gamma/2 · |grad D(real)|²) on real images; 0: off
    spectral_norm: bool = False  # spectral normalisation of every discriminator weight layer
    # The step: False for the course's one forward pass, both networks updated from the same fakes; True for
    # Goodfellow et al.'s Algorithm 1: d_steps discriminator updates, each on fresh noise, then a generator
    # update on fresh noise (WGAN-GP's paper uses 5 critic updates per generator update).
    alternating: bool = False
    d_steps: int = 1
    ema: float = 0.999  # 0 disables the moving average of the generator's weights
    # The last lr_decay of the budget (epochs or minutes) lowers both learning rates linearly to 0; 0: constant.
    # Off by default: a short run still needs its large steps at the end.
    lr_decay: float = 0.0
    # budget: whichever of epochs and minutes runs out first stops training
    epochs: int = 20
    minutes: float | None = None
    # data and reproducibility
    n_train: int | None = None  # None: all 60,000 training digits
    # Training digits held out, never trained on, to choose the best epoch by FID (train(keep_best=True), the
    # CLI's --keep-best): the last `validation` of the training images, so the test digits that reports score
    # stay unseen by every choice. 0: none held out.
    validation: int = 0
    seed: int = 42
    # XLA-compile the training step (faster on some machines, slower to start).
    jit_compile: bool = False
    # Keras runs up to this many training steps per call from Python (its ``steps_per_execution``; ``train``
    # takes the largest number that divides an epoch's steps, so epochs and checkpoints stay where they were).
    # On a 2-core CPU that takes about a sixth off each step (benchmarks/README.md). The steps are the same
    # either way; per-step callbacks then see every 25th step (``StepLog`` keeps each call's mean; 1 for each step).
    steps_per_execution: int = 25
    # "mixed_bfloat16": the layers compute in bfloat16 and keep float32 weights (Keras mixed precision). Faster
    # where the processor has bfloat16 units (recent GPUs; CPUs with AVX512-BF16 or AMX), much slower where
    # it has none.
    precision: str = "float32"

    def __post_init__(self):
        self.gen_filters = tuple(int(f) for f in self.gen_filters)
        self.disc_filters = tuple(int(f) for f in self.disc_filters)
        self.gen_dense = tuple(int(f) for f in self.gen_dense)
        self.disc_dense = tuple(int(f) for f in self.disc_dense)
        self.conditioning = Conditioning.parse(self.conditioning)
        self.validate()

    def validate(self) -> None:
        """Raise ``ValueError`` naming the field, its value and the allowed range."""
        checks = [
            ("latent_dim", 1 <= self.latent_dim <= 4096, "an integer from 1 to 4096"),
            ("batch_size", 1 <= self.batch_size <= 65536, "an integer from 1 to 65536"),
            ("g_lr", 0 < self.g_lr < 1, "a learning rate between 0 and 1, e.g. 2e-4"),
            ("d_lr", 0 < self.d_lr < 1, "a learning rate between 0 and 1, e.g. 2e-4"),
            ("beta_1", 0 <= self.beta_1 < 1, "in [0, 1), e.g. 0.5"),
            ("beta_2", 0 < self.beta_2 < 1, "in (0, 1), e.g. 0.999"),
            ("label_smoothing", 0 <= self.label_smoothing < 0.5, "in [0, 0.5), e.g. 0.1"),
            ("lr_decay", 0 <= self.lr_decay <= 1,
             "in [0, 1]: 0 keeps the rates constant, 0.5 decays over the last half"),
            ("loss", self.loss in LOSSES, "one of " + ", ".join(repr(k) for k in LOSSES)),
            ("precision", self.precision in PRECISIONS, "one of " + ", ".join(repr(k) for k in PRECISIONS)),
            ("label_input", self.label_input in LABEL_INPUTS, "one of " + ", ".join(repr(k) for k in LABEL_INPUTS)),
            ("gp_weight", self.gp_weight >= 0, "a weight of at least 0, e.g. 10"),
            ("r1_weight", self.r1_weight >= 0, "a weight of at least 0, e.g. 1"),
            ("ema", self.ema == 0 or 0.5 <= self.ema < 1, "0 (off) or in [0.5, 1), e.g. 0.999"),
            ("dropout", 0 <= self.dropout < 1, "in [0, 1), e.g. 0.3"),
            ("kernel_size", 1 <= self.kernel_size <= 7, "an integer from 1 to 7"),
            ("code_weight", self.code_weight >= 0, "a weight of at least 0, e.g. 0.05"),
            ("epochs", self.epochs >= 1, "at least 1"),
            ("d_steps", 1 <= self.d_steps <= 100 and (self.alternating or self.d_steps == 1),
             "1, or 2 to 100 with alternating=True (discriminator updates per generator update)"),
            ("steps_per_execution", 1 <= self.steps_per_execution <= 10000, "an integer from 1 to 10000, e.g. 25"),
            ("minutes", self.minutes is None or self.minutes > 0, "None or a positive number"),
            ("n_train", self.n_train is None or self.n_train >= 1, "None (all) or at least 1"),
            ("validation", 0 <= self.validation <= 30000, "0 (none) or up to 30000 held-out digits, e.g. 10000"),
            ("gen_filters", len(self.gen_filters) >= 2 and min(self.gen_filters) >= 1,
             "at least two positive widths, e.g. (128, 64, 32)"),
            ("disc_filters", len(self.disc_filters) >= 1 and min(self.disc_filters) >= 1,
             "at least one positive width, e.g. (32, 64)"),
        ]
        for name, ok, allowed in checks:
            if not ok:
                raise ValueError(f"GANConfig.{name}={getattr(self, name)!r} is out of range: use {allowed}.")

    @classmethod
    def tutorial(cls, **changes) -> "GANConfig":
        """The TensorFlow DCGAN tutorial's settings: wide layers, Adam 1e-4, batch 256, no tricks."""
        base = dict(gen_filters=(256, 128, 64), gen_dense=(), disc_filters=(64, 128), disc_dense=(), kernel_size=5,
                    batch_size=256, g_lr=1e-4, d_lr=1e-4, beta_1=0.9, label_smoothing=0.0, ema=0.0,
                    conditioning=Conditioning())
        base.update(changes)
        return cls(**base)

    @property
    def critic_logits(self) -> bool:
        """True when the discriminator outputs a raw score (a logit) rather than a probability: every loss but
        "bce" needs one, and so does the R1 penalty (the gradient of a saturated probability is zero)."""
        return self.loss != "bce" or self.r1_weight > 0

    @property
    def labelled(self) -> bool:
        """True for a conditional GAN: it trains on (images, labels) and draws the digit it is asked for."""
        return self.conditioning.kind == LABELS

    def quick(self) -> "GANConfig":
        """A copy shrunk for tests: 512 digits and 2 epochs."""
        return dataclasses.replace(self, n_train=min(self.n_train or 512, 512), epochs=min(self.epochs, 2))

    def for_mode(self) -> "GANConfig":
        """``self.quick()`` when quick mode is on (``GANLIB_QUICK=1``), else ``self``."""
        return self.quick() if quick_mode() else self

    def to_json(self) -> str:
        """The config as JSON (a run folder's ``config.json``)."""
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "GANConfig":
        """A config from a dict such as a parsed ``config.json``; a field left out takes its default, and an
        unknown key is an error, not ignored."""
        names = {f.name for f in dataclasses.fields(cls)}
        old = sorted(set(d) & set(OLD_FIELDS))
        if old:
            raise ValueError(f"{', '.join(old)}: fields of an older ganlib's config, which this one does not read "
                             "(options are fields of their own now, and the conditioning is one field, e.g. "
                             "conditioning='labels:10' or 'code:10').")
        unknown = sorted(set(d) - names)
        if unknown:
            raise ValueError(f"Unknown GANConfig fields {unknown}; known fields are {sorted(names)}.")
        return cls(**d)

    def recipe_changes(self) -> dict:
        """The recipe fields (all but ``RUN_FIELDS``) in which this config differs from the course's defaults:
        ``GANConfig()``, or for a conditional GAN ``GANConfig()`` with this config's conditioning.

        Returns:
            dict: ``{field: this config's value}``, empty when the recipe is the course's.
        """
        default = GANConfig(conditioning=self.conditioning) if self.labelled else GANConfig()
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)
                if f.name not in RUN_FIELDS and getattr(self, f.name) != getattr(default, f.name)}

    def changed(self, changes: dict) -> "GANConfig":
        """A copy with ``changes`` (a dict of fields, as in ``benchmarks/``' result files)."""
        return GANConfig.from_dict({**dataclasses.asdict(self), **changes})
