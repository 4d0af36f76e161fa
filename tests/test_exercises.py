"""The exercises' checks, both ways: each accepts the reference solution and rejects typical wrong answers with
a message that says what is wrong; an unanswered exercise is "not yet", never an error, unless grading."""

import json

import numpy as np
import pytest

from ganlib import exercises
from ganlib.config import GANConfig


def right(capsys, check, *args, **kwargs):
    assert check(*args, **kwargs) is True
    out = capsys.readouterr().out
    assert out.startswith("✓"), out
    return out


def wrong(check, *args, match, **kwargs):
    """A wrong answer: in the tests (quick mode) the check raises NotYet with its message."""
    with pytest.raises(exercises.NotYet, match=match):
        check(*args, **kwargs)


def test_an_unanswered_exercise_is_not_yet_and_only_grading_makes_it_fail(capsys, monkeypatch):
    assert exercises.zero_share(None, np.zeros((2, 28, 28), np.uint8)) is False
    assert "Exercise 1.2: not yet" in capsys.readouterr().out
    monkeypatch.setenv("GANLIB_GRADING", "1")
    with pytest.raises(exercises.NotYet, match="not yet"):
        exercises.zero_share(None, np.zeros((2, 28, 28), np.uint8))


def test_a_wrong_answer_is_a_message_when_a_student_runs_the_chapter(capsys, monkeypatch):
    monkeypatch.delenv("GANLIB_QUICK", raising=False)
    x = np.zeros((4, 28, 28), np.uint8)
    assert exercises.zero_share(0.0, x) is False
    assert capsys.readouterr().out.startswith("✗ Exercise 1.2: that is the share of pixels that are *not* 0.")


def test_chapter_1_checks(capsys, mnist):
    (x, y), _ = mnist
    x, y = x[:3000], y[:3000]
    means = np.stack([x[y == d].mean(0) for d in range(10)])
    right(capsys, exercises.class_means, means, x, y)
    wrong(exercises.class_means, means.mean(0), x, y, match=r"shape \(28, 28\); it should be \(10, 28, 28\)")
    wrong(exercises.class_means, np.repeat(x.mean(0)[None], 10, 0), x, y, match="mean of all digits")
    right(capsys, exercises.zero_share, (x == 0).mean(), x)
    wrong(exercises.zero_share, (x == 0).sum(), x, match="is a count")
    wrong(exercises.zero_share, (x < 10).mean(), x, match="not the share of exact zeros")
    right(capsys, exercises.last_batch, [(96, 28, 28, 1)] * 10, 1000, 96)
    wrong(exercises.last_batch, [(96, 28, 28, 1)] * 10 + [(40, 28, 28, 1)], 1000, 96,
          match="last partial one is dropped")
    right(capsys, exercises.loaded_digits, x[:5])
    wrong(exercises.loaded_digits, 255 - x[:5], match="invert=True")
    wrong(exercises.loaded_digits, x[:5].astype("float32"), match="uint8")


def test_chapter_2_checks(capsys):
    from ganlib.models import build_generator

    config = GANConfig()
    course = build_generator(config.latent_dim, config.gen_filters, config.gen_dense, config.kernel_size)
    first, second, *rest = config.gen_filters
    wider = build_generator(config.latent_dim, (first, 2 * second, *rest), config.gen_dense, config.kernel_size)
    right(capsys, exercises.extra_parameters, wider.count_params() - course.count_params(), config)
    # The widened layer's kernels (first → second more channels, 4×4) and batch norm, counted alone:
    wrong(exercises.extra_parameters, second * first * 16 + 4 * second, config, match="next transposed convolution")
    small = build_generator(2, config.gen_filters, config.gen_dense, config.kernel_size)
    assert "12,544 fewer" in right(capsys, exercises.small_generator, small, course)
    wrong(exercises.small_generator, course, course, match=r"noise of shape \(100,\), not \(2,\)")
    import keras

    too_small = keras.Sequential([keras.Input((2,)), keras.layers.Dense(14 * 14), keras.layers.Reshape((14, 14, 1))])
    wrong(exercises.small_generator, too_small, course, match="your generator draws 14×14 images")
    no_hidden = build_generator(config.latent_dim, config.gen_filters, (), config.kernel_size)
    two = build_generator(config.latent_dim, config.gen_filters, (256, 256), config.kernel_size)
    right(capsys, exercises.dense_variants, no_hidden, two, config)
    wrong(exercises.dense_variants, no_hidden, course, config,
          match=f"`two_hidden` has {course.count_params():,} parameters")
    five = build_generator(config.latent_dim, config.gen_filters, config.gen_dense, 5)
    right(capsys, exercises.kernel_five, five, config)
    wrong(exercises.kernel_five, course, config, match="pass 5 as the last argument")


