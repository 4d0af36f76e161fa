import json

import keras
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
    # Counted from the layers: two 3×3 convolutions (16 and 32 maps), the hidden dense layer on the 7×7×32
    # features, the real/fake unit and the head for the ten latent codes.
    conv = (3 * 3 * 1 * 16 + 16) + (3 * 3 * 16 * 32 + 32)
    dense = 7 * 7 * 32 * 128 + 128
    assert d.count_params() == conv + dense + (128 + 1) + (128 * 10 + 10)


def test_config_rejects_out_of_range_values():
    with pytest.raises(ValueError, match="g_lr"):
        GANConfig(g_lr=5.0)
    with pytest.raises(ValueError, match="batch_size"):
        GANConfig(batch_size=0)
    assert (GANConfig().quick().n_train, GANConfig(n_train=300, epochs=5).quick().epochs) == (512, 2)
    assert GANConfig(n_train=300).quick().n_train == 300  # never more digits than asked for


def test_conditional_generator_takes_one_hot_labels_and_draws_per_label():
    from ganlib.config import LABELS, Conditioning
    from ganlib.models import conditioning_of, latent_size

    g = build_generator(latent_dim=16, filters=(32, 16, 8), conditioning=Conditioning(LABELS, 10))
    assert conditioning_of(g) == Conditioning(LABELS, 10) and latent_size(g) == 16
    noise = np.repeat(np.random.default_rng(0).standard_normal((1, 16)).astype("float32"), 2, axis=0)
    labels = np.eye(10, dtype="float32")[[3, 8]]
    out = np.asarray(g([noise, labels]))
    assert out.shape == (2, 28, 28, 1)
    assert not np.allclose(out[0], out[1])  # same noise, other label: another image


def test_projection_discriminator_scores_depend_on_the_label():
    from ganlib.config import LABELS, Conditioning

    d = build_discriminator(filters=(8, 16), conditioning=Conditioning(LABELS, 10))
    images = np.random.default_rng(1).uniform(-1, 1, (2, 28, 28, 1)).astype("float32")
    p3 = np.asarray(d([images, np.eye(10, dtype="float32")[[3, 3]]]))
    p5 = np.asarray(d([images, np.eye(10, dtype="float32")[[5, 5]]]))
    assert p3.shape == (2, 1) and ((0 < p3) & (p3 < 1)).all() and not np.allclose(p3, p5)


def test_the_discriminator_sees_the_label_by_projection_by_concatenation_or_not_at_all():
    from ganlib.config import LABELS, Conditioning

    images = np.random.default_rng(1).uniform(-1, 1, (2, 28, 28, 1)).astype("float32")
    threes, fives = np.eye(10, dtype="float32")[[3, 3]], np.eye(10, dtype="float32")[[5, 5]]
    concat = build_discriminator(filters=(8, 16), conditioning=Conditioning(LABELS, 10), label_input="concat")
    # the label enters as ten constant channels beside the pixels: the first convolution has 1 + 10 inputs
    first = next(layer for layer in concat.layers if layer.__class__.__name__ == "Conv2D")
    assert first.kernel.shape[2] == 11
    assert not np.allclose(np.asarray(concat([images, threes])), np.asarray(concat([images, fives])))
    blind = build_discriminator(filters=(8, 16), conditioning=Conditioning(LABELS, 10), label_input="none")
    assert len(blind.inputs) == 1 and np.asarray(blind(images)).shape == (2, 1)
    with pytest.raises(ValueError, match="label_input='both' is out of range: use one of 'projection'"):
        GANConfig(conditioning=Conditioning(LABELS, 10), label_input="both")


def test_unconditional_models_stay_single_input():
    from ganlib.config import LABELS, NONE, Conditioning
    from ganlib.models import conditioning_of

    g, d = build_models(GANConfig(gen_filters=(16, 8), disc_filters=(8,), conditioning=Conditioning()))
    assert len(g.inputs) == len(d.inputs) == 1 and conditioning_of(g).kind == conditioning_of(d).kind == NONE
    g, d = build_models(GANConfig(gen_filters=(16, 8), disc_filters=(8,), conditioning=Conditioning(LABELS, 10)))
    assert len(g.inputs) == len(d.inputs) == 2 and conditioning_of(g) == conditioning_of(d) == Conditioning(LABELS, 10)


def test_latent_code_models_take_a_code_and_guess_it_back():
    from ganlib.config import CODE, Conditioning
    from ganlib.models import conditioning_of
    from ganlib.widgets import latent_explorer

    g, d = build_models(GANConfig(gen_filters=(16, 8), disc_filters=(8,), latent_dim=16))
    assert conditioning_of(g) == Conditioning(CODE, 10)  # the default: ten codes, one-hot beside the noise
    assert latent_explorer(g).controls["digit"].description == "code"  # a picker that does not promise a digit
    assert len(d.inputs) == 1  # the discriminator is not told the code: it must read it off the image
    real, code_logits = d(np.zeros((3, 28, 28, 1), "float32"))
    assert real.shape == (3, 1) and code_logits.shape == (3, 10)
    # A clone (the EMA generator, or a student's copy) carries no conditioning: it is read from the inputs.
    assert conditioning_of(keras.models.clone_model(g)) == Conditioning(CODE, 10)


def test_conditioning_is_one_field_saved_and_read_back():
    from ganlib.config import CODE, LABELS, Conditioning

    config = GANConfig(conditioning="labels:10")
    assert config.conditioning == Conditioning(LABELS, 10) and config.labelled
    assert json.loads(config.to_json())["conditioning"] == {"kind": "labels", "size": 10}
    assert GANConfig.from_dict(json.loads(config.to_json())) == config
    assert GANConfig.tutorial().conditioning == Conditioning()
    assert GANConfig.from_dict({"seed": 1}).conditioning == GANConfig().conditioning  # a field left out: default
    with pytest.raises(ValueError, match="conditional, num_classes: fields of an older ganlib"):
        GANConfig.from_dict({"conditional": True, "num_classes": 10})
    with pytest.raises(ValueError, match="extra: fields of an older ganlib"):
        GANConfig.from_dict({"extra": {"jit_compile": True}})
    with pytest.raises(ValueError, match="size is an integer from 2 to 1000"):
        Conditioning(CODE, 1)
    with pytest.raises(ValueError, match="use 'none', 'labels' or 'code'"):
        GANConfig(conditioning="digits:10")


def test_predict_in_batches_matches_one_call_for_one_or_several_inputs_and_outputs():
    from ganlib.models import predict_in_batches

    g, d = build_models(GANConfig(gen_filters=(16, 8), disc_filters=(8,), latent_dim=16))
    rng = np.random.default_rng(0)
    noise, code = rng.standard_normal((7, 16)).astype("float32"), np.eye(10, dtype="float32")[rng.integers(0, 10, 7)]
    images = predict_in_batches(g, [noise, code], batch_size=3)  # 3 + 3 + 1 rows
    np.testing.assert_allclose(images, g([noise, code], training=False).numpy(), atol=1e-5)
    real, code_logits = predict_in_batches(d, images, batch_size=4)  # two outputs: a list of two arrays
    expected = d(images, training=False)
    assert real.shape == (7, 1) and code_logits.shape == (7, 10)
    np.testing.assert_allclose(code_logits, expected[1].numpy(), atol=1e-5)
    with pytest.raises(ValueError, match="no rows"):
        predict_in_batches(g, [noise[:0], code[:0]])
