"""Checks that a chapter's own code does what ganlib's does: same network, same loss, same step, same metric.

Each chapter writes the idea it teaches in its own cells, then calls one of these to prove that ganlib's
version is the same thing, and uses ganlib's from then on. A check prints one line saying what agreed. When
something differs it says what, in words: in the course's tests (quick mode, or ``GANLIB_STRICT=1``) that
is an error, so a chapter and ganlib cannot drift apart; when you run a chapter yourself after editing its
code, it is a message and the chapter carries on, so you can experiment.
"""

from __future__ import annotations

import numpy as np

from .config import env_flag, quick_mode


class Mismatch(AssertionError):
    """A chapter's code and ganlib's disagree."""


def strict() -> bool:
    """True when a difference must stop the notebook: in quick mode (the tests) or with ``GANLIB_STRICT=1``."""
    return quick_mode() or env_flag("GANLIB_STRICT")


def _verdict(what: str, problems: list[str], agreed: str) -> bool:
    if not problems:
        print(f"✓ {what}: {agreed}")
        return True
    message = f"{what}: yours and ganlib's differ. " + "; ".join(problems[:5])
    if strict():
        raise Mismatch(message)
    print(f"✗ {message}\n  (Fine if you changed your version on purpose: from here on the chapter uses ganlib's.)")
    return False


def _layers(model):
    return [layer for layer in model.layers if type(layer).__name__ != "InputLayer"]


def _inputs_for(model, n: int, seed: int):
    rng = np.random.default_rng(seed)
    shapes = [tuple(t.shape[1:]) for t in model.inputs]
    arrays = [rng.standard_normal((n, *shape)).astype("float32") for shape in shapes]
    return arrays[0] if len(arrays) == 1 else arrays


def same_network(mine, reference, what: str = "the network", n: int = 8, seed: int = 0, atol: float = 1e-5) -> bool:
    """Compare two Keras models layer by layer: the same layer types with the same output shapes in order, the
    same parameter count, and, once ``mine``'s weights are copied into ``reference``, the same outputs
    (inference mode) for the same ``n`` random inputs. Returns True when they agree.

    ``reference`` gets ``mine``'s weights, so pass a freshly built ganlib model.

    Args:
        mine: the chapter's Keras model.
        reference: a freshly built ganlib model; it receives ``mine``'s weights.
        what: how the printed line names the network.
        n, seed: how many random inputs to compare, and their seed.
        atol: the largest output difference that counts as the same.

    Returns:
        bool: True when they agree (a difference raises ``Mismatch`` in strict mode).
    """
    problems = []
    a, b = _layers(mine), _layers(reference)
    if len(a) != len(b):
        problems.append(f"yours has {len(a)} layers, ganlib's {len(b)}")
    for i, (la, lb) in enumerate(zip(a, b), start=1):
        ta, tb = type(la).__name__, type(lb).__name__
        sa, sb = tuple(la.output.shape[1:]), tuple(lb.output.shape[1:])
        if (ta, sa) != (tb, sb):
            problems.append(f"layer {i} is {ta} with output {sa} in yours, {tb} with output {sb} in ganlib's")
    pa, pb = mine.count_params(), reference.count_params()
    if pa != pb:
        problems.append(f"{pa:,} parameters in yours, {pb:,} in ganlib's")
    if problems:
        return _verdict(what, problems, "")
    reference.set_weights(mine.get_weights())
    x = _inputs_for(mine, n, seed)
    out_a = np.asarray(mine(x, training=False))
    out_b = np.asarray(reference(x, training=False))
    gap = float(np.abs(out_a - out_b).max())
    if gap > atol:
        problems.append(f"with the same weights and inputs the outputs differ by up to {gap:.2e}")
    return _verdict(what, problems, f"{len(a)} layers of the same types and shapes, {pa:,} parameters, and "
                                    f"the same outputs for the same weights and inputs (largest gap {gap:.1e})")


def same_values(what: str, mine, reference, rtol: float = 1e-5, atol: float = 1e-6) -> bool:
    """Compare numbers (scalars or arrays) computed two ways; True when they agree within the tolerances.

    Args:
        what: how the printed line names the numbers.
        mine, reference: scalars or arrays of the same shape.
        rtol, atol: numpy.allclose's tolerances.

    Returns:
        bool: True when they agree (a difference raises ``Mismatch`` in strict mode).
    """
    a, b = np.asarray(mine, dtype="float64"), np.asarray(reference, dtype="float64")
    if a.shape != b.shape:
        return _verdict(what, [f"yours has shape {a.shape}, ganlib's {b.shape}"], "")
    gap = float(np.abs(a - b).max()) if a.size else 0.0
    ok = np.allclose(a, b, rtol=rtol, atol=atol)
    shown = f"{a.item():.6g} and {b.item():.6g}" if a.size == 1 else f"{a.size} values"
    return _verdict(what, [] if ok else [f"{shown}: largest gap {gap:.2e}"], f"{shown} agree (largest gap {gap:.1e})")


