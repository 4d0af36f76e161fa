import dataclasses
import json

import keras
import numpy as np
import pytest

from ganlib.config import CODE, LABELS, Conditioning
from ganlib.runs import RunState, load_generator
from ganlib.training import Adam, TrainingDiverged, build_gan, execution_steps, generate, train


def weights_of(model):
    return [w.copy() for w in model.get_weights()]


def test_a_few_steps_change_both_networks(tiny_config, small_x):
    from ganlib.data import make_dataset

    gan = build_gan(tiny_config)
    g0, d0 = weights_of(gan.generator), weights_of(gan.discriminator)
    gan.fit(make_dataset(small_x, 64), epochs=1, steps_per_epoch=3, verbose=0, shuffle=False)
    assert any(not np.allclose(a, b) for a, b in zip(g0, gan.generator.get_weights()))
    assert any(not np.allclose(a, b) for a, b in zip(d0, gan.discriminator.get_weights()))
    assert int(gan.step.numpy()) == 3


def test_a_checkpoint_written_with_keras_adam_loads_into_ganlib_adam(tiny_config, small_x, tmp_path):
    from ganlib.data import make_dataset

    old = build_gan(tiny_config, adam=keras.optimizers.Adam)
    old.fit(make_dataset(small_x, 64), epochs=1, steps_per_epoch=2, verbose=0, shuffle=False)
    old.save_weights(tmp_path / "ckpt.weights.h5")
    new = build_gan(tiny_config)
    assert isinstance(new.g_optimizer, Adam) and isinstance(new.d_optimizer, Adam)
    assert type(old.g_optimizer) is keras.optimizers.Adam
    new.load_weights(tmp_path / "ckpt.weights.h5")
    for optimizer in ("g_optimizer", "d_optimizer"):
        saved = [v.numpy() for v in getattr(old, optimizer).variables]
        loaded = [v.numpy() for v in getattr(new, optimizer).variables]
        assert int(loaded[0]) == 2 and len(saved) == len(loaded)
        for a, b in zip(saved, loaded):
            np.testing.assert_array_equal(a, b)


@pytest.mark.slow
def test_run_folder_history_frames_and_generator(tiny_run):
    tmp_path, result = tiny_run
    assert [row["epoch"] for row in result.history] == [1, 2]
    assert all(np.isfinite(row["d_loss"]) and np.isfinite(row["g_loss"]) for row in result.history)
    # Frame 0 is the untrained generator's noise: the animation starts before training.
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == ["epoch-0000.png", "epoch-0001.png",
                                                                        "epoch-0002.png"]
    assert RunState.load(tmp_path).checkpoint == "ckpt-0002.weights.h5"
    images = generate(load_generator(tmp_path), 7, seed=1)
    assert images.shape == (7, 28, 28) and images.dtype == np.uint8
    np.testing.assert_array_equal(images, generate(load_generator(tmp_path), 7, seed=1))


class Interrupt(keras.callbacks.Callback):
    """Simulates Ctrl-C in the middle of an epoch."""

    def __init__(self, epoch, batch):
        super().__init__()
        self.at = (epoch, batch)
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        # Keras calls this after each call of several steps (batch is the last step's index).
        if self.epoch == self.at[0] and batch >= self.at[1]:
            raise KeyboardInterrupt