def test_chapter_3_checks(capsys, small_x):
    import keras

    from ganlib.models import build_discriminator, build_generator

    p_fake, after = np.full(8, 0.5), np.full(8, 0.01)
    right(capsys, exercises.generator_losses, -np.log(0.5), -np.log(0.01), p_fake, after)
    wrong(exercises.generator_losses, -np.log(0.5), -np.log(0.99), p_fake, after, match="discriminator's loss on fakes")
    wrong(exercises.generator_losses, 0.5, 0.01, p_fake, after, match="average −log of the fakes")
    d, g = build_discriminator((8, 16), (16,), 4, 0.3), build_generator(16, (32, 16, 8), (16,), 4)
    right(capsys, exercises.parameter_counts, d.count_params(), g.count_params(), d, g)
    wrong(exercises.parameter_counts, g.count_params(), d.count_params(), d, g, match="swap them")
    right(capsys, exercises.flat_discriminator, lambda x: np.full(len(x), 0.5))
    wrong(exercises.flat_discriminator, lambda x: 1 / (1 + np.exp(-3 * np.asarray(x))), match="strays")
    plain = build_discriminator((8, 16), (16,), 4, 0.0)
    wrong(exercises.no_dropout_model, plain, match="not been trained")
    plain.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
    plain.fit(small_x[:64], np.ones(64), epochs=1, verbose=0)
    right(capsys, exercises.no_dropout_model, plain)
    d.compile(keras.optimizers.Adam(1e-3), "binary_crossentropy")
    wrong(exercises.no_dropout_model, d, match="still drops 30%")
    right(capsys, exercises.smoothed_scores, 0.89)
    wrong(exercises.smoothed_scores, 0.99, match="trained with target 1")


def test_chapter_4_checks(capsys, tmp_path):
    from ganlib.runs import RunState

    # D(fake) 0.05: the mean of log(1 - D) lies between 2 log 0.95 - 0.05 = -0.153 and log 0.95 = -0.051.
    right(capsys, exercises.saturating_logs, [{"g_loss": -0.06, "fake_score": 0.05}])
    wrong(exercises.saturating_logs, [{"g_loss": 3.2, "fake_score": 0.05}], match="still −log D")
    wrong(exercises.saturating_logs, [{"g_loss": -3.2, "fake_score": 0.05}], match="or log D")  # log D, not log(1-D)
    wrong(exercises.saturating_logs, [{"g_loss": -0.06}], match="no `fake_score`")
    state = RunState(history=[{"epoch": 1}, {"epoch": 2}, {"epoch": 3}], sessions=[0])
    state.save(tmp_path)
    wrong(exercises.history_epochs, [1, 2, 3], tmp_path, match="never resumed")  # a run that finished in one go
    state.sessions = [0, 1]
    state.save(tmp_path)
    right(capsys, exercises.history_epochs, [1, 2, 3], tmp_path)
    wrong(exercises.history_epochs, [1, 2], tmp_path, match="not the epochs the run folder recorded")


@pytest.mark.slow
def test_label_smoothing_check_compares_the_steps_weights_with_ganlibs(capsys, chapter_4):
    textbook, make_gan = chapter_4["TextbookGAN"], chapter_4["make_gan"]
    right(capsys, exercises.smoothed_step, type("SmootherGAN", (textbook,), {"real_target": 0.8}), make_gan)
    wrong(exercises.smoothed_step, textbook, make_gan, match="your real target is 1.0")

    class NeverApplies(textbook):  # the right losses, but no update: the weights give it away
        real_target = 0.8

        def train_step(self, real):
            d_apply, g_apply = self.d_optimizer.apply, self.g_optimizer.apply
            self.d_optimizer.apply = self.g_optimizer.apply = lambda grads, variables: None
            try:
                return super().train_step(real)
            finally:
                self.d_optimizer.apply, self.g_optimizer.apply = d_apply, g_apply

    wrong(exercises.smoothed_step, NeverApplies, make_gan, match="weight array")


@pytest.mark.slow
def test_algorithm_1_check_counts_the_discriminator_steps(capsys, chapter_4):
    alternating, make_gan = chapter_4["AlternatingGAN"], chapter_4["make_gan"]
    right(capsys, exercises.alternating_step, type("TwoStepGAN", (alternating,), {"k": 2}), make_gan)
    wrong(exercises.alternating_step, alternating, make_gan, match="your k is 1")