def same_weights(what: str, mine, reference, rtol: float = 1e-4, atol: float = 1e-6) -> bool:
    """Compare two models' weights, array by array (e.g. after one training step each); True when they agree.

    Args:
        what: how the printed line names the models.
        mine, reference: Keras models with the same layers.
        rtol, atol: numpy.allclose's tolerances.

    Returns:
        bool: True when every weight array agrees.
    """
    wa, wb = mine.get_weights(), reference.get_weights()
    if len(wa) != len(wb):
        return _verdict(what, [f"{len(wa)} weight arrays in yours, {len(wb)} in ganlib's"], "")
    gaps, bad = _weight_gaps(wa, wb, rtol, atol)
    problems = [f"weight array {i} ({wa[i].shape}) differs by up to {gaps[i]:.2e}" for i in bad]
    return _verdict(what, problems, f"all {len(wa)} weight arrays agree (largest gap {max(gaps):.1e})")


def _weight_gaps(wa, wb, rtol, atol):
    """Each pair of weight arrays' largest gap, and the indices of the pairs that differ beyond the tolerances."""
    gaps = [float(np.abs(a - b).max()) for a, b in zip(wa, wb)]
    bad = [i for i, (a, b) in enumerate(zip(wa, wb)) if a.shape != b.shape or not np.allclose(a, b, rtol, atol)]
    return gaps, bad


def copy_dropout_state(mine, reference) -> None:
    """Give ``mine``'s dropout layers the random state of ``reference``'s, layer by layer, so that the next
    training-mode calls of both draw the same dropout masks.

    Args:
        mine: the model whose dropout state is overwritten.
        reference: the model it is copied from, layer by layer.

    Returns:
        None
    """
    for a, b in zip(_layers(mine), _layers(reference)):
        if getattr(a, "seed_generator", None) is not None and getattr(b, "seed_generator", None) is not None:
            a.seed_generator.state.assign(b.seed_generator.state)


def step_differences(mine, config, steps: int = 2) -> tuple[list[str], str]:
    """What differs between ``steps`` training steps of your GAN model and of ganlib's ``GAN`` for ``config``,
    from the same start: ``(problems, what agreed)``; no problems means the same step.

    ``mine`` is a freshly compiled GAN model (see ``docs/api.md``, "Your own GAN") whose networks have the
    config's shapes, and which draws its noise the seeded way, from ``(config.seed, step)`` (and a latent code
    from ``(config.seed + 1, step)``), as ganlib's ``GAN`` does. It gets the reference's weights (generator,
    discriminator, and the moving-average sampler when there is one) and dropout masks; both then train on
    the same real digits. Compared: every log the two share (losses and scores, epoch means) and every weight.
    The reference uses Keras's Adam, as your class does (ganlib's runs use ``optim.Adam``, the same arithmetic
    fused into one kernel, whose float32 rounding Adam's first steps can magnify), so agreeing steps agree
    bit for bit.

    Args:
        mine: your compiled GAN model, not trained yet.
        config: the ``GANConfig`` whose ``GAN`` is the reference.
        steps: how many steps to compare.

    Returns:
        tuple: a list of problems in words, and one line saying what agreed.
    """
    import keras
    import tensorflow as tf

    from .data import training_images
    from .gan import build_gan
    from .sampling import sampler_of

    reference = build_gan(config, adam=keras.optimizers.Adam)
    pairs = {"generator": (mine.generator, reference.generator),
             "discriminator": (mine.discriminator, reference.discriminator)}
    if config.ema:
        if sampler_of(mine) is mine.generator:
            return [f"the config has ema={config.ema}, but your model has no `sampler` (the averaged generator)"], ""
        pairs["sampler"] = (sampler_of(mine), reference.sampler)
    for a, b in pairs.values():
        a.set_weights(b.get_weights())
    copy_dropout_state(mine.discriminator, reference.discriminator)
    start = [w.copy() for w in mine.generator.get_weights()]
    batches = training_images(config.batch_size * steps, seed=1).reshape(steps, config.batch_size, 28, 28, 1)
    for batch in batches:
        ours, theirs = mine.train_step(tf.constant(batch)), reference.train_step(tf.constant(batch))
    problems, shared = [], [k for k in ours if k in theirs]
    for key in shared:
        a, b = float(ours[key]), float(theirs[key])
        if not np.isclose(a, b, rtol=1e-4, atol=1e-6):
            problems.append(f"{key} after {steps} steps is {a:.5f} in yours, {b:.5f} in ganlib's")
    largest = 0.0
    for name, (a, b) in pairs.items():
        gaps, bad = _weight_gaps(a.get_weights(), b.get_weights(), rtol=1e-4, atol=1e-6)
        largest = max(largest, *gaps)
        if bad:
            problems.append(f"the {name}'s weight array {bad[0]} differs by up to {gaps[bad[0]]:.2e}")
    if all(np.array_equal(x, y) for x, y in zip(mine.generator.get_weights(), start)):
        problems.append("your generator's weights did not move: does train_step apply the gradients?")
    return problems, (f"{steps} steps from the same start: {', '.join(shared)} and every weight of the "
                      f"{', '.join(pairs)} agree (largest weight gap {largest:.1e})")


def same_step(mine, config, steps: int = 2) -> bool:
    """Prove that your GAN model takes the step of ganlib's ``GAN`` for ``config`` (``step_differences`` says
    how): one line saying what agreed, or what differs.

    Args:
        mine: your compiled GAN model, not trained yet; it gets the reference's weights.
        config: the ``GANConfig`` whose ``GAN`` is the reference.
        steps: how many steps to compare.

    Returns:
        bool: True when they agree (a difference raises ``Mismatch`` in strict mode).
    """
    problems, agreed = step_differences(mine, config, steps)
    return _verdict(f"your {type(mine).__name__} and ganlib's GAN", problems, agreed)
