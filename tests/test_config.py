"""config.py: Conditioning owns what a generator is told besides the noise (one-hot inputs, default labels, the
grid's column labels)."""

import numpy as np
import pytest

from ganlib.config import CODE, LABELS, Conditioning


def test_default_values_cycle_every_value_equally_often():
    values = Conditioning(LABELS, 10).default_values(25)
    assert values.dtype == np.int32 and values[:12].tolist() == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert np.bincount(values).tolist() == [3] * 5 + [2] * 5
    assert Conditioning().default_values(5) is None


def test_only_labels_are_asked_for_when_samples_are_scored():
    assert Conditioning(LABELS, 3).labels_to_ask(4).tolist() == [0, 1, 2, 0]
    assert Conditioning(CODE, 10).labels_to_ask(4) is None and Conditioning().labels_to_ask(4) is None


def test_one_hot_from_ints_floats_or_defaults():
    labels = Conditioning(LABELS, 4)
    hot = labels.one_hot([3, 0], 2)
    assert hot.dtype == np.float32 and hot.tolist() == [[0, 0, 0, 1], [1, 0, 0, 0]]
    mixed = np.array([[0.5, 0.5, 0, 0]], dtype="float64")
    assert labels.one_hot(mixed, 1).tolist() == mixed.tolist()
    assert labels.one_hot(None, 5).argmax(1).tolist() == [0, 1, 2, 3, 0]
    assert Conditioning().one_hot(None, 3) is None


def test_one_hot_names_what_is_wrong():
    with pytest.raises(ValueError, match="labels must be digits 0 to 3, got 0 to 4"):
        Conditioning(LABELS, 4).one_hot([0, 4], 2)
    with pytest.raises(ValueError, match="must be codes 0 to 9"):
        Conditioning(CODE, 10).one_hot([-1], 1)
    with pytest.raises(ValueError, match=r"shape \(3,\); expected \(2,\) or \(2, 4\)"):
        Conditioning(LABELS, 4).one_hot([0, 1, 2], 2)
    with pytest.raises(ValueError, match="unconditional: it cannot draw a chosen digit"):
        Conditioning().one_hot([1], 1)


def test_column_labels_say_what_each_column_asks_for():
    assert Conditioning(LABELS, 3).column_labels() == ["0", "1", "2"]
    assert Conditioning(CODE, 2).column_labels() == ["code 0", "code 1"]
    assert Conditioning().column_labels() is None


def test_adams_second_decay_is_a_setting_that_reaches_both_optimisers():
    from ganlib.config import GANConfig
    from ganlib.gan import build_gan

    assert GANConfig().beta_2 == 0.999  # Keras's default, which the course trains with
    gan = build_gan(GANConfig(beta_1=0.0, beta_2=0.9, epochs=1))  # WGAN-GP's paper settings
    for optimizer in (gan.g_optimizer, gan.d_optimizer):
        assert (float(optimizer.beta_1), float(optimizer.beta_2)) == (0.0, 0.9)
    with pytest.raises(ValueError, match=r"beta_2.*in \(0, 1\)"):
        GANConfig(beta_2=1.0)


def test_recipe_changes_name_the_recipe_fields_that_differ_and_never_a_run_s_own():
    from ganlib.config import RUN_FIELDS, Conditioning, GANConfig

    labels = Conditioning("labels", 10)
    assert GANConfig().recipe_changes() == {} and GANConfig(conditioning=labels).recipe_changes() == {}
    own_run = GANConfig(epochs=3, minutes=45, seed=7, validation=10_000, n_train=5_000)
    assert own_run.recipe_changes() == {} and set(RUN_FIELDS) == {"epochs", "minutes", "seed", "validation",
                                                                     "n_train"}
    assert GANConfig(conditioning=labels, g_lr=5e-4, gen_dense=()).recipe_changes() == {"g_lr": 5e-4,
                                                                                         "gen_dense": ()}
    # The conditioning is part of the recipe for an unconditional comparison: a latent code is not the default.
    assert "conditioning" in GANConfig(conditioning=Conditioning()).recipe_changes()
