import numpy as np
import pytest

from ganlib.config import GANConfig
from ganlib.models import build_discriminator, build_generator, build_models


def test_generator_shapes_and_range():
    g = build_generator(latent_dim=16, filters=(32, 16, 8))
    assert g.input_shape == (None, 16)
    assert g.output_shape == (None, 28, 28, 1)
    out = np.asarray(g(np.random.default_rng(0).standard_normal((5, 16)).astype("float32")))
    assert out.shape == (5, 28, 28, 1) and -1 <= out.min() and out.max() <= 1


@pytest.mark.parametrize("filters", [(16, 8), (32, 16, 8, 4)])
def test_generator_depth_is_configurable(filters):
    assert build_generator(8, filters, dense_units=(32,)).output_shape == (None, 28, 28, 1)


def test_discriminator_shapes_and_range():
    d = build_discriminator(filters=(8, 16), dense_units=(32,), dropout=0.2)
    assert d.input_shape == (None, 28, 28, 1) and d.output_shape == (None, 1)
    p = np.asarray(d(np.zeros((3, 28, 28, 1), "float32")))
    assert p.shape == (3, 1) and ((0 < p) & (p < 1)).all()


def test_models_follow_the_config():
    from ganlib.models import latent_size

    g, d = build_models(GANConfig(latent_dim=32, gen_filters=(64, 32, 16), disc_filters=(16, 32), kernel_size=3))
    assert latent_size(g) == 32
    assert g.get_layer("image").kernel.shape[:2] == (3, 3)
    assert d.count_params() < g.count_params()


def test_config_rejects_out_of_range_values():
    with pytest.raises(ValueError, match="g_lr"):
        GANConfig(g_lr=5.0)
    with pytest.raises(ValueError, match="batch_size"):
        GANConfig(batch_size=0)
    assert GANConfig().quick().n_train == 2048


def test_conditional_generator_takes_one_hot_labels_and_draws_per_label():
    from ganlib.models import is_conditional, latent_size, num_classes

    g = build_generator(latent_dim=16, filters=(32, 16, 8), num_classes=10)
    assert is_conditional(g) and num_classes(g) == 10 and latent_size(g) == 16
    noise = np.repeat(np.random.default_rng(0).standard_normal((1, 16)).astype("float32"), 2, axis=0)
    labels = np.eye(10, dtype="float32")[[3, 8]]
    out = np.asarray(g([noise, labels]))
    assert out.shape == (2, 28, 28, 1)
    assert not np.allclose(out[0], out[1])  # same noise, other label: another image


def test_projection_discriminator_scores_depend_on_the_label():
    d = build_discriminator(filters=(8, 16), num_classes=10)
    images = np.random.default_rng(1).uniform(-1, 1, (2, 28, 28, 1)).astype("float32")
    p3 = np.asarray(d([images, np.eye(10, dtype="float32")[[3, 3]]]))
    p5 = np.asarray(d([images, np.eye(10, dtype="float32")[[5, 5]]]))
    assert p3.shape == (2, 1) and ((0 < p3) & (p3 < 1)).all() and not np.allclose(p3, p5)


def test_unconditional_models_stay_single_input():
    from ganlib.models import is_conditional

    g, d = build_models(GANConfig(gen_filters=(16, 8), disc_filters=(8,), latent_codes=0))
    assert not is_conditional(g) and not is_conditional(d)
    g, d = build_models(GANConfig(gen_filters=(16, 8), disc_filters=(8,), conditional=True))
    assert is_conditional(g) and is_conditional(d)


def test_latent_code_models_take_a_code_and_guess_it_back():
    from ganlib.models import has_latent_code, is_conditional, num_classes
    from ganlib.widgets import latent_explorer

    g, d = build_models(GANConfig(gen_filters=(16, 8), disc_filters=(8,), latent_dim=16, latent_codes=10))
    assert is_conditional(g) and num_classes(g) == 10  # the code enters like a label: one-hot beside the noise
    assert has_latent_code(g) and not has_latent_code(build_models(GANConfig(conditional=True))[0])
    assert latent_explorer(g).controls["digit"].description == "code"  # a picker that does not promise a digit
    assert not is_conditional(d)  # but the discriminator is not told it: it must read it off the image
    real, code_logits = d(np.zeros((3, 28, 28, 1), "float32"))
    assert real.shape == (3, 1) and code_logits.shape == (3, 10)
    assert GANConfig(latent_codes=10, conditional=True).latent_codes == 0  # the label takes the code's place
    assert GANConfig().latent_codes == 10 and GANConfig.tutorial().latent_codes == 0
    assert GANConfig.from_dict({"seed": 1}).latent_codes == 0  # a config.json from before the codes: none
    with pytest.raises(ValueError, match="latent_codes"):
        GANConfig(latent_codes=1)
