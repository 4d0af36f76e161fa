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
    g, d = build_models(GANConfig(latent_dim=32, gen_filters=(64, 32, 16), disc_filters=(16, 32), kernel_size=3))
    assert g.input_shape == (None, 32)
    assert g.get_layer("image").kernel.shape[:2] == (3, 3)
    assert d.count_params() < g.count_params()


def test_config_rejects_out_of_range_values():
    with pytest.raises(ValueError, match="g_lr"):
        GANConfig(g_lr=5.0)
    with pytest.raises(ValueError, match="batch_size"):
        GANConfig(batch_size=0)
    assert GANConfig().quick().n_train == 2048
