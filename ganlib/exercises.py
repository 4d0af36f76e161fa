"""Feedback on the chapters' exercises: each check looks at your answer and says, in words, what is right or wrong.

A check cell follows each code exercise. Before you have answered (the scaffold still holds ``None``), a check
prints "not yet" and what to do, and the chapter carries on. When your answer is wrong it says why, e.g.
"your generator draws 14×14 images: ...". When it is right it says so and what the numbers mean.

Where answers are graded (``GANLIB_GRADING=1``, e.g. nbgrader's autograder), a check that is not satisfied
raises ``NotYet``, so the grader counts it as failed; the course's own tests (quick mode, or
``GANLIB_STRICT=1``) raise for a wrong answer too, so a solution that stops working fails the build.
"""

from __future__ import annotations

import numpy as np

from .checks import strict
from .config import env_flag


class NotYet(AssertionError):
    """An exercise's answer is missing or wrong (raised only when grading, or for a wrong answer in the tests)."""


def grading() -> bool:
    """True when checks must fail loudly: ``GANLIB_GRADING=1`` (set it for nbgrader's autograder)."""
    return env_flag("GANLIB_GRADING")


def missing(answer) -> bool:
    """True for an answer still left as the scaffold's placeholder (``None`` or ``...``)."""
    return answer is None or answer is Ellipsis


def not_yet(exercise: str, todo: str) -> bool:
    """Report an unanswered exercise: prints what to do; raises ``NotYet`` only when grading.

    Returns:
        bool: False.
    """
    message = f"… {exercise}: not yet. {todo}"
    if grading():
        raise NotYet(message)
    print(message)
    return False


def verdict(exercise: str, problems: list[str], praise: str) -> bool:
    """Report an answer: ``praise`` when ``problems`` is empty, else each problem in words.

    Prints the verdict; a wrong answer raises ``NotYet`` when grading and in the course's tests.

    Returns:
        bool: True when the answer is right.
    """
    if not problems:
        print(f"✓ {exercise}: {praise}")
        return True
    message = f"✗ {exercise}: " + " ".join(problems)
    if grading() or strict():
        raise NotYet(message)
    print(message)
    return False


