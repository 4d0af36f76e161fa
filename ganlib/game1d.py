"""The GAN game in one dimension (chapter 3): what the generator's density, the data's density and the
discriminator look like while a GAN trains, the picture of Goodfellow et al.'s Figure 1.

In one dimension every density can be drawn: the data's ``p_data`` (known), the generator's ``p_g`` (a histogram
of many samples), the discriminator's ``D(x)``, and the best discriminator against the current generator,
``D*(x) = p_data / (p_data + p_g)``, which a trained discriminator chases.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# D* = p_data / (p_data + p_g) is drawn and compared only where the two densities add up to at least this.
DEFINED = 0.02


@dataclass
class Snapshot1D:
    """One moment of a 1-D GAN's training: on the grid ``x`` (bin centres, float (B,)), the densities
    ``p_data`` and ``p_g``, the discriminator ``d`` and the best one ``d_star`` (each float (B,); ``d_star`` is
    NaN where neither density reaches ``DEFINED``, as p_data / (p_data + p_g) means nothing there)."""

    step: int
    x: np.ndarray
    p_data: np.ndarray
    p_g: np.ndarray
    d: np.ndarray
    d_star: np.ndarray

    def gap(self) -> float:
        """The mean of |D(x) − D*(x)| where D* is defined (where some density lives)."""
        where = np.isfinite(self.d_star)
        return float(np.abs(self.d - self.d_star)[where].mean())

    def generator_moments(self) -> tuple[float, float]:
        """The mean and standard deviation of the generator's samples, from ``p_g``."""
        weights = self.p_g / self.p_g.sum()
        mean = float((weights * self.x).sum())
        return mean, float(np.sqrt((weights * (self.x - mean) ** 2).sum()))


def snapshot_1d(step: int, generator, discriminator, data_density, edges, n: int = 20000, seed: int = 0):
    """Measure a 1-D GAN now: ``n`` generator samples binned on ``edges`` give ``p_g``.

    Args:
        step: the training step, for the caption.
        generator: a Keras model, noise float32 (n, 1) ~ N(0, 1) to samples (n, 1).
        discriminator: a Keras model, samples (n, 1) to the probability real (n, 1).
        data_density: a function giving p_data at points float (B,).
        edges: the histogram's bin edges, float (B + 1,).
        n: how many samples make the histogram.
        seed: the noise's seed (the same every snapshot, so the picture moves only with the weights).

    Returns:
        Snapshot1D: the densities and both discriminators on the bin centres.
    """
    noise = np.random.default_rng(seed).standard_normal((n, 1)).astype("float32")
    samples = np.asarray(generator(noise, training=False)).ravel()
    p_g, _ = np.histogram(samples, bins=edges, density=True)
    x = (edges[:-1] + edges[1:]) / 2
    p_data = data_density(x)
    d = np.asarray(discriminator(x[:, None].astype("float32"), training=False)).ravel()
    both = p_data + p_g
    d_star = np.where(both > DEFINED, p_data / np.maximum(both, DEFINED), np.nan)
    return Snapshot1D(step, x, p_data, p_g, d, d_star)


def draw_1d(ax, snap: Snapshot1D, title: str = "") -> None:
    """Draw a snapshot: p_data (black), p_g (orange, filled), D (green), D* (dashed).

    Args:
        ax: a matplotlib axis.
        snap: a ``Snapshot1D``.
        title: the axis title (the step is added).

    Returns:
        None: it draws on ``ax``.
    """
    ax.plot(snap.x, snap.p_data, color="black", label="$p_{data}$")
    ax.fill_between(snap.x, snap.p_g, color="tab:orange", alpha=0.4, label="$p_g$ (histogram)")
    ax.plot(snap.x, snap.d, color="tab:green", label="D(x)")
    ax.plot(snap.x, snap.d_star, "k--", lw=0.8, label="$D^*(x)$")
    ax.axhline(0.5, color="gray", lw=0.5, ls=":")
    ax.set(ylim=(0, max(1.05, float(snap.p_g.max()) * 1.05)), xlabel="x")
    ax.set_title(f"{title}step {snap.step}", fontsize=9)


def save_1d_gif(snaps: list, path, fps: float = 10.0):
    """The snapshots as a looping GIF, the last one held for a second.

    Args:
        snaps: ``Snapshot1D``s in training order.
        path: the GIF's path.
        fps: frames per second.

    Returns:
        Path: the file written.
    """
    from .viz import figure_frames, save_rgb_gif

    def draw(axes, i):
        draw_1d(axes[0], snaps[i])
        axes[0].legend(fontsize=7, loc="upper left")
        axes[0].figure.tight_layout()

    return save_rgb_gif(figure_frames(draw, len(snaps), figsize=(5.0, 3.0)), path, fps)
