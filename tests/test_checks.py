"""ganlib.checks: each check accepts what agrees and rejects what differs, with a message that says what."""
import keras
import numpy as np
import pytest

from ganlib import checks
from ganlib.checks import Mismatch, copy_dropout_state, same_network, same_values, same_weights


def small(width=4, dropout=0.0):
    x = keras.Input((3,))
    h = keras.layers.Dense(width)(x)
    h = keras.layers.Dropout(dropout)(h)
    return keras.Model(x, keras.layers.Dense(1)(h))


def test_same_network_accepts_the_same_architecture_and_copies_the_weights(capsys):
    mine, theirs = small(), small()
    assert same_network(mine, theirs, "tiny")
    assert "✓ tiny: 3 layers" in capsys.readouterr().out
    for a, b in zip(mine.get_weights(), theirs.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_same_network_names_the_layer_that_differs():
    with pytest.raises(Mismatch, match="layer 1 is Dense with output \\(5,\\) in yours, Dense with output \\(4,\\)"):
        same_network(small(5), small(4))


def test_same_network_catches_equal_shapes_that_compute_something_else():
    x = keras.Input((3,))
    h = keras.layers.Dense(4, activation="relu")(x)  # the same shapes as small(), another function
    other = keras.Model(x, keras.layers.Dense(1)(keras.layers.Dropout(0.0)(h)))
    with pytest.raises(Mismatch, match="outputs differ"):
        same_network(other, small())


def test_outside_the_tests_a_difference_is_a_message_not_an_error(monkeypatch, capsys):
    monkeypatch.setattr(checks, "strict", lambda: False)
    assert same_values("a loss", 1.0, 1.5) is False
    out = capsys.readouterr().out
    assert out.startswith("✗ a loss: yours and ganlib's differ") and "uses ganlib's" in out


def test_strict_in_quick_mode_or_when_asked(monkeypatch):
    monkeypatch.setenv("GANLIB_QUICK", "0")
    monkeypatch.setenv("GANLIB_STRICT", "")
    assert not checks.strict()
    monkeypatch.setenv("GANLIB_STRICT", "1")
    assert checks.strict()
    monkeypatch.setenv("GANLIB_STRICT", "")
    monkeypatch.setenv("GANLIB_QUICK", "1")
    assert checks.strict()


def test_same_values_and_same_weights_both_ways():
    assert same_values("x", np.float32(0.1), 0.1)
    with pytest.raises(Mismatch, match="shape"):
        same_values("x", [1, 2], [1, 2, 3])
    a, b = small(), small()
    b.set_weights(a.get_weights())
    assert same_weights("w", a, b)
    b.set_weights([w + 1e-3 for w in a.get_weights()])
    with pytest.raises(Mismatch, match="weight array 0 \\(\\(3, 4\\)\\) differs by up to 1.00e-03"):
        same_weights("w", a, b)


def test_copy_dropout_state_gives_the_same_masks():
    a, b = small(dropout=0.5), small(dropout=0.5)
    b.set_weights(a.get_weights())
    x = np.ones((64, 3), "float32")
    assert not np.allclose(a(x, training=True), b(x, training=True))
    copy_dropout_state(a, b)
    np.testing.assert_array_equal(a(x, training=True), b(x, training=True))


@pytest.mark.slow
def test_same_step_proves_a_textbook_model_is_ganlibs_step_and_names_what_differs(capsys, tiny_config):
    import dataclasses

    from own_gan import textbook_gan

    from ganlib.config import Conditioning

    plain = dataclasses.replace(tiny_config, ema=0.0, label_smoothing=0.0, conditioning=Conditioning())
    assert checks.same_step(textbook_gan(plain), plain)
    assert "largest weight gap 0.0e+00" in capsys.readouterr().out  # the same numbers, bit for bit
    with pytest.raises(Mismatch, match="d_loss after 2 steps"):
        checks.same_step(textbook_gan(plain, real_target=0.9), plain)  # smoothing ganlib's config does not have
    smooth = dataclasses.replace(plain, label_smoothing=0.1)
    assert checks.same_step(textbook_gan(smooth, real_target=0.9), smooth)
    with pytest.raises(Mismatch, match="no `sampler`"):
        checks.same_step(textbook_gan(plain), dataclasses.replace(plain, ema=0.999))
    with pytest.raises(Mismatch, match="d_loss after 2 steps"):  # the one-pass step is not Algorithm 1
        checks.same_step(textbook_gan(plain), dataclasses.replace(plain, alternating=True))