def test_chapter_5_checks(capsys, mnist, tmp_path):
    import keras

    from ganlib.data import to_model_range, to_uint8

    _, (xt, _) = mnist
    blur = to_uint8(keras.layers.AveragePooling2D(3, strides=1, padding="same")(to_model_range(xt[:50])).numpy())
    right(capsys, exercises.blurred, blur, xt)
    wrong(exercises.blurred, xt[:50], xt, match="not the test digits averaged")
    wrong(exercises.blurred, to_model_range(xt[:50])[..., 0], xt, match="wrap the result in `to_uint8")
    features = np.random.default_rng(0).normal(size=(1000, 8))
    right(capsys, exercises.means_only_fid, lambda a, b: np.sum((a.mean(0) - b.mean(0)) ** 2), features)
    wrong(exercises.means_only_fid, lambda a, b: np.linalg.norm(a.mean(0) - b.mean(0)), features, match="its square")
    report = {"n": 100, "generated": {"fid": 12.0}}
    right(capsys, exercises.evaluation_report, report, 100, "Exercise 5.1")
    wrong(exercises.evaluation_report, report, 2000, "Exercise 5.1", match="use N = 2,000")
    wrong(exercises.evaluation_report, {"fid": 3}, 100, "Exercise 5.1", match="not an evaluate")
    # 5.2: the one-epoch generator's report, not the trained one's it is compared with
    trained = {**report, "generated": {**report["generated"], "fid": report["generated"]["fid"] / 4}}
    right(capsys, exercises.evaluation_report, report, 100, "Exercise 5.2", trained=trained)
    wrong(exercises.evaluation_report, trained, 100, "Exercise 5.2", trained=trained, match="not far above")
    path = tmp_path / "report.json"
    wrong(exercises.report_file, path, match="there is no file")
    path.write_text(json.dumps(report))
    right(capsys, exercises.report_file, path)


def test_chapter_6_check_scores_a_set_of_one_digit(capsys):
    from ganlib.metrics import classifier_score, judge_outputs
    from ganlib.runs import load_generator
    from ganlib.training import generate

    cgen = load_generator("pretrained-conditional")
    fours = generate(cgen, 100, seed=0, labels=np.full(100, 4))
    right(capsys, exercises.one_digit_score, classifier_score(judge_outputs(fours)[1]), cgen, 4)
    mixed = generate(cgen, 100, seed=0)  # every digit: the score of a spread set, near 10
    wrong(exercises.one_digit_score, classifier_score(judge_outputs(mixed)[1]), cgen, 4, match="labels=np.full")
    wrong(exercises.one_digit_score, 0.0, cgen, 4, match="not a classifier score")


def test_chapter_7_checks(capsys, mnist):
    from ganlib.data import to_model_range

    (x, y), _ = mnist
    x, y = x[:500], y[:500]
    right(capsys, exercises.one_class, to_model_range(x[y == 1]), x, y, 1)
    wrong(exercises.one_class, to_model_range(x[y == 7]), x, y, 1, match="select with `f_labels == 1`")
    wrong(exercises.one_class, x[y == 1], x, y, 1, match="use `to_model_range`")
    (m, _), _ = mnist
    right(capsys, exercises.zero_shares, {"MNIST": (m == 0).mean(), "Fashion-MNIST": (x == 0).mean()}, x)
    wrong(exercises.zero_shares, {"MNIST": (m == 0).mean()}, x, match="missing 'Fashion-MNIST'")


def test_chapter_8_checks(capsys):
    from ganlib.failures import FAILURES, Setting
    from ganlib.toy import ToyRun

    failures = dict(FAILURES)
    assert exercises.added_failure(failures) is False
    assert "not yet" in capsys.readouterr().out
    failures["no dropout"] = Setting({"dropout": 0.0}, "the discriminator without dropout")
    right(capsys, exercises.added_failure, failures)
    failures["no dropout"] = Setting({"dropout": 0.1}, "...")
    wrong(exercises.added_failure, failures, match=r"the failure is `\{\"dropout\": 0.0\}`")
    asked = {"g_lr": 1e-4, "d_lr": 4e-4, "r1_weight": 0.0, "loss": "bce"}
    right(capsys, exercises.toy_two_timescales, ToyRun(asked, covered=[1, 8]))
    wrong(exercises.toy_two_timescales, ToyRun(asked), match="recorded no snapshots")
    wrong(exercises.toy_two_timescales, ToyRun({**asked, "d_lr": 1e-4}, covered=[1, 8]),
          match="d_lr=0.0001; the exercise asks for d_lr=0.0004")
    right(capsys, exercises.memorisation_sizes, {100: 0.6, 400: 0.2, 1000: 0.01})
    wrong(exercises.memorisation_sizes, {400: 0.2}, match="give the chapter's 100 and at least 400")
    wrong(exercises.memorisation_sizes, {100: 60, 400: 20}, match="a fraction of the samples")
    wrong(exercises.memorisation_sizes, {100: 0.2, 400: 0.5}, match="400 distinct digits gave more near-copies")


