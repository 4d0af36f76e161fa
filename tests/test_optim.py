"""optim.Adam: Keras's Adam with a fused update, and its fallback to Keras's own update."""
import keras
import numpy as np
import pytest

from ganlib import optim
from ganlib.optim import Adam


def adam_run(optimizer, start, grads):
    """The weights and the optimiser's state after applying ``grads`` (a list of steps) from ``start``."""
    import tensorflow as tf

    weights = [keras.Variable(w) for w in start]
    step = tf.function(lambda g: optimizer.apply(g, weights))
    for g in grads:
        step([tf.constant(x) for x in g])
    return [w.numpy() for w in weights] + [v.numpy() for v in optimizer.variables]


@pytest.mark.parametrize("amsgrad", [False, True])
def test_fused_adam_updates_like_keras_adam(amsgrad):
    rng = np.random.default_rng(0)
    start = [rng.standard_normal((5, 3)).astype("float32"), rng.standard_normal(3).astype("float32")]
    grads = [[rng.standard_normal(w.shape).astype("float32") for w in start] for _ in range(4)]
    theirs = adam_run(keras.optimizers.Adam(1e-3, beta_1=0.5, amsgrad=amsgrad), start, grads)
    fused = Adam(1e-3, beta_1=0.5, amsgrad=amsgrad)
    mine = adam_run(fused, start, grads)
    assert fused.fused is not amsgrad  # this Keras keeps Adam's state where the fused kernel reads it
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert not np.allclose(mine[0], start[0])




def test_adam_falls_back_to_keras_update_when_its_private_state_is_missing(monkeypatch):
    """A Keras release that renames Adam's private state costs the speed-up, never the arithmetic."""
    monkeypatch.setattr(optim, "PRIVATE_STATE", (*optim.PRIVATE_STATE, "_a_name_keras_never_had"))
    rng = np.random.default_rng(1)
    start = [rng.standard_normal((4, 2)).astype("float32")]
    grads = [[rng.standard_normal((4, 2)).astype("float32")] for _ in range(3)]
    fallback = Adam(1e-3, beta_1=0.5)
    mine = adam_run(fallback, start, grads)
    assert not fallback.fused
    theirs = adam_run(keras.optimizers.Adam(1e-3, beta_1=0.5), start, grads)
    for a, b in zip(mine, theirs):
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(mine[0], start[0])
