"""The 2-D toy GAN: its data, its mode count, a short run and its animation."""

import imageio.v3 as iio
import numpy as np

from ganlib import toy


def test_the_ring_has_eight_modes_and_points_near_them():
    points = toy.ring_of_gaussians(4000, np.random.default_rng(0))
    assert points.shape == (4000, 2) and points.dtype == np.float32
    covered, shares = toy.modes_covered(points)
    assert covered == 8 and abs(shares.sum() - 1) < 1e-9 and shares.min() > 0.1
    assert np.allclose(np.linalg.norm(toy.ring_centres(), axis=1), toy.RADIUS)


def test_modes_covered_counts_only_modes_with_a_fair_share():
    centres = toy.ring_centres()
    collapsed = np.repeat(centres[[0, 3]], 500, axis=0)  # two modes
    assert toy.modes_covered(collapsed)[0] == 2
    # a mode with 1 % of the points is below a quarter of its fair share (12.5 %)
    almost = np.concatenate([np.repeat(centres[:1], 990, 0), np.repeat(centres[1:2], 10, 0)])
    assert toy.modes_covered(almost)[0] == 1
    # points between the modes, far from every centre, cover nothing
    assert toy.modes_covered(np.zeros((100, 2)))[0] == 0


def test_a_short_toy_run_snapshots_and_animates(tmp_path):
    run = toy.train_toy(steps=40, every=20, batch_size=64, r1_weight=1.0)
    assert run.steps == [0, 20, 40] and len(run.points) == len(run.surfaces) == len(run.covered) == 3
    assert run.points[-1].shape == (1000, 2) and np.isfinite(run.points[-1]).all()
    assert run.surfaces[-1].shape == (60, 60) and 0 <= run.surfaces[-1].min() <= run.surfaces[-1].max() <= 1
    # the generator moved: its points differ between snapshots
    assert not np.allclose(run.points[0], run.points[-1])
    gif = toy.save_toy_gif({"a": run, "b": run}, tmp_path / "toy.gif", fps=4)
    frames = iio.imread(gif, index=None)
    assert frames.shape[0] == 3 and frames.shape[-1] in (3, 4)
    assert iio.immeta(gif, index=2)["duration"] > iio.immeta(gif, index=0)["duration"]  # the last frame is held
    assert frames.shape[2] > frames.shape[1]  # two panels side by side