def test_the_divergence_jumps_check_reads_the_run(capsys):
    from types import SimpleNamespace

    rows = [{"step": 5 * i, "d_grad_norm": 1.0, "g_grad_norm": 2.0} for i in range(20)]
    rows[12]["d_grad_norm"], rows[15]["g_grad_norm"] = 40.0, 50.0
    run = SimpleNamespace(steps=rows)
    assert exercises.first_jumps(None, run) is False and "not yet" in capsys.readouterr().out
    right(capsys, exercises.first_jumps, {"d_grad_norm": 60, "g_grad_norm": 75}, run)
    right(capsys, exercises.first_jumps, {"d_grad_norm": 60, "g_grad_norm": None}, run)
    wrong(exercises.first_jumps, {"d_grad_norm": 5, "g_grad_norm": None}, run, match="not a jump from its early")
    wrong(exercises.first_jumps, {"d_grad_norm": 61, "g_grad_norm": None}, run, match="not one of the run's logged")
    wrong(exercises.first_jumps, {"d_grad_norm": None, "g_grad_norm": None}, run, match="neither network jumps")
    wrong(exercises.first_jumps, {"d": 60}, run, match="give exactly")


@pytest.mark.slow
def test_the_fashion_judge_check_measures_accuracy(capsys, mnist, monkeypatch):
    import ganlib.data
    from ganlib.metrics import build_judge, load_judge

    monkeypatch.setattr(ganlib.data, "load_fashion_mnist", lambda: mnist)  # MNIST stands in for the clothes
    right(capsys, exercises.fashion_judge, load_judge()[0])
    wrong(exercises.fashion_judge, build_judge(), match="fit it on Fashion-MNIST's images")


def test_chapter_6_and_7_run_checks(capsys, mnist):
    from types import SimpleNamespace

    from ganlib.config import LABELS, Conditioning
    from ganlib.models import build_generator

    history = [{"label_agreement": 0.9, "fid": 30.0}] * 2
    unsmoothed = SimpleNamespace(gan=SimpleNamespace(label_smoothing=0.0), history=history)
    right(capsys, exercises.unsmoothed_run, unsmoothed, 2)
    wrong(exercises.unsmoothed_run, SimpleNamespace(gan=SimpleNamespace(label_smoothing=0.1), history=history), 2,
          match="label smoothing 0.1")
    wrong(exercises.unsmoothed_run, SimpleNamespace(gan=SimpleNamespace(label_smoothing=0.0), history=history[:1]), 2,
          match="trained 1 epochs, the chapter's run 2")
    wrong(exercises.unsmoothed_run, SimpleNamespace(gan=SimpleNamespace(label_smoothing=0.0), history=[{"fid": 1}] * 2),
          2, match="FIDCallback")
    a, b = np.zeros((8, 28, 28, 1), "float32"), np.full((8, 28, 28, 1), 0.5, "float32")
    right(capsys, exercises.label_blends, {"all zeros": a, "half 3, half 8": b})
    wrong(exercises.label_blends, {"all zeros": a, "half 3, half 8": a}, match="drew the same images")
    wrong(exercises.label_blends, {"zeros": a}, match="give exactly")
    wrong(exercises.label_blends, {"all zeros": a[:4], "half 3, half 8": b}, match=r"\(8, 28, 28, 1\)")
    conditional = build_generator(latent_dim=8, filters=(16, 8), conditioning=Conditioning(LABELS, 10))
    right(capsys, exercises.fashion_conditional, np.zeros((16, 28, 28, 1)), conditional)
    wrong(exercises.fashion_conditional, np.zeros((16, 28, 28, 1)), build_generator(latent_dim=8, filters=(16, 8)),
          match="takes no labels")
    (x, _), _ = mnist
    fifty = x[:50]
    out = right(capsys, exercises.fifty_copies, np.full(16, 0.5), fifty)
    assert "the 50 themselves sit" in out
    wrong(exercises.fifty_copies, np.full(16, 0.5), x[:40], match=r"`fifty` is \(40, 28, 28\)")
    wrong(exercises.fifty_copies, -np.ones(16), fifty, match="non-negative")
    assert exercises.fifty_copies(None, fifty) is False and "not yet" in capsys.readouterr().out