def _close(a, b, rtol=1e-3, atol=1e-6) -> bool:
    return bool(np.allclose(np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64"), rtol=rtol, atol=atol))


# Chapter 1 ---------------------------------------------------------------------------------------------------------

def class_means(means, x, y) -> bool:
    """Exercise 1.1: ``means`` (10, 28, 28), the average training image of each digit ``x[y == d].mean(0)``."""
    exercise = "Exercise 1.1"
    if missing(means):
        return not_yet(exercise, "Set `means` to the ten class averages, e.g. with a list comprehension over d = 0…9.")
    means = np.asarray(means)
    if means.shape != (10, 28, 28):
        return verdict(exercise, [f"`means` has shape {means.shape}; it should be (10, 28, 28): one 28×28 "
                                  "average per digit (did you average over the wrong axis?)."], "")
    problems = [f"the average of digit {d} is not x_train[y_train == {d}].mean(0)." for d in range(10)
                if not _close(means[d], x[y == d].mean(0))]
    if problems and _close(means[0], x.mean(0)):
        problems = ["every average is the mean of all digits: select one class with `x_train[y_train == d]`."]
    return verdict(exercise, problems[:2], "ten class averages, each a blurred prototype of its digit.")


def zero_share(share, x) -> bool:
    """Exercise 1.2: ``share``, the fraction (0–1) of training pixels that are exactly 0."""
    exercise = "Exercise 1.2"
    if missing(share):
        return not_yet(exercise, "Set `share` to the fraction of pixels equal to 0, e.g. `(x_train == 0).mean()`.")
    truth = float((np.asarray(x) == 0).mean())
    share = float(share)
    if share > 1:
        return verdict(exercise, [f"{share:,.0f} is a count: divide by the number of pixels ({x.size:,}) "
                                  "to get a fraction."], "")
    if abs(share - (1 - truth)) < 1e-4:
        return verdict(exercise, ["that is the share of pixels that are *not* 0."], "")
    return verdict(exercise, [] if abs(share - truth) < 1e-4 else
                   [f"{share:.3f} is not the share of exact zeros: compare pixels with 0 (`== 0`), not with "
                    "a threshold, and average over all of them."],
                   f"{truth:.1%} of all pixels are pure black background.")


def last_batch(shapes, n: int, batch_size: int) -> bool:
    """Exercise 1.4: ``shapes``, the shape of every batch in one epoch of ``make_dataset(x[:n], batch_size)``."""
    exercise = "Exercise 1.4"
    if missing(shapes):
        return not_yet(exercise, "Set `shapes` to the list of the shapes of all batches of one epoch.")
    shapes = [tuple(int(d) for d in s) for s in shapes]
    problems = []
    if len(shapes) != n // batch_size:
        problems.append(f"one epoch of {n} images in batches of {batch_size} yields {n // batch_size} batches "
                        f"(the last partial one is dropped), but you list {len(shapes)}: take one epoch only, "
                        "e.g. `ds.take(n // batch_size)`.")
    if any(s != (batch_size, 28, 28, 1) for s in shapes):
        problems.append(f"every batch should be ({batch_size}, 28, 28, 1).")
    return verdict(exercise, problems, f"{len(shapes)} full batches; the last {n % batch_size} images of the epoch "
                   "wait for a later one (they are shuffled in next time).")


def loaded_digits(images) -> bool:
    """Exercise 1.3: ``images`` uint8 (N, 28, 28) as ``load_images`` returns them, light ink on a dark background."""
    exercise = "Exercise 1.3"
    if missing(images):
        return not_yet(exercise, "Set `scans` to the images `load_images(folder, invert=True)` returns.")
    images = np.asarray(images)
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8 or not len(images):
        return verdict(exercise, [f"`scans` is {images.dtype} {images.shape}: keep load_images' first result, "
                                  "uint8 (N, 28, 28)."], "")
    border = np.concatenate([images[:, 0], images[:, -1], images[:, :, 0], images[:, :, -1]], axis=1)
    return verdict(exercise, [] if border.mean() < 100 else [
        f"the background is light (mean border pixel {border.mean():.0f} of 255): MNIST is light ink on black; "
        "load with `invert=True`."], f"{len(images)} digits, light on dark like MNIST.")


# Chapter 2 ---------------------------------------------------------------------------------------------------------

def generator_shape(model, latent_dim: int) -> list[str]:
    """What is wrong with a generator's input or output shape, in words (empty when both are right)."""
    problems = []
    inputs = tuple(model.inputs[0].shape[1:])
    if inputs != (latent_dim,):
        problems.append(f"your generator takes noise of shape {inputs}, not ({latent_dim},): pass "
                        f"{latent_dim} as its first argument.")
    out = tuple(model.output_shape[1:])
    if out != (28, 28, 1):
        if len(out) == 3 and out[0] == out[1] and out[0] in (7, 14, 56):
            # From 7×7, each stride-2 transposed convolution doubles the size: two of them make 28×28.
            fix = {7: "neither of the last two transposed convolutions doubles the size: both need stride 2",
                   14: "only one transposed convolution doubles the size: the last two both need stride 2",
                   56: "three transposed convolutions double the size: only the last two may have stride 2"}
            problems.append(f"your generator draws {out[0]}×{out[1]} images: {fix[out[0]]}.")
        else:
            problems.append(f"your generator outputs {out}; an MNIST digit is (28, 28, 1).")
    return problems


def extra_parameters(extra, config) -> bool:
    """Exercise 2.1: ``extra``, how many parameters twice the channels in the first transposed convolution
    (stride 1) add to the generator of ``config``."""
    from .models import build_generator

    exercise = "Exercise 2.1"
    narrow = config.gen_filters[1]
    if missing(extra):
        return not_yet(exercise, f"Set `extra` to the parameter count with {2 * narrow} channels minus the count "
                       f"with {narrow}.")
    wider = (config.gen_filters[0], 2 * narrow, *config.gen_filters[2:])
    course = build_generator(config.latent_dim, config.gen_filters, config.gen_dense, config.kernel_size)
    truth = build_generator(config.latent_dim, wider, config.gen_dense, config.kernel_size).count_params()
    truth -= course.count_params()
    first_only = narrow * config.gen_filters[0] * config.kernel_size ** 2 + 4 * narrow
    problems = []
    if int(extra) == first_only:
        problems.append(f"you counted the widened layer only: the next transposed convolution now reads "
                        f"{2 * narrow} channels too, so its kernels grow as well.")
    elif int(extra) != truth:
        problems.append(f"{int(extra):,} is not the difference: build both generators and subtract their "
                        "`count_params()`.")
    return verdict(exercise, problems, f"{truth:,} more parameters: the widened layer's kernels and batch-norm, "
                   "and the next layer's kernels, which now read twice as many channels.")


def small_generator(model, reference) -> bool:
    """Exercise 2.2: ``model``, the course generator built for 2 noise numbers; ``reference``: the 100-number one."""
    exercise = "Exercise 2.2"
    if missing(model):
        return not_yet(exercise, "Build the generator with 2 as its first argument and assign it to `small`.")
    problems = generator_shape(model, 2)
    lost = reference.count_params() - model.count_params()
    first = reference.layers[1].get_weights()[0].shape[1]
    if not problems and lost != (reference.inputs[0].shape[1] - 2) * first:
        problems.append("apart from the noise size it should be the same network: keep the other arguments.")
    return verdict(exercise, problems, f"{lost:,} fewer parameters, all in the first dense layer "
                   f"((100 − 2) inputs × {first} units); every later layer is unchanged.")


def dense_variants(no_hidden, two_hidden, config) -> bool:
    """Exercise 2.3: the generator without hidden dense layers and with two of 256 units."""
    from .models import build_generator

    exercise = "Exercise 2.3"
    if missing(no_hidden) or missing(two_hidden):
        return not_yet(exercise, "Build both generators: gen_dense `()` and `(256, 256)`.")
    problems = generator_shape(no_hidden, config.latent_dim) + generator_shape(two_hidden, config.latent_dim)
    for name, model, dense in (("no_hidden", no_hidden, ()), ("two_hidden", two_hidden, (256, 256))):
        truth = build_generator(config.latent_dim, config.gen_filters, dense, config.kernel_size).count_params()
        if not problems and model.count_params() != truth:
            problems.append(f"`{name}` has {model.count_params():,} parameters, not the {truth:,} of "
                            f"gen_dense={dense}: keep the other arguments as in the course.")
    return verdict(exercise, problems, f"{no_hidden.count_params():,} and {two_hidden.count_params():,} parameters.")


def kernel_five(model, config) -> bool:
    """Exercise 2.4: the course generator with a kernel size of 5."""
    exercise = "Exercise 2.4"
    if missing(model):
        return not_yet(exercise, "Build the generator with 5 as its kernel size and assign it to `five`.")
    problems = generator_shape(model, config.latent_dim)
    sizes = {layer.kernel_size for layer in model.layers if hasattr(layer, "kernel_size")}
    if sizes != {(5, 5)}:
        problems.append(f"its convolutions have kernels {sorted(sizes)}: pass 5 as the last argument.")
    return verdict(exercise, problems, "a generator whose transposed convolutions have 5 × 5 kernels.")


# Chapter 3 ---------------------------------------------------------------------------------------------------------

def generator_losses(before, after, p_fake, after_fake) -> bool:
    """Exercise 3.3: the generator's loss −mean(log D(G(z))) with the untrained (``p_fake``) and the trained
    (``after_fake``) discriminator's scores (N,)."""
    exercise = "Exercise 3.3"
    if missing(before) or missing(after):
        return not_yet(exercise, "Set `g_loss_before` and `g_loss_after` to -np.mean(np.log(scores)) for the "
                       "fakes' scores before and after training.")
    truth = -np.mean(np.log(p_fake)), -np.mean(np.log(after_fake))
    problems = []
    if _close(before, truth[0]) and _close(after, truth[1]):
        pass
    elif _close(after, -np.mean(np.log(1 - after_fake)), rtol=1e-3):
        problems.append("that is −log(1 − D(G(z))), the discriminator's loss on fakes; the generator's loss is "
                        "−log D(G(z)).")
    else:
        problems.append(f"expected about {truth[0]:.3f} before and {truth[1]:.3f} after: average −log of the "
                        "fakes' scores (`p_fake`, then `after_fake`).")
    return verdict(exercise, problems, f"{truth[0]:.3f} → {truth[1]:.3f}: the trained discriminator gives the "
                   "fakes scores near 0, and −log of a score near 0 is large.")


def parameter_counts(d_params, g_params, discriminator, generator) -> bool:
    """Exercise 3.4: the discriminator's and the generator's parameter counts."""
    exercise = "Exercise 3.4"
    if missing(d_params) or missing(g_params):
        return not_yet(exercise, "Set `d_params` and `g_params` with each model's `count_params()`.")
    truth = discriminator.count_params(), generator.count_params()
    problems = [] if (int(d_params), int(g_params)) == truth else [
        "swap them: `d_params` is the discriminator's." if (int(g_params), int(d_params)) == truth else
        f"count with `model.count_params()` (the discriminator has {truth[0]:,})."]
    return verdict(exercise, problems, f"discriminator {truth[0]:,}, generator {truth[1]:,} parameters.")


def flat_discriminator(model) -> bool:
    """Exercise 3.6: ``model``, the 1-D discriminator (1,) -> (1,) trained when fakes and data share a mean."""
    exercise = "Exercise 3.6"
    if missing(model):
        return not_yet(exercise, "Train the 1-D discriminator with `fake_mean = 0.0` and assign it to `flat`.")
    x = np.linspace(-1.5, 1.5, 61)[:, None].astype("float32")
    scores = np.asarray(model(x)).ravel()
    gap = float(np.abs(scores - 0.5).max())
    return verdict(exercise, [] if gap < 0.1 else [
        f"its score strays {gap:.2f} from 0.5 on [-1.5, 1.5]: were the fakes drawn from N(0, 1) like the data?"],
        f"D ≈ 0.5 everywhere (largest gap {gap:.3f}): where the two sets have the same density, D* = ½.")


def no_dropout_model(model) -> bool:
    """Exercise 3.1: ``model``, a discriminator built with ``dropout=0.0`` and trained."""
    exercise = "Exercise 3.1"
    if missing(model):
        return not_yet(exercise, "Build the discriminator with dropout 0.0, compile and fit it, assign it.")
    rates = [layer.rate for layer in model.layers if type(layer).__name__ == "Dropout" and layer.rate > 0]
    problems = [f"it still drops {rates[0]:.0%} of its features: pass 0.0 as the dropout."] if rates else []
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or int(optimizer.iterations.numpy()) == 0:
        problems.append("it has not been trained yet: compile and fit it like the discriminator above.")
    return verdict(exercise, problems, "a discriminator without dropout, trained on the same images.")


def smoothed_scores(mean_real) -> bool:
    """Exercise 3.2: ``mean_real``, mean D(real) of a discriminator trained with real targets 0.9."""
    exercise = "Exercise 3.2"
    if missing(mean_real):
        return not_yet(exercise, "Train a fresh discriminator with targets 0.9 for real images; set `smoothed_real`.")
    mean_real = float(mean_real)
    if mean_real > 0.95:
        return verdict(exercise, [f"mean D(real) is {mean_real:.3f}: that is a discriminator trained with target 1. "
                                  "Use `np.where(targets == 1, 0.9, 0.0)` as its targets."], "")
    return verdict(exercise, [] if mean_real > 0.75 else [
        f"mean D(real) is only {mean_real:.3f}: train it longer (10 epochs) on the real and fake images above."],
        f"mean D(real) {mean_real:.3f}: it settles near the target 0.9, never at 1.")


# Chapter 4 ---------------------------------------------------------------------------------------------------------

def saturating_logs(history) -> bool:
    """Exercise 4.1: ``history``, the per-epoch history (``train(...).history``, a list of dicts) of a GAN whose
    generator minimises the mean of log(1 − D(G(z)))."""
    import math

    exercise = "Exercise 4.1"
    if missing(history):
        return not_yet(exercise, "Train `SaturatingGAN` for one epoch with train(..., gan=...) and set "
                                 "`saturating_history` to its history.")
    last = history[-1]
    if "fake_score" not in last:
        return verdict(exercise, ["the history has no `fake_score`: keep TextbookGAN's `self.log(...)` call, which "
                                  "logs the discriminator's mean score for the fakes"], "")
    g_loss, p_fake = float(last["g_loss"]), float(last["fake_score"])
    # The mean of log(1 - D) is at most log(1 - mean D) (Jensen), and not far below it while D(fake) is small.
    ceiling, floor = math.log(1 - p_fake), 2 * math.log(1 - p_fake) - 0.05
    problems = []
    if g_loss >= 0:
        problems.append(f"g_loss is {g_loss:.3f}, not negative: that is still −log D(G(z)). The saturating loss is "
                        "−BCE(0, D(G(z))) = log(1 − D(G(z))), which is never positive.")
    elif not floor <= g_loss <= ceiling + 1e-3:
        problems.append(f"g_loss is {g_loss:.3f}, but with D(fake) {p_fake:.3f} the mean of log(1 − D(G(z))) lies "
                        f"between {floor:.3f} and {ceiling:.3f}: is it log(1 − D), or log D?")
    return verdict(exercise, problems, f"g_loss {g_loss:.3f} with D(fake) {p_fake:.3f}: log(1 − D(G(z))) is negative, "
                   "and near 0 when the discriminator wins, which is where its gradient vanishes.")


def _step_exercise(exercise: str, todo: str, gan_class, make_gan, changes: dict, hint: str, what: str) -> bool:
    """A chapter-4 exercise whose answer is a class that must take the steps of ganlib's ``GAN`` with
    ``changes`` from the textbook config (no smoothing, average or code): ``hint`` heads the problems."""
    import dataclasses

    from .checks import step_differences
    from .config import Conditioning, GANConfig

    if missing(gan_class):
        return not_yet(exercise, todo)
    textbook = {"ema": 0.0, "label_smoothing": 0.0, "conditioning": Conditioning()}
    config = dataclasses.replace(GANConfig(), **{**textbook, **changes})
    problems, agreed = step_differences(make_gan(gan_class, config), config)
    return verdict(exercise, [hint, *problems] if problems else [], f"your class takes ganlib's {what}: {agreed}.")


def smoothed_step(gan_class, make_gan) -> bool:
    """Exercise 4.2: ``gan_class``, your TextbookGAN with a real target of 0.8: two steps of it must be those of
    ganlib's ``GAN`` with ``label_smoothing=0.2``, losses and weights (``checks.step_differences``).
    ``make_gan(gan_class, config)`` builds a compiled model of your class, as in the chapter."""
    return _step_exercise(
        "Exercise 4.2", "Write `SmootherGAN`, a TextbookGAN whose real target is 0.8, and assign the class.",
        gan_class, make_gan, {"label_smoothing": 0.2},
        f"your real target is {getattr(gan_class, 'real_target', None)}; ganlib's label_smoothing=0.2 means a "
        "target of 0.8 for real images only (fakes keep 0, and the generator's target stays 1)",
        "step with label_smoothing=0.2")


def alternating_step(gan_class, make_gan) -> bool:
    """Exercise 4.9: ``gan_class``, your AlternatingGAN with k = 2: two steps of it must be those of ganlib's
    ``GAN`` with ``alternating=True, d_steps=2`` (``checks.step_differences``)."""
    return _step_exercise(
        "Exercise 4.9", "Write `TwoStepGAN`, an AlternatingGAN whose k is 2, and assign the class.",
        gan_class, make_gan, {"alternating": True, "d_steps": 2},
        f"your k is {getattr(gan_class, 'k', None)}; ganlib's d_steps=2 means two discriminator updates, each on "
        "fresh noise, before the generator's update", "alternating steps with d_steps=2")


def history_epochs(epochs, run) -> bool:
    """Exercise 4.6: ``epochs``, the epoch numbers in the history of the run folder ``run``, which must have been
    interrupted and resumed (its ``state.json`` records where each training session started)."""
    from .runs import RunState

    exercise = "Exercise 4.6"
    if missing(epochs):
        return not_yet(exercise, "Interrupt the run, train again, and set `epochs` to "
                                 "`[row[\"epoch\"] for row in resumed.history]`.")
    state = RunState.load(run) or RunState()
    truth, resumed = state.epochs(), state.resumed_at()
    epochs = [int(e) for e in epochs]
    problems = []
    if epochs != truth:
        problems.append("these are not the epochs the run folder recorded: take them from the history the second "
                        "`train` returned.")
    elif epochs != list(range(1, len(epochs) + 1)):
        problems.append(f"the history has a gap or a repeat: {epochs}.")
    elif not resumed:
        problems.append(f"{run} trained in one go: it was never resumed. Delete it, interrupt the first `train` "
                        "during its second epoch, then train again.")
    return verdict(exercise, problems, f"epochs 1 to {len(epochs)}, each once, though the run was interrupted and "
                   f"resumed after epoch {resumed[0] if resumed else '?'}.")


# Chapter 5 ---------------------------------------------------------------------------------------------------------

def blurred(images, x_test) -> bool:
    """Exercise 5.3: ``images`` uint8 (N, 28, 28), the test digits blurred by a 3×3 average."""
    import keras

    from .data import to_model_range, to_uint8

    exercise = "Exercise 5.3"
    if missing(images):
        return not_yet(exercise, "Set `blurry` with the AveragePooling2D line from the exercise.")
    images = np.asarray(images)
    n = len(images)
    truth = to_uint8(keras.layers.AveragePooling2D(3, strides=1, padding="same")(to_model_range(x_test[:n])).numpy())
    problems = []
    if images.shape != (n, 28, 28) or images.dtype != np.uint8:
        problems.append(f"`blurry` is {images.dtype} {images.shape}; evaluate() takes uint8 images (N, 28, 28): "
                        "wrap the result in `to_uint8(...)`.")
    elif np.abs(images.astype(int) - truth.astype(int)).max() > 1:
        problems.append("these are not the test digits averaged over 3×3 neighbourhoods: keep strides=1 and "
                        "padding=\"same\" so each image stays 28×28.")
    return verdict(exercise, problems, f"{n:,} blurred test digits, ready for evaluate().")


def means_only_fid(function, real_features) -> bool:
    """Exercise 5.5: ``function(real_features, fake_features)``, FID without its trace term: the squared distance
    between the two means."""
    exercise = "Exercise 5.5"
    if missing(function):
        return not_yet(exercise, "Define `fid_means_only(real_features, fake_features)` and assign it.")
    rng = np.random.default_rng(0)
    a, b = real_features[:500], real_features[500:1000] + rng.normal(0, 0.5, real_features[500:1000].shape)
    value, truth = float(function(a, b)), float(np.sum((a.mean(0) - b.mean(0)) ** 2))
    if _close(value, np.sqrt(truth)):
        return verdict(exercise, ["that is the distance; FID uses its square (no square root)."], "")
    return verdict(exercise, [] if _close(value, truth) else
                   ["it should return the squared distance between the two means, `np.sum((mu_r - mu_g) ** 2)`."],
                   "means only: two sets with the same average look alike, however different their spreads.")


def evaluation_report(report, n: int, exercise: str, trained=None) -> bool:
    """Exercises 5.1 and 5.2: ``report``, what ``evaluate`` returned for ``n`` samples; for 5.2, of a generator
    far less trained than the one ``trained`` (a report) scored, so its FID must be well above that one's."""
    if missing(report):
        return not_yet(exercise, "Set it to what evaluate(...) returns for N samples.")
    if not isinstance(report, dict) or "generated" not in report:
        return verdict(exercise, ["that is not an evaluate() report: call `evaluate(images)` on uint8 samples "
                                  "from `generate(...)`."], "")
    problems = [] if report["n"] == n else [f"the report scores {report['n']:,} samples; use N = {n:,}."]
    if trained is not None and report["generated"]["fid"] < 2 * trained["generated"]["fid"]:
        problems.append(f"its FID, {report['generated']['fid']:.1f}, is not far above the trained generator's "
                        f"({trained['generated']['fid']:.1f}): evaluate samples of the one-epoch run, "
                        "`generate(early.generator, N, seed=0)`.")
    return verdict(exercise, problems, f"judge-FID {report['generated']['fid']:.1f} over {report['n']:,} samples.")


def report_file(path) -> bool:
    """Exercise 5.6: ``path``, the JSON file ``python -m ganlib evaluate ... --json`` wrote."""
    import json
    from pathlib import Path

    exercise = "Exercise 5.6"
    if missing(path):
        return not_yet(exercise, "Set `report_file` to the path given to --json.")
    path = Path(path)
    if not path.exists():
        return verdict(exercise, [f"there is no file at {path}: did the command run, with `--json {path}`?"], "")
    report = json.loads(path.read_text())
    problems = [] if "generated" in report else [f"{path.name} is not an evaluate report."]
    return verdict(exercise, problems, f"{path.name}: FID {report.get('generated', {}).get('fid', float('nan')):.1f}.")


# Chapter 6 ---------------------------------------------------------------------------------------------------------

def one_digit_score(score, generator, digit: int) -> bool:
    """Exercise 6.2: ``score``, the classifier score of 100 samples of ``digit`` from the conditional ``generator``."""
    from .metrics import classifier_score, judge_outputs
    from .training import generate

    exercise = "Exercise 6.2"
    if missing(score):
        return not_yet(exercise, "Set `fours_score` to classifier_score(judge_outputs(fours)[1]).")
    samples = generate(generator, 100, seed=0, labels=np.full(100, digit))
    truth = classifier_score(judge_outputs(samples)[1])
    problems = []
    if not 1 <= float(score) <= 10:
        problems.append(f"{float(score):.3f} is not a classifier score (they run from 1 to 10): score the judge's "
                        "probabilities, `judge_outputs(fours)[1]`.")
    elif abs(float(score) - truth) > 0.1:
        problems.append(f"{float(score):.3f} is far from the score of 100 {digit}s ({truth:.3f}): did every sample "
                        f"get the label {digit} (`labels=np.full(100, {digit})`)?")
    return verdict(exercise, problems, f"score {truth:.2f} of a possible 10: every sample is a confident {digit}, "
                   "so the samples' classes are not spread at all, and the score measures exactly that spread.")


# Chapter 7 ---------------------------------------------------------------------------------------------------------

def one_class(images, f_train, f_labels, label: int) -> bool:
    """Exercise 7.1: ``images`` float32 (N, 28, 28, 1) in [-1, 1], Fashion-MNIST images of class ``label`` only."""
    from .data import to_model_range

    exercise = "Exercise 7.1"
    if missing(images):
        return not_yet(exercise, "Set `trousers` to the model-range images of one class: "
                       "`to_model_range(f_train[f_labels == 1])`.")
    images = np.asarray(images)
    wanted = to_model_range(f_train[f_labels == label])
    problems = []
    if images.ndim != 4 or images.shape[1:] != (28, 28, 1) or images.min() < -1 or images.max() > 1:
        problems.append(f"`trousers` is {images.shape} in [{images.min():.0f}, {images.max():.0f}]: train() takes "
                        "float32 (N, 28, 28, 1) in [-1, 1]; use `to_model_range`.")
    elif len(images) != len(wanted) or not _close(images, wanted):
        problems.append(f"expected the {len(wanted):,} images with label {label}: select with `f_labels == {label}`.")
    return verdict(exercise, problems, f"{len(wanted):,} images of one class.")


def fashion_judge(judge) -> bool:
    """Exercise 7.3: ``judge``, ``metrics.build_judge()`` trained on Fashion-MNIST: it must classify 2,000
    Fashion-MNIST test images far better than chance."""
    from .data import load_fashion_mnist, to_model_range

    exercise = "Exercise 7.3"
    if missing(judge):
        return not_yet(exercise, "Build a judge with build_judge(), compile and fit it on Fashion-MNIST, assign it.")
    _, (x, y) = load_fashion_mnist()
    accuracy = float((np.asarray(judge(to_model_range(x[:2000]), training=False)).argmax(1) == y[:2000]).mean())
    return verdict(exercise, [] if accuracy > 0.6 else [
        f"it classifies {accuracy:.0%} of the test clothes right (chance: 10 %): fit it on Fashion-MNIST's images "
        "(to_model_range) with their labels, loss sparse_categorical_crossentropy."],
        f"{accuracy:.0%} of 2,000 test clothes classified right: its features can score fashion GANs.")


def zero_shares(shares, f_train) -> bool:
    """Exercise 7.4: ``shares``, {"MNIST": share of exact-0 pixels, "Fashion-MNIST": the same}."""
    from .data import load_mnist

    exercise = "Exercise 7.4"
    if missing(shares):
        return not_yet(exercise, "Set `zero_shares` to a dict with both data sets' share of pixels equal to 0.")
    (m, _), _ = load_mnist()
    truth = {"MNIST": float((m == 0).mean()), "Fashion-MNIST": float((np.asarray(f_train) == 0).mean())}
    problems = [f"missing {name!r}." for name in truth if name not in shares]
    problems += [f"{name}: {float(shares[name]):.3f} is not the share of pixels equal to 0 ({value:.3f})."
                 for name, value in truth.items() if name in shares and abs(float(shares[name]) - value) > 1e-3]
    return verdict(exercise, problems, ", ".join(f"{k} {v:.0%}" for k, v in truth.items()) + " of pixels are 0.")


# Chapter 8 ---------------------------------------------------------------------------------------------------------

def toy_two_timescales(run) -> bool:
    """Exercise 8.3: ``run``, a ``toy.ToyRun`` trained with g_lr 1e-4 and d_lr 4e-4 (no R1, the default loss)."""
    exercise = "Exercise 8.3"
    if missing(run):
        return not_yet(exercise, "Set `slow` to `train_toy(g_lr=1e-4, d_lr=4e-4, steps=toy_steps)`.")
    asked = {"g_lr": 1e-4, "d_lr": 4e-4, "r1_weight": 0.0, "loss": "bce"}
    problems = [f"it trained with {key}={run.settings.get(key)!r}; the exercise asks for {key}={value!r}."
                for key, value in asked.items() if run.settings.get(key) != value]
    if not run.covered:
        problems.append("this run recorded no snapshots: train it with steps > 0.")
    return verdict(exercise, problems, f"modes covered at each snapshot: {run.covered}.")


def added_failure(failures) -> bool:
    """Exercise 8.6: ``failures``, the lab's ``FAILURES`` after adding "no dropout" (dropout 0)."""
    exercise = "Exercise 8.6"
    setting = failures.get("no dropout") if not missing(failures) else None
    if setting is None:
        return not_yet(exercise, "Add `FAILURES[\"no dropout\"] = Setting({\"dropout\": 0.0}, \"...\")`.")
    problems = [] if setting.changes.get("dropout") == 0.0 else [
        f"its changes are {setting.changes}: the failure is `{{\"dropout\": 0.0}}`."]
    if not setting.what.strip() or setting.what.strip() == "...":
        problems.append("say in `what` what the setting does, in a few words.")
    return verdict(exercise, problems, "\"no dropout\" is in the lab: choose it in the failure lab's menu.")