@pytest.mark.slow
def test_interrupted_run_resumes_where_it_stopped(tiny_config, small_x, tmp_path, tiny_run):
    straight = tiny_run[1]  # the same config, never interrupted
    with pytest.raises(KeyboardInterrupt):
        train(tiny_config, tmp_path, x=small_x, verbose=0, callbacks=[Interrupt(epoch=1, batch=4)])
    assert RunState.load(tmp_path).epoch == 1  # epoch 2 was cut short: resume from the end of 1
    resumed = train(tiny_config, tmp_path, x=small_x, verbose=0)
    assert [row["epoch"] for row in resumed.history] == [1, 2]
    for a, b in zip(straight.gan.get_weights(), resumed.gan.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_several_steps_per_call_train_the_same_steps_as_one(tiny_config, small_x, tmp_path, tiny_run):
    one = train(dataclasses.replace(tiny_config, steps_per_execution=1), tmp_path, x=small_x, verbose=0)
    whole = tiny_run[1]  # the default: as many steps per call as divide the epoch, here all 8 in one call
    assert (one.gan.steps_per_execution, whole.gan.steps_per_execution) == (1, 8)
    assert int(one.gan.step.numpy()) == int(whole.gan.step.numpy()) == 2 * len(small_x) // tiny_config.batch_size
    for a, b in zip(one.gan.get_weights(), whole.gan.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    # The number of steps per call may change between sessions of a run: the steps are the same.
    longer = train(dataclasses.replace(tiny_config, epochs=3, steps_per_execution=2), tmp_path, x=small_x,
                   verbose=0)
    assert [row["epoch"] for row in longer.history] == [1, 2, 3]


@pytest.mark.parametrize("wanted, steps, runs", [(25, 1875, 25), (25, 64, 16), (25, 8, 8), (25, 26, 13),
                                                 (25, 29, 1), (1, 1875, 1), (25, 3, 3)])
def test_steps_per_call_divide_the_epoch(wanted, steps, runs):
    assert execution_steps(wanted, steps) == runs


@pytest.mark.slow
def test_interrupted_checkpoint_write_leaves_the_previous_one_loadable(tiny_config, small_x, tmp_path):
    train(dataclasses.replace(tiny_config, epochs=1), tmp_path, x=small_x, verbose=0)
    # A crash while writing epoch 2 leaves a partial file behind; state.json still names epoch 1's.
    (tmp_path / "ckpt-0002.weights.h5").write_bytes(b"\x89HDF half-written")
    assert RunState.load(tmp_path).checkpoint == "ckpt-0001.weights.h5"
    result = train(tiny_config, tmp_path, x=small_x, verbose=0)
    assert [row["epoch"] for row in result.history] == [1, 2]


@pytest.mark.slow
def test_time_budget_stops_training(tiny_config, small_x, tmp_path):
    result = train(dataclasses.replace(tiny_config, epochs=50, minutes=0.05), tmp_path, x=small_x, verbose=0)
    assert result.stopped == "time budget" and len(result.history) < 50


@pytest.mark.slow
def test_lr_decay_holds_then_lowers_both_rates_to_near_zero(tiny_config, small_x, tmp_path):
    # One step per call, so that the callback sees every step's rates.
    config = dataclasses.replace(tiny_config, epochs=2, lr_decay=0.5, g_lr=4e-4, d_lr=2e-4, steps_per_execution=1)
    seen = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append((float(self.model.g_optimizer.learning_rate), float(self.model.d_optimizer.learning_rate)))

    train(config, tmp_path, x=small_x, verbose=0, callbacks=[Record()])
    g, d = np.array(seen).T
    half = len(g) // 2
    assert np.allclose(g[:half], 4e-4) and np.allclose(d[:half], 2e-4)
    assert np.all(np.diff(g[half:]) < 0) and np.allclose(d / g, 0.5)
    assert 0 < g[-1] < 4e-4 * 2 / len(g) * 1.01


def test_nan_in_the_data_is_refused_before_training(tiny_config, small_x, tmp_path):
    bad = small_x.copy()
    bad[3, 5, 5, 0] = np.nan
    with pytest.raises(ValueError, match="1 NaN"):
        train(tiny_config, tmp_path, x=bad, verbose=0)
    with pytest.raises(ValueError, match=r"\(N, 28, 28, 1\)"):
        train(tiny_config, tmp_path / "b", x=small_x[..., 0], verbose=0)


def test_nan_loss_stops_with_advice(tiny_config, small_x, tmp_path):
    """A loss that turns NaN mid-training (here: the generator's weights are poisoned) stops with advice."""
    import keras

    class Poison(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if batch == 1:
                kernel = self.model.generator.get_layer("image").kernel
                kernel.assign(np.full(kernel.shape, np.nan, "float32"))

    config = dataclasses.replace(tiny_config, steps_per_execution=2)  # the poison goes in after the first call
    with pytest.raises(TrainingDiverged, match="lower learning rates"):
        train(config, tmp_path, x=small_x, verbose=0, callbacks=[Poison()])
    assert RunState.load(tmp_path) is None or RunState.load(tmp_path).epoch == 0  # nothing poisoned was saved


def test_other_settings_in_the_same_folder_are_refused(tiny_config, small_x, tmp_path):
    train(dataclasses.replace(tiny_config, epochs=1), tmp_path, x=small_x, verbose=0)
    with pytest.raises(ValueError, match="g_lr"):
        train(dataclasses.replace(tiny_config, g_lr=tiny_config.g_lr / 2), tmp_path, x=small_x, verbose=0)
    assert json.loads((tmp_path / "config.json").read_text())["g_lr"] == tiny_config.g_lr


@pytest.fixture(scope="module")
def small_labelled(mnist):
    from ganlib.data import to_model_range

    (x, y), _ = mnist
    pick = np.random.default_rng(0).choice(len(x), 512, replace=False)
    return to_model_range(x[pick]), y[pick]


@pytest.mark.slow
def test_conditional_run_trains_resumes_and_draws_the_asked_digit_grid(tiny_config, small_labelled, tmp_path):
    from ganlib.models import conditioning_of
    from ganlib.runs import load_frames

    x, y = small_labelled
    config = dataclasses.replace(tiny_config, conditioning=Conditioning(LABELS, 10), epochs=1)
    train(config, tmp_path, x=x, y=y, verbose=0)
    result = train(dataclasses.replace(config, epochs=2), tmp_path, x=x, y=y, verbose=0)
    assert [row["epoch"] for row in result.history] == [1, 2]
    generator = load_generator(tmp_path)
    assert conditioning_of(generator) == Conditioning(LABELS, 10)
    sevens = generate(generator, 6, seed=0, labels=np.full(6, 7))
    threes = generate(generator, 6, seed=0, labels=np.full(6, 3))
    assert sevens.shape == (6, 28, 28) and not np.array_equal(sevens, threes)
    frame = load_frames(tmp_path)[-1]
    assert frame.shape[1] == 10 * 28 + 11 * 2  # one column per digit


@pytest.mark.slow
@pytest.mark.parametrize("label_input", ["concat", "none"])
def test_a_conditional_run_trains_with_each_way_of_showing_the_discriminator_the_label(
        tiny_config, small_labelled, tmp_path, label_input):
    x, y = small_labelled
    config = dataclasses.replace(tiny_config, conditioning=Conditioning(LABELS, 10), epochs=1, label_input=label_input,
                                 r1_weight=1.0)
    result = train(config, tmp_path, x=x, y=y, verbose=0)
    assert np.isfinite(result.history[-1]["d_loss"]) and result.history[-1]["penalty"] > 0
    assert len(result.gan.discriminator.inputs) == (2 if label_input == "concat" else 1)


def test_conditional_run_needs_valid_labels(tiny_config, small_labelled, tmp_path):
    x, _ = small_labelled
    config = dataclasses.replace(tiny_config, conditioning=Conditioning(LABELS, 10), epochs=1)
    with pytest.raises(ValueError, match="needs the labels"):
        train(config, tmp_path / "a", x=x, verbose=0)
    with pytest.raises(ValueError, match="labels must be ints 0 to 9"):
        train(config, tmp_path / "b", x=x, y=np.full(len(x), 12), verbose=0)
    with pytest.raises(ValueError, match="cannot draw a chosen digit"):
        unconditional = dataclasses.replace(tiny_config, conditioning=Conditioning())
        generate(build_gan(unconditional).generator, 3, labels=[1, 2, 3])


def test_runs_dir_can_be_redirected(monkeypatch, tmp_path):
    from ganlib.runs import runs_dir

    assert runs_dir().parts[-2:] == ("build", "runs-quick")  # quick mode in tests
    monkeypatch.setenv("GANLIB_RUNS_DIR", str(tmp_path / "elsewhere"))
    assert runs_dir() == tmp_path / "elsewhere"


class ScriptedFID(keras.callbacks.Callback):
    """Puts a chosen ``fid`` into each epoch's logs, as ``metrics.FIDCallback`` would."""

    def __init__(self, fids):
        super().__init__()
        self.fids = fids

    def on_epoch_end(self, epoch, logs=None):
        logs["fid"] = self.fids[epoch]


@pytest.mark.slow
def test_keep_best_ships_the_lowest_fid_epochs_generator(tiny_config, small_x, tmp_path):
    config = dataclasses.replace(tiny_config, epochs=3, validation=64)
    result = train(config, tmp_path, x=small_x, verbose=0, callbacks=[ScriptedFID([9.0, 4.0, 6.0])], keep_best=True)
    state = RunState.load(tmp_path)
    assert state.best == {"epoch": 2, "fid": 4.0} and state.generator_epoch == 2 and result.best["epoch"] == 2
    assert state.checkpoint == "ckpt-0003.weights.h5"  # training itself would resume from the last epoch
    best = generate(load_generator(tmp_path), 5, seed=3)
    np.testing.assert_array_equal(best, generate(result.generator, 5, seed=3))
    last = build_gan(config)
    last.load_weights(tmp_path / state.checkpoint)
    assert not np.array_equal(best, generate(last.sampler, 5, seed=3))


@pytest.mark.slow
def test_keep_best_without_a_per_epoch_fid_says_what_to_add(tiny_config, small_x, tmp_path):
    with pytest.raises(ValueError, match="FIDCallback"):
        train(dataclasses.replace(tiny_config, validation=64), tmp_path, x=small_x, verbose=0, keep_best=True)


def test_keep_best_refuses_to_choose_on_the_test_digits(tiny_config, small_x, tmp_path):
    with pytest.raises(ValueError, match="held-out training digits, never on the test digits.*validation"):
        train(tiny_config, tmp_path, x=small_x, verbose=0, keep_best=True)
    assert not (tmp_path / "state.json").exists()


@pytest.mark.slow
def test_keep_best_never_reads_the_test_digits(tiny_config, small_x, tmp_path, monkeypatch):
    import ganlib.data
    import ganlib.metrics
    from ganlib.metrics import FIDCallback

    real_load = ganlib.data.load_mnist

    def no_test_digits(*args, **kwargs):
        (x, y), _ = real_load(*args, **kwargs)
        return (x, y), (None, None)  # any use of the test digits fails

    def refuse(*args, **kwargs):
        raise AssertionError("keep_best read the test digits")

    monkeypatch.setattr(ganlib.metrics, "_test_outputs", refuse)
    monkeypatch.setattr(ganlib.metrics, "load_mnist", no_test_digits)
    config = dataclasses.replace(tiny_config, epochs=2, validation=128)
    result = train(config, tmp_path, x=small_x, verbose=0, callbacks=[FIDCallback(n=100)], keep_best=True)
    assert result.best["epoch"] in (1, 2) and RunState.load(tmp_path).generator_epoch == result.best["epoch"]


@pytest.mark.slow
def test_held_out_digits_are_never_trained_on_and_score_the_fid(tiny_config, small_x, tmp_path):
    from ganlib.data import to_uint8
    from ganlib.metrics import FIDCallback, frechet_distance, judge_outputs

    seen = []

    class Batches(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(batch)

    config = dataclasses.replace(tiny_config, epochs=1, validation=128, steps_per_execution=1)
    fid = FIDCallback(n=100)
    train(config, tmp_path, x=small_x, verbose=0, callbacks=[fid, Batches()])
    assert len(seen) == (512 - 128) // 64  # trained on the rest only
    held = to_uint8(small_x[-128:])
    pick = np.random.default_rng(0).permutation(128)[:100]
    np.testing.assert_allclose(fid.reference, judge_outputs(held[pick])[0])
    # MNIST's own split: the last digits of the 60,000, never among the training set's
    from ganlib.data import held_out_set, load_mnist, training_set

    (train_x, _), _ = load_mnist()
    x, _ = training_set(hold_out=1000)
    held_images, _ = held_out_set(1000)
    assert len(x) == 59000 and np.array_equal(held_images, train_x[59000:])
    assert np.array_equal(to_uint8(x[-1:]), train_x[58999:59000])
    assert frechet_distance(judge_outputs(held_images[:500])[0], fid.reference) > 0


@pytest.mark.slow
def test_latent_code_run_learns_to_show_its_code_without_labels(tiny_config, small_x, tmp_path):
    from ganlib.runs import load_frames
    from ganlib.training import generator_inputs

    # Full weight: the course's light 0.05 needs more than 48 steps to show; this checks the mechanism.
    config = dataclasses.replace(tiny_config, conditioning=Conditioning(CODE, 10), code_weight=1.0, batch_size=32,
                                 epochs=3)
    result = train(config, tmp_path, x=small_x, verbose=0)  # no labels given
    losses = [row["code_loss"] for row in result.history]
    assert losses[-1] < losses[0] and losses[-1] < np.log(10)  # log 10: guessing the code at random
    codes = np.arange(300) % 10
    g = result.gan.generator
    noise = np.random.default_rng(5).standard_normal((300, config.latent_dim)).astype("float32")
    # Batch statistics, as in training: after 48 steps the moving averages are not settled yet.
    fakes = g(generator_inputs(g, noise, codes), training=True)
    _, logits = result.gan.discriminator(fakes, training=False)
    assert (np.asarray(logits).argmax(1) == codes).mean() > 0.3  # read back off fresh fakes; chance is 0.1
    assert load_frames(tmp_path)[-1].shape[1] == 10 * 28 + 11 * 2  # one column per code


def test_ema_generator_is_the_moving_average_with_warm_up(tiny_config, small_x):
    """After step t the average moves (1 - decay) of the way to the new weights, decay = min(ema, (1+t)/(10+t))."""
    gan = build_gan(dataclasses.replace(tiny_config, ema=0.999))
    before = [w.copy() for w in gan.ema_generator.get_weights()]
    np.testing.assert_array_equal(before[0], gan.generator.get_weights()[0])  # it starts as a copy
    gan.train_step(small_x[:64])
    decay = min(0.999, 2.0 / 11.0)  # t = 1 after the first step: the warm-up's short average
    for avg, old, new in zip(gan.ema_generator.get_weights(), before, gan.generator.get_weights()):
        np.testing.assert_allclose(avg, decay * old + (1 - decay) * new, rtol=1e-5, atol=1e-6)
    assert not np.allclose(gan.ema_generator.get_weights()[0], gan.generator.get_weights()[0])
    assert gan.sampler is gan.ema_generator


def test_learning_rate_decay_follows_the_clock_when_the_budget_is_minutes(tiny_config):
    from ganlib.training import LearningRateDecay

    class Clock:
        seconds = 0.0

        def elapsed(self):
            return self.seconds

    clock = Clock()
    config = dataclasses.replace(tiny_config, epochs=1000, minutes=10, lr_decay=0.5)
    decay = LearningRateDecay(config, steps_per_epoch=10, clock=clock)
    clock.seconds = 0.25 * 600  # a quarter of the time: before the decay starts
    assert decay.factor(step=1) == 1.0
    clock.seconds = 0.75 * 600  # three quarters: halfway down, although few steps were taken
    assert decay.factor(step=1) == pytest.approx(0.5)
    clock.seconds = 600
    assert decay.factor(step=1) == 0.0


@pytest.mark.slow
def test_mixed_bfloat16_trains_and_keeps_float32_weights(tiny_config, small_x, tmp_path):
    config = dataclasses.replace(tiny_config, epochs=1, precision="mixed_bfloat16")
    result = train(config, tmp_path, x=small_x, verbose=0)
    assert keras.config.dtype_policy().name == "float32"  # the config's precision does not leak to other models
    assert np.isfinite(result.history[0]["d_loss"]) and np.isfinite(result.history[0]["g_loss"])
    networks = (result.gan.generator, result.gan.discriminator, result.gan.sampler)
    assert {w.dtype for net in networks for w in net.weights} == {"float32"}

    def first_convolution(net):
        kinds = (keras.layers.Conv2D, keras.layers.Conv2DTranspose)
        return next(layer for layer in net.layers if isinstance(layer, kinds))

    assert {first_convolution(net).compute_dtype for net in networks} == {"bfloat16"}  # the EMA copy too
    generator = load_generator(tmp_path)  # built from config.json: in bfloat16 again
    assert first_convolution(generator).compute_dtype == "bfloat16"
    images = generate(generator, 4, seed=0)
    assert images.dtype == np.uint8 and images.shape == (4, 28, 28)
    with pytest.raises(ValueError, match="precision"):
        dataclasses.replace(tiny_config, precision="float16")


@pytest.mark.slow
def test_tensorboard_logs_losses_fid_and_the_sample_grid(tiny_config, small_x, tmp_path):
    import glob

    import tensorflow as tf

    from ganlib.metrics import FIDCallback

    train(dataclasses.replace(tiny_config, epochs=2), tmp_path / "run", x=small_x, verbose=0,
          callbacks=[FIDCallback(n=200)], tensorboard=tmp_path / "tb")
    found = {}
    for path in glob.glob(str(tmp_path / "tb" / "**" / "events.out.tfevents.*"), recursive=True):
        for event in tf.compat.v1.train.summary_iterator(path):
            for value in event.summary.value:
                found.setdefault(value.tag, []).append((event.step, value))
    for tag in ("epoch_d_loss", "epoch_g_loss", "epoch_real_score", "epoch_fake_score", "epoch_fid"):
        assert [step for step, _ in found[tag]] == [0, 1], tag  # one value per epoch
    d_loss = [tf.make_ndarray(v.tensor).item() for _, v in found["epoch_d_loss"]]
    history = RunState.load(tmp_path / "run").history
    np.testing.assert_allclose(d_loss, [row["d_loss"] for row in history], rtol=1e-5)
    (step, image), = found["sample grid"][-1:]
    assert step == 2 and tf.make_ndarray(image.tensor)[0] == b"302"  # the PNG's width: 10 columns of codes


def test_the_sample_grid_has_a_row_of_ten_per_label_or_code_else_64_samples():
    from ganlib.config import GANConfig
    from ganlib.training import fixed_noise, sample_grid_noise

    plain = sample_grid_noise(GANConfig(conditioning=Conditioning(), latent_dim=8))
    coded = sample_grid_noise(GANConfig(conditioning=Conditioning(CODE, 4), latent_dim=8))
    assert plain.shape == (64, 8) and coded.shape == (40, 8) and plain.dtype == np.float32
    np.testing.assert_array_equal(coded, fixed_noise(8, 40))  # the same noise every epoch and every run


# ------------------------------------------------------------------- your own GAN: train(config, run, gan=...)

@pytest.mark.slow
def test_your_own_gan_with_unseeded_noise_resumes_without_losing_an_epoch(textbook_config, small_x, tmp_path):
    from own_gan import textbook_gan

    first = dataclasses.replace(textbook_config, epochs=1)
    train(first, tmp_path / "resumed", x=small_x, verbose=0, gan=textbook_gan(first, seeded_noise=False))
    resumed = train(textbook_config, tmp_path / "resumed", x=small_x, verbose=0,
                    gan=textbook_gan(textbook_config, seeded_noise=False))
    assert [row["epoch"] for row in resumed.history] == [1, 2, 3]
    whole = train(textbook_config, tmp_path / "whole", x=small_x, verbose=0,
                  gan=textbook_gan(textbook_config, seeded_noise=False))
    # TensorFlow's hidden random state is not in the checkpoint: the resumed run drew other noise.
    assert not all(np.allclose(a, b, atol=1e-4) for a, b in zip(resumed.gan.get_weights(), whole.gan.get_weights()))


@pytest.mark.slow
def test_the_chapters_textbook_gan_with_real_target_1_and_0_9_trains_different_histories_and_frames(
        textbook_config, small_x, tmp_path, chapter_4):
    from ganlib.metrics import FIDCallback
    from ganlib.runs import load_frames

    config = dataclasses.replace(textbook_config, epochs=2)
    textbook, make_gan = chapter_4["TextbookGAN"], chapter_4["make_gan"]
    runs = {}
    for target in (1.0, 0.9):
        run = tmp_path / f"target-{target}"
        gan_class = type("TextbookGAN", (textbook,), {"real_target": target})
        keras.utils.set_random_seed(config.seed)  # the same starting weights for both
        result = train(config, run, x=small_x, verbose=0, callbacks=[FIDCallback(n=200)],
                       gan=make_gan(gan_class, config))
        runs[target] = (result.history, load_frames(run))
        assert [sorted(row) for row in result.history] == [["classes_covered", "classifier_score", "d_loss", "epoch",
                                                            "fake_score", "fid", "g_loss", "real_score",
                                                            "seconds"]] * 2
    (plain, plain_frames), (smooth, smooth_frames) = runs[1.0], runs[0.9]
    np.testing.assert_array_equal(plain_frames[0], smooth_frames[0])  # the same untrained generator
    assert not np.array_equal(plain_frames[-1], smooth_frames[-1])
    assert plain[0]["d_loss"] != smooth[0]["d_loss"] and plain[-1]["fid"] != smooth[-1]["fid"]


def test_a_run_folder_refuses_another_gan_class(textbook_config, small_x, tmp_path):
    from own_gan import textbook_gan

    first = dataclasses.replace(textbook_config, epochs=1)
    train(first, tmp_path, x=small_x, verbose=0, gan=textbook_gan(first))
    with pytest.raises(ValueError, match="holds a run of own_gan.TextbookGAN, not ganlib.gan.GAN"):
        train(textbook_config, tmp_path, x=small_x, verbose=0)


def test_a_model_without_the_contract_is_refused_in_one_line(textbook_config, small_x, tmp_path):
    from ganlib.models import build_models

    class Half(keras.Model):
        def __init__(self):
            super().__init__()
            self.generator, self.discriminator = build_models(textbook_config)

    with pytest.raises(TypeError, match="Half lacks g_optimizer, d_optimizer"):
        train(textbook_config, tmp_path, x=small_x, verbose=0, gan=Half())
    other = dataclasses.replace(textbook_config, gen_filters=(16, 8, 4))
    from own_gan import textbook_gan

    with pytest.raises(ValueError, match="generator is not the one the config describes"):
        train(textbook_config, tmp_path / "b", x=small_x, verbose=0, gan=textbook_gan(other))


@pytest.mark.slow
def test_algorithm_1_takes_d_steps_discriminator_updates_per_generator_update(tiny_config, small_x, tmp_path):
    config = dataclasses.replace(tiny_config, alternating=True, d_steps=2, epochs=2)
    with pytest.raises(ValueError, match="d_steps=2 is out of range: use 1, or 2 to 100 with alternating=True"):
        dataclasses.replace(config, alternating=False)
    steps = len(small_x) // config.batch_size
    first = train(dataclasses.replace(config, epochs=1), tmp_path / "resumed", x=small_x, verbose=0)
    updates = int(first.gan.d_optimizer.iterations.numpy()), int(first.gan.g_optimizer.iterations.numpy())
    assert updates == (2 * steps, steps)
    resumed = train(config, tmp_path / "resumed", x=small_x, verbose=0)
    whole = train(config, tmp_path / "whole", x=small_x, verbose=0)
    for a, b in zip(resumed.gan.get_weights(), whole.gan.get_weights()):
        np.testing.assert_array_equal(a, b)  # its noise is seeded by the update counts: resume is exact
    assert np.isfinite(whole.history[-1]["code_loss"]) and whole.history[-1]["d_loss"] != first.history[-1]["d_loss"]
