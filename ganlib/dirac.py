"""The Dirac-GAN (Mescheder, Geiger and Nowozin, 2018, "Which Training Methods for GANs do actually Converge?"):
the smallest GAN there is, two numbers, and why GAN training circles instead of settling (chapter 8).

The data is one point, x = 0. The generator has one parameter θ and puts all its mass at x = θ; the
discriminator has one parameter ψ and scores D(x) = sigmoid(ψ·x). The game's value is

    L(θ, ψ) = f(ψ·θ) + f(0),   f(t) = −log(1 + exp(−t)),

which the discriminator raises and the generator lowers. Its only equilibrium is θ = ψ = 0: the generator on
the data, the discriminator unable to tell. Near it the gradient field is a pure rotation
(∂L/∂θ = ψ·f'(ψθ), ∂L/∂ψ = θ·f'(ψθ), with f'(0) = 1/2), so gradient steps circle the equilibrium:

- **simultaneous** steps (both players move from the same point, as one ``train_step`` that computes both
  gradients first would) multiply the distance to the equilibrium by sqrt(1 + (h/2)²) each step near it:
  they spiral out;
- **alternating** steps (the discriminator moves, then the generator answers the new discriminator, as
  Goodfellow et al.'s Algorithm 1 and ganlib's ``GAN`` do) keep the distance bounded but never shrink it;
- **R1** (a penalty γ/2·|∇ₓD|² on real data, here γ/2·ψ²) damps the discriminator, and the pair converges.
"""

from __future__ import annotations

import numpy as np

METHODS = ("simultaneous", "alternating", "r1")


def _slope(t):
    # f'(t) for f(t) = -log(1 + exp(-t)): sigmoid(-t), written so that large |t| neither overflows nor loses sign.
    return 0.5 * (1.0 - np.tanh(t / 2.0))


def dirac_trajectory(method: str, steps: int = 400, lr: float = 0.1, start=(1.0, 1.0),
                     gamma: float = 0.3) -> np.ndarray:
    """Train the Dirac-GAN by gradient steps from ``start`` and return where the pair went.

    Args:
        method: ``"simultaneous"`` (both players step from the same point), ``"alternating"`` (the
            discriminator steps, then the generator steps against it) or ``"r1"`` (alternating, with the R1
            penalty γ/2·ψ² on the discriminator).
        steps: how many training steps.
        lr: the step size h of both players.
        start: (θ, ψ) to start from.
        gamma: the R1 weight γ (used by ``"r1"`` only).

    Returns:
        np.ndarray: float64 (steps + 1, 2), the (θ, ψ) before each step and after the last.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}: choose one of {', '.join(METHODS)}.")
    theta, psi = map(float, start)
    path = [(theta, psi)]
    for _ in range(steps):
        d_grad = theta * _slope(psi * theta) - (gamma * psi if method == "r1" else 0.0)  # ascent for ψ
        if method == "simultaneous":
            g_grad = psi * _slope(psi * theta)
            psi += lr * d_grad
        else:
            psi += lr * d_grad
            g_grad = psi * _slope(psi * theta)  # the generator answers the discriminator that just moved
        theta -= lr * g_grad
        path.append((theta, psi))
    return np.asarray(path)


def distance(path: np.ndarray) -> np.ndarray:
    """The distance of each point of a trajectory (N, 2) from the equilibrium (0, 0): float (N,)."""
    return np.hypot(path[:, 0], path[:, 1])


def plot_dirac(paths: dict, figure=None):
    """Draw Dirac-GAN trajectories side by side: one panel per method, θ across and ψ up, the equilibrium
    marked, and the distance from it against the step in a last panel.

    Args:
        paths: ``{method: trajectory (N, 2)}``, e.g. from ``dirac_trajectory``.
        figure: a matplotlib figure to draw in, or None for a new one.

    Returns:
        matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    figure = figure or plt.figure(figsize=(3.2 * (len(paths) + 1), 3.2))
    axes = figure.subplots(1, len(paths) + 1)
    reach = max(np.abs(p).max() for p in paths.values()) * 1.05
    for ax, (method, path) in zip(axes, paths.items()):
        ax.plot(path[:, 0], path[:, 1], lw=0.8)
        ax.plot(*path[0], "o", color="tab:green", label="start")
        ax.plot(0, 0, "*", color="black", ms=10, label="equilibrium")
        ax.set(xlim=(-reach, reach), ylim=(-reach, reach), aspect="equal", xlabel="θ (generator)",
               ylabel="ψ (discriminator)", title=method)
    axes[0].legend(loc="lower left", fontsize=8)
    for method, path in paths.items():
        axes[-1].plot(distance(path), label=method)
    axes[-1].set(xlabel="step", ylabel="distance from equilibrium", yscale="log", title="distance")
    axes[-1].legend(fontsize=8)
    figure.tight_layout()
    return figure
