"""The Dirac-GAN of chapter 8: the three behaviours Mescheder et al. (2018) prove, on the two-number game."""

import numpy as np
import pytest

from ganlib.dirac import METHODS, dirac_trajectory, distance, plot_dirac


def test_simultaneous_steps_spiral_out():
    d = distance(dirac_trajectory("simultaneous", steps=1000))
    assert (np.diff(d) > 0).all()  # every step moves away from the equilibrium
    assert d[-1] > 1.5 * d[0]


def test_one_simultaneous_step_grows_the_distance_by_the_rotations_factor():
    # Near (0, 0) the field is a rotation of rate f'(0) = 1/2: one step multiplies the distance by sqrt(1 + (h/2)^2).
    h, start = 0.1, (1e-4, 0.0)
    path = dirac_trajectory("simultaneous", steps=1, lr=h, start=start)
    assert distance(path)[1] / distance(path)[0] == pytest.approx(np.sqrt(1 + (h / 2) ** 2), rel=1e-6)


def test_alternating_steps_stay_bounded_without_converging():
    d = distance(dirac_trajectory("alternating", steps=2000))
    assert d.max() < 1.1 * d[0] and d[-200:].min() > 0.9 * d[0]


def test_r1_converges():
    d = distance(dirac_trajectory("r1", steps=2000))
    assert d[-1] < 1e-3 * d[0]
    assert distance(dirac_trajectory("r1", steps=2000, gamma=0.0))[-1] > 0.9 * d[0]  # the penalty does it


def test_unknown_method_is_named():
    with pytest.raises(ValueError, match="unknown method 'adam'"):
        dirac_trajectory("adam")


def test_plot_has_a_panel_per_method_and_the_distances():
    import matplotlib

    matplotlib.use("Agg")
    figure = plot_dirac({m: dirac_trajectory(m, steps=50) for m in METHODS})
    assert [ax.get_title() for ax in figure.axes] == [*METHODS, "distance"]
    assert len(figure.axes[-1].lines) == 3
