"""game1d: the densities, D and D* of a 1-D GAN, measured and drawn."""
import numpy as np

from ganlib.game1d import DEFINED, save_1d_gif, snapshot_1d


def gaussian(x, mean, std):
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * np.sqrt(2 * np.pi))


def test_a_generator_that_draws_the_data_makes_d_star_one_half_and_a_flat_d_scores_no_gap():
    def generator(z, training=False):
        return 3.0 + 0.5 * z  # exactly p_data = N(3, 0.5²)

    def half(x, training=False):
        return np.full((len(x), 1), 0.5)

    edges = np.linspace(0, 6, 61)
    snap = snapshot_1d(7, generator, half, lambda x: gaussian(x, 3.0, 0.5), edges, n=200_000)
    assert snap.step == 7 and snap.x.shape == snap.p_g.shape == snap.d_star.shape == (60,)
    defined = np.isfinite(snap.d_star)
    assert defined[30] and not defined[0]  # where neither density lives, D* is not drawn
    assert np.allclose(snap.d_star[snap.p_data > 0.2], 0.5, atol=0.03)
    assert snap.gap() < 0.05
    mean, std = snap.generator_moments()
    assert abs(mean - 3.0) < 0.02 and abs(std - 0.5) < 0.02


def test_a_generator_far_from_the_data_gives_d_star_zero_and_one(tmp_path):
    def generator(z, training=False):
        return 0.2 * z

    def half(x, training=False):
        return np.full((len(x), 1), 0.5)

    snap = snapshot_1d(0, generator, half, lambda x: gaussian(x, 3.0, 0.5), np.linspace(-1.5, 5.5, 71))
    near_fakes, near_data = np.argmin(np.abs(snap.x)), np.argmin(np.abs(snap.x - 3))
    assert snap.d_star[near_fakes] < 0.01 and snap.d_star[near_data] > 0.99
    assert abs(snap.gap() - 0.5) < 0.01 and DEFINED > 0  # a flat D is ½ off D* everywhere D* is defined
    import dataclasses

    path = save_1d_gif([snap, dataclasses.replace(snap, step=25)], tmp_path / "game.gif")
    import imageio.v3 as iio

    frames = iio.imread(path, index=None)
    assert frames.shape[0] == 2 and frames.shape[-1] in (3, 4)
