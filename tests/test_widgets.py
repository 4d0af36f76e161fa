import imageio.v3 as iio
import numpy as np
import pytest

from ganlib import widgets
from ganlib.models import build_generator, latent_size


@pytest.fixture(scope="module")
def generator():
    return build_generator(latent_dim=16, filters=(32, 16, 8))


def decode(png):
    return iio.imread(png, extension=".png")


def test_latent_explorer_redraws_on_every_control(generator):
    box = widgets.latent_explorer(generator, seed=3, n_sliders=4)
    first, first_png = box.current().copy(), box.image.value
    assert first.shape == (28, 28) and decode(first_png).shape == (28 * 6, 28 * 6)
    box.controls["z0"].value = 2.5
    moved = box.current().copy()
    assert not np.array_equal(first, moved) and box.image.value != first_png
    box.controls["z0"].value = 0.0
    np.testing.assert_array_equal(box.current(), first)  # the same noise draws the same digit
    box.controls["seed"].value = 4
    assert not np.array_equal(box.current(), first)
    assert all(not s.continuous_update for s in box.controls.values())


def test_interpolation_explorer_moves_and_exports(generator, tmp_path):
    gif = tmp_path / "walk.gif"
    box = widgets.interpolation_explorer(generator, seed_a=1, seed_b=2, steps=6, gif_path=gif)
    path = box.path_images()
    assert path.shape == (6, 28, 28)
    before = box.image.value
    box.controls["t"].value = 0.0
    assert box.image.value != before
    np.testing.assert_array_equal(decode(box.image.value)[::8, ::8], path[0])  # t = 0 is seed A exactly
    box.export_button.click()
    assert gif.exists() and iio.imread(gif, index=None).shape[0] == 46
    assert str(gif) in box.status.value


@pytest.fixture(scope="module")
def conditional_generator():
    """The shipped conditional generator: trained, so the judge can check what the explorers draw."""
    from ganlib.runs import load_generator

    return load_generator("pretrained-conditional")


def judged(images):
    from ganlib.metrics import judge_outputs

    return judge_outputs(np.asarray(images))[1].argmax(1)


def test_digit_picker_draws_the_chosen_digit(conditional_generator):
    box = widgets.latent_explorer(conditional_generator, seed=5, digit=7)
    assert list(box.controls["digit"].options) == list(range(10))
    drawn = {}
    for digit in (3, 8, 0):
        before = box.image.value
        box.controls["digit"].value = digit
        assert box.image.value != before
        drawn[digit] = box.current().copy()
    assert list(judged(list(drawn.values()))) == list(drawn)
    styled = box.current().copy()
    box.controls["z1"].value = 2.0  # a style slider changes the stroke, not the digit
    assert not np.array_equal(styled, box.current()) and judged([box.current()])[0] == 0


def test_interpolation_between_two_digits_morphs_one_into_the_other(conditional_generator, tmp_path):
    box = widgets.interpolation_explorer(conditional_generator, seed_a=2, seed_b=2, steps=8, digit_a=1,
                                         digit_b=7, gif_path=tmp_path / "morph.gif")
    path = box.path_images()
    assert list(judged(path[[0, -1]])) == [1, 7]
    box.controls["digit_b"].value = 4
    assert judged(box.path_images()[[-1]])[0] == 4
    box.export_button.click()
    assert (tmp_path / "morph.gif").exists()


def test_slerp_keeps_the_ends():
    a, b = widgets.seed_noise(0, 8), widgets.seed_noise(1, 8)
    np.testing.assert_allclose(widgets.slerp(a, b, 0.0), a, atol=1e-6)
    np.testing.assert_allclose(widgets.slerp(a, b, 1.0), b, atol=1e-6)


@pytest.mark.slow
def test_training_panel_trains_previews_and_exports(small_x, tiny_config, tmp_path):
    import dataclasses

    panel = widgets.training_panel(tmp_path / "runs", x=small_x, config=dataclasses.replace(tiny_config, epochs=1),
                                   gif_path=tmp_path / "panel.gif")
    assert panel.export_button.disabled and panel.preview.value == b""
    panel.controls["batch_size"].value = 128
    panel.controls["epochs"].value = 2
    panel.controls["loss"].value = "hinge"
    panel.train_button.click()
    panel.join(120)
    assert panel.result is not None and len(panel.result.history) == 2, panel.status.value
    assert latent_size(panel.result.gan.generator) == tiny_config.latent_dim and panel.result.gan.loss == "hinge"
    assert "b128" in panel.run_dir.name and "hinge" in panel.run_dir.name and decode(panel.preview.value).ndim == 2
    assert panel.stop_button.disabled and not panel.train_button.disabled
    panel.export_button.click()
    assert (tmp_path / "panel.gif").exists()


def test_training_panel_trains_your_own_gan(small_x, tiny_config, tmp_path):
    import dataclasses

    from own_gan import TextbookGAN, textbook_gan

    from ganlib.config import Conditioning

    config = dataclasses.replace(tiny_config, epochs=1, ema=0.0, label_smoothing=0.0, conditioning=Conditioning())
    panel = widgets.training_panel(tmp_path, x=small_x, config=config, make_gan=textbook_gan)
    assert "loss" not in panel.controls  # the student's train_step has its own loss
    panel.controls["latent_dim"].value = 8
    panel.train_button.click()
    panel.join(120)
    assert isinstance(panel.result.gan, TextbookGAN) and len(panel.result.history) == 1, panel.status.value
    assert latent_size(panel.result.generator) == 8 and panel.run_dir.name.startswith("TextbookGAN_")
    assert "epoch 1: d_loss" in panel.status.value and decode(panel.preview.value).ndim == 2


@pytest.mark.slow
def test_training_panel_stops_and_resumes(small_x, tiny_config, tmp_path, monkeypatch):
    import dataclasses

    import keras

    panel = widgets.training_panel(tmp_path, x=small_x, config=dataclasses.replace(tiny_config, epochs=4))
    # A student presses Stop during the first epoch: training ends after that epoch, its checkpoint saved.
    with monkeypatch.context() as m:
        m.setattr(keras.callbacks.Callback, "on_train_batch_end", lambda self, batch, logs=None: (
            panel.stop_button.click() if batch >= 2 and not panel.stop_button.disabled else None))
        panel.train_button.click()
        panel.join(120)
    assert len(panel.result.history) == 1 and "press Train to resume" in panel.status.value
    panel.train_button.click()  # same settings, same folder: resumes at epoch 2
    panel.join(120)
    assert [row["epoch"] for row in panel.result.history] == [1, 2, 3, 4]


def test_training_panel_reports_out_of_range_values(small_x, tiny_config, tmp_path):
    panel = widgets.training_panel(tmp_path, x=small_x, config=tiny_config)
    panel.controls["g_lr"].value = 1e-2  # the slider's top, still valid…
    panel.controls["epochs"].value = 1
    panel.controls["latent_dim"].value = 2
    panel.controls["g_lr"].max = 1  # …but a student can widen the slider: 10 ** 1 = 10 is not a learning rate
    panel.controls["g_lr"].value = 10.0
    panel.train_button.click()
    panel.join(10)
    assert panel.result is None and "g_lr" in panel.status.value and "out of range" in panel.status.value
