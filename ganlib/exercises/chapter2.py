"""The checks of chapter 2's exercises (the generator)."""

from __future__ import annotations

from .feedback import missing, not_yet, verdict


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
    from ..models import build_generator

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
    from ..models import build_generator

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
