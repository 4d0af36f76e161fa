"""A GAN on points in the plane: eight Gaussians on a ring, small enough to train in seconds and to see whole.

Digits live in 784 dimensions, where mode collapse hides behind a grid of samples. In two dimensions the
data, every generated point and the discriminator's whole decision surface fit in one picture, so a
generator that hops from mode to mode can be watched doing it. The toy trains with the same losses and
penalties as the digits (``losses.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from . import losses

MODES, RADIUS, STD = 8, 2.0, 0.05
# A point belongs to a mode when it lies within this distance of the mode's centre (neighbouring centres are
# 1.53 apart); a mode is covered when it holds a quarter of its fair share of the points, as for the digits.
NEAR = 0.5
COVERED_SHARE = 0.25 / MODES
EXTENT = 3.0  # the pictures show [-3, 3]²


def ring_centres(modes: int = MODES, radius: float = RADIUS) -> np.ndarray:
    """The modes' centres, float32 (modes, 2), evenly spaced on a circle.

    Args:
        modes: how many.
        radius: the circle's radius.

    Returns:
        numpy.ndarray: float32 (modes, 2).
    """
    angle = 2 * np.pi * np.arange(modes) / modes
    return (radius * np.stack([np.cos(angle), np.sin(angle)], 1)).astype("float32")


def ring_of_gaussians(n: int, rng: np.random.Generator, modes: int = MODES, radius: float = RADIUS,
                      std: float = STD) -> np.ndarray:
    """``n`` points float32 (n, 2) from the mixture: each from a random mode, plus Gaussian noise of ``std``.

    Args:
        n: how many points.
        rng: a NumPy random generator.
        modes, radius, std: the mixture.

    Returns:
        numpy.ndarray: float32 (n, 2).
    """
    centres = ring_centres(modes, radius)[rng.integers(0, modes, n)]
    return (centres + std * rng.standard_normal((n, 2))).astype("float32")


def modes_covered(points, modes: int = MODES, radius: float = RADIUS) -> tuple[int, np.ndarray]:
    """How many modes the points cover, and the share of the points near each mode.

    Args:
        points: float (n, 2).
        modes, radius: the mixture.

    Returns:
        tuple: (modes covered, float (modes,) share of the points within ``NEAR`` of each centre).
    """
    distance = np.linalg.norm(np.asarray(points)[:, None, :] - ring_centres(modes, radius)[None], axis=2)
    near = distance.min(1) < NEAR
    shares = np.bincount(distance.argmin(1)[near], minlength=modes) / len(points)
    return int((shares >= COVERED_SHARE).sum()), shares


def _mlp(inputs: int, outputs: int, width: int, depth: int, name: str) -> keras.Model:
    x = keras.Input((inputs,))
    h = x
    for _ in range(depth):
        h = keras.layers.Dense(width, activation="relu")(h)
    return keras.Model(x, keras.layers.Dense(outputs)(h), name=name)


@dataclass
class ToyRun:
    """A toy run's record: its settings, and at each snapshot the step, 1,000 generated points (the same
    noise each time), the discriminator's probability "real" on a 60×60 grid over [-3, 3]², and the modes
    covered."""

    settings: dict
    steps: list = field(default_factory=list)
    points: list = field(default_factory=list)
    surfaces: list = field(default_factory=list)
    covered: list = field(default_factory=list)


def train_toy(loss: str = "bce", g_lr: float = 1e-3, d_lr: float = 1e-3, r1_weight: float = 0.0,
              gp_weight: float = 10.0, steps: int = 3000, batch_size: int = 256, every: int = 100,
              seed: int = 0, width: int = 128, depth: int = 2) -> ToyRun:
    """Train a GAN of two small MLPs on the ring of Gaussians; a snapshot every ``every`` steps (and at 0).

    Both networks: ``depth`` ReLU layers of ``width`` units. The generator maps 2-D noise to points, the
    discriminator points to a raw score. Adam with β₁ = 0.5, as for the digits.

    Args:
        loss: "bce", "saturating", "hinge" or "wgan-gp" (``losses.py``).
        g_lr, d_lr: the two learning rates.
        r1_weight: γ of the R1 penalty (0: off).
        gp_weight: WGAN-GP's penalty weight.
        steps: training steps.
        batch_size: points per step.
        every: steps between snapshots.
        seed: the seed of the weights, data and noise.
        width, depth: the networks' size.

    Returns:
        ToyRun: the snapshots.
    """
    settings = dict(loss=loss, g_lr=g_lr, d_lr=d_lr, r1_weight=r1_weight, gp_weight=gp_weight, steps=steps,
                    batch_size=batch_size, seed=seed)
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    generator, critic = _mlp(2, 2, width, depth, "toy_generator"), _mlp(2, 1, width, depth, "toy_discriminator")
    g_opt, d_opt = keras.optimizers.Adam(g_lr, beta_1=0.5), keras.optimizers.Adam(d_lr, beta_1=0.5)

    def step(real, noise):
        with tf.GradientTape() as g_tape, tf.GradientTape() as d_tape:
            fake = generator(noise)
            s_real, s_fake = critic(real), critic(fake)
            d_loss = losses.discriminator_loss(loss, s_real, s_fake, from_logits=True)
            if loss == "wgan-gp":
                d_loss += gp_weight * losses.gradient_penalty(critic, real, tf.stop_gradient(fake))
            if r1_weight:
                d_loss += 0.5 * r1_weight * losses.r1_penalty(critic, real)
            g_loss = losses.generator_loss(loss, s_fake, from_logits=True)
        d_opt.apply(d_tape.gradient(d_loss, critic.trainable_variables), critic.trainable_variables)
        g_opt.apply(g_tape.gradient(g_loss, generator.trainable_variables), generator.trainable_variables)

    @tf.function
    def steps_on(reals, noises):
        # The steps between two snapshots in one call (a step of these small networks takes less time than a
        # call from Python), each on its own batch, in order.
        for i in tf.range(tf.shape(reals)[0]):
            step(reals[i], noises[i])

    # The optimisers' slots exist before the loop: a compiled loop cannot create variables.
    d_opt.build(critic.trainable_variables)
    g_opt.build(generator.trainable_variables)

    run = ToyRun(settings)
    fixed = rng.standard_normal((1000, 2)).astype("float32")
    axis = np.linspace(-EXTENT, EXTENT, 60, dtype="float32")
    grid = np.stack(np.meshgrid(axis, axis), -1).reshape(-1, 2)

    def snapshot(at: int):
        points = generator(fixed).numpy()
        run.steps.append(at)
        run.points.append(points)
        run.surfaces.append(tf.sigmoid(critic(grid)).numpy().reshape(60, 60))
        run.covered.append(modes_covered(points)[0])

    snapshot(0)
    for start in range(0, steps, every):
        batches = [(ring_of_gaussians(batch_size, rng), rng.standard_normal((batch_size, 2)).astype("float32"))
                   for _ in range(min(every, steps - start))]  # drawn in the order one step at a time draws them
        steps_on(np.stack([real for real, _ in batches]), np.stack([noise for _, noise in batches]))
        if len(batches) == every:  # a whole stretch of `every` steps: snapshot its end
            snapshot(start + every)
    return run


def draw_toy(ax, run: ToyRun, index: int = -1, title: str = "", real=None) -> None:
    """Draw one snapshot on a matplotlib axis: the decision surface (D's probability "real", from blue 0 to
    red 1), real points in black and generated points in orange.

    Args:
        ax: a matplotlib axis.
        run: a ``ToyRun``.
        index: which snapshot.
        title: the axis title (the step and the modes covered are added).
        real: real points float (n, 2) to show, or None for 500 fresh ones.

    Returns:
        None: it draws on ``ax``.
    """
    real = ring_of_gaussians(500, np.random.default_rng(1)) if real is None else real
    ax.imshow(run.surfaces[index], extent=(-EXTENT, EXTENT, -EXTENT, EXTENT), origin="lower", cmap="coolwarm",
              vmin=0, vmax=1, alpha=0.6)
    ax.scatter(*real.T, s=2, c="black", label="real")
    ax.scatter(*run.points[index].T, s=2, c="tab:orange", label="generated")
    ax.set(xlim=(-EXTENT, EXTENT), ylim=(-EXTENT, EXTENT), xticks=[], yticks=[], aspect="equal")
    ax.set_title(f"{title}\nstep {run.steps[index]}: {run.covered[index]} of {MODES} modes", fontsize=9)


def toy_frames(runs: dict) -> list:
    """One RGB frame uint8 (height, width, 3) per snapshot, the runs side by side.

    Args:
        runs: ``{title: ToyRun}``, the runs snapshotted at the same steps.

    Returns:
        list: uint8 (height, width, 3) arrays.
    """
    from .viz import figure_frames

    real = ring_of_gaussians(500, np.random.default_rng(1))

    def draw(axes, i):
        for ax, (title, run) in zip(axes, runs.items()):
            draw_toy(ax, run, i, title, real)

    return figure_frames(draw, len(next(iter(runs.values())).steps), len(runs), (3.2 * len(runs), 3.4))


def save_toy_gif(runs: dict, path, fps: float = 8.0):
    """Write the runs' snapshots side by side as a looping GIF (the last frame held for a second).

    Args:
        runs: ``{title: ToyRun}``.
        path: the GIF's path.
        fps: frames per second.

    Returns:
        Path: the GIF's path.
    """
    from .viz import save_rgb_gif

    return save_rgb_gif(toy_frames(runs), path, fps)
