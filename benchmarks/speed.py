"""Throughput, where the time goes, and time-to-quality of the course recipe against the TensorFlow DCGAN
tutorial's settings.

    python benchmarks/speed.py                     # full: about 40 minutes on a 2-core laptop CPU
    python benchmarks/speed.py --seeds 42 --budgets 0.5 1   # one seed, shorter ladders
    python benchmarks/speed.py --ladders           # no ladders: throughput, FLOPs and the profile (3 minutes)

1. Throughput (images/s) of both recipes on the same in-memory pipeline, measured alternately (course,
   tutorial, course, …) so that a noisy machine hurts both alike; the median of the rounds is reported, and
   the speed-up both as the ratio of medians and as the median of each round's own ratio.
2. Where the limit is: the training FLOPs per image of each recipe, counted from its layers (forward and
   backward of both networks as the training step runs them), the GFLOP/s that each throughput achieves, and
   the machine's own peak measured in the same run (a large float32 matmul, and bfloat16 where the CPU has
   it), as a ratio; then where an epoch of the course recipe goes, part by part (``epoch_profile``).
3. Time to quality: for each seed (42, 7 and 1 by default), one course-recipe run stopped at each wall-clock
   budget (1, 2, 5 minutes by default) and scored with the judge on 10,000 samples (FID in judge features,
   classifier score, coverage, precision and recall); the medians over the seeds are reported, with each
   seed's FID and the fewest classes any seed covered. With ``--ladders course conditional`` (the default)
   the same follows for the conditional GAN of chapter 6 (the same recipe plus labels), scored on balanced
   labels, with label agreement. The first seed's samples at each budget go to ``--figure``
   (``figures/speed_ladder.png``).

Prints tables and writes JSON (default: benchmarks/results/speed.json).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def throughput(config, x, steps: int) -> float:
    """Images per second for ``steps`` training steps, after a warm-up that traces and compiles the step."""
    from ganlib.data import make_dataset
    from ganlib.training import build_gan

    gan = build_gan(config)
    return steps * config.batch_size / timed_fit(gan, make_dataset(x, config.batch_size, seed=config.seed), config,
                                                 steps)


def timed_fit(gan, dataset, config, steps: int) -> float:
    """Seconds ``fit`` takes for ``steps`` steps, as ``train`` runs them (Keras running
    ``training.execution_steps`` of them per call), after a warm-up call that traces the step (traced again
    only when the number of steps per call changes)."""
    from ganlib.training import execution_steps

    per_call = execution_steps(config.steps_per_execution, steps)
    if per_call != gan.steps_per_execution or gan.train_function is None:
        gan.steps_per_execution = per_call
        gan.make_train_function(force=True)  # the compiled loop holds the number of steps per call
    gan.fit(dataset, epochs=1, steps_per_epoch=gan.steps_per_execution, verbose=0, shuffle=False)
    start = time.perf_counter()
    gan.fit(dataset, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    return time.perf_counter() - start


def forward_flops(model) -> int:
    """FLOPs (a multiply-add counts 2) of one image's forward pass through ``model``'s dense and convolution
    layers; batch norm, activations, dropout and reshapes add a few per value and are left out."""
    total = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Dense":
            total += 2 * layer.input.shape[-1] * layer.units
        elif kind in ("Conv2D", "Conv2DTranspose"):
            kh, kw = layer.kernel_size
            cin = layer.input.shape[-1]
            # A convolution computes each output pixel from kh·kw·cin inputs; a transposed one spreads each
            # input pixel over kh·kw outputs: the same count, over the output or the input grid.
            h, w = (layer.output.shape[1:3] if kind == "Conv2D" else layer.input.shape[1:3])
            total += 2 * kh * kw * cin * layer.filters * h * w
    return int(total)


def training_flops_per_image(config) -> dict:
    """FLOPs of one real image's share of a training step (batch B: B real images, B fakes).

    The step runs the generator forward on B noises; the discriminator forward on B real and B fake images;
    the discriminator's gradients on both halves (a backward pass costs about two forward passes: gradients
    for the weights and for the activations); and the generator's gradients, through the discriminator on
    the fakes (activations only: one forward's worth) and back through the generator (two). So per image:
    3 × G + 7 × D forward FLOPs. The moving average adds two per generator weight per step (negligible).
    """
    from ganlib.models import build_models

    generator, discriminator = build_models(config)
    g, d = forward_flops(generator), forward_flops(discriminator)
    return {"generator_forward": g, "discriminator_forward": d, "per_image": 3 * g + 7 * d}


def cpu_has_bfloat16() -> bool:
    """True when the CPU advertises bfloat16 arithmetic (AVX512-BF16 or AMX-BF16, Linux's /proc/cpuinfo)."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def matmul_peak(dtype: str = "float32", n: int = 2048, seconds: float = 3.0) -> float:
    """GFLOP/s of repeated n×n matrix products in ``dtype``: what this machine does at best in that type.

    Each call runs two independent products, so that the whole machine is measured whatever the thread pools:
    with the course's (``ganlib.runtime.cpu_threads``) one product uses only the threads of one operation."""
    import tensorflow as tf

    a = tf.cast(tf.random.normal((n, n), seed=1), dtype)
    b = tf.cast(tf.random.normal((n, n), seed=2), dtype)
    products = tf.function(lambda a, b: (tf.matmul(a, b), tf.matmul(b, a)))
    [p.numpy() for p in products(a, b)]  # warm-up: trace and compile
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        [p.numpy() for p in products(a, b)]
        reps += 1
    return 2 * 2 * n ** 3 * reps / (time.perf_counter() - start) / 1e9


def _ms_per_call(fn, calls: int) -> float:
    """Milliseconds per call of ``fn`` (a function of nothing whose result may be a tensor), after one
    warm-up call that traces it; each call's result is fetched, so the time includes finishing the work."""
    import tensorflow as tf

    def run():
        tf.nest.map_structure(lambda t: t.numpy() if hasattr(t, "numpy") else t, fn())

    run()
    start = time.perf_counter()
    for _ in range(calls):
        run()
    return 1000 * (time.perf_counter() - start) / calls


def epoch_profile(config, x, steps: int = 150) -> dict:
    """Where one epoch's time goes: milliseconds per training step for each part, and seconds per epoch.

    Each part is timed alone, in its own compiled function, on the same batch (``steps`` calls each):
    the input pipeline; the generator's forward pass; the discriminator's, on real and fake images; the
    whole step without its optimiser updates and moving average (forward and backward passes: the backward
    passes are that minus the forward ones); with the updates; with the moving average (the full step); the
    full step with Keras's own Adam instead of ``training.Adam`` (the same updates, unfused); the
    step as ``fit`` runs it, one step per call from Python and as ``train`` runs it, several per call (the
    rest is Keras's loop); and the per-step callbacks of ``train``. Then the
    per-epoch work: the sample-grid frame, the checkpoint, and the judge's FID on 2,000 samples (only with
    ``--fid``). The parts measured apart add up to about the step, not exactly: each is timed alone.

    Returns:
        dict: ``{"batch_size", "steps_per_epoch", "ms_per_step": {part: ms}, "seconds_per_epoch": {part: s}}``.
    """
    import keras
    import tensorflow as tf

    from ganlib import training
    from ganlib.data import make_dataset
    from ganlib.metrics import FIDCallback

    def step_variant(ema: bool, updates: bool, keras_adam: bool = False):
        # Keras's own Adam: the same updates, about fifteen operations per variable
        gan = training.build_gan(dataclasses.replace(config, ema=config.ema if ema else 0.0),
                                 adam=keras.optimizers.Adam if keras_adam else training.Adam)
        if not updates:  # the gradients and their norms, as the step computes them, but no optimiser update
            gan._apply = lambda optimizer, tape, loss, network: tf.linalg.global_norm(
                tape.gradient(loss, network.trainable_variables))
        return tf.function(lambda: gan.train_step(real))

    gan = training.build_gan(config)
    batch = config.batch_size
    steps_per_epoch = len(x) // batch
    iterator = iter(make_dataset(x, batch, seed=config.seed))
    real = next(iterator)
    g_inputs = gan.sample_inputs(batch)[0]
    fake = gan.generator(g_inputs, training=True)
    ms = {
        "input pipeline": _ms_per_call(lambda: next(iterator), steps),
        "generator forward": _ms_per_call(tf.function(lambda: gan.generator(g_inputs, training=True)), steps),
        "discriminator forward (real + fake)": _ms_per_call(
            tf.function(lambda: (gan.discriminate(real), gan.discriminate(fake))), steps),
        "step without updates": _ms_per_call(step_variant(ema=False, updates=False), steps),
        "step with optimiser updates": _ms_per_call(step_variant(ema=False, updates=True), steps),
        "full step (with moving average)": _ms_per_call(step_variant(ema=True, updates=True), steps),
        "full step with Keras's own Adam": _ms_per_call(step_variant(ema=True, updates=True, keras_adam=True),
                                                        steps),
    }
    dataset = make_dataset(x, batch, seed=config.seed)
    for per_call in (1, config.steps_per_execution):
        seconds = timed_fit(gan, dataset, dataclasses.replace(config, steps_per_execution=per_call), steps)
        ms[f"step in fit ({gan.steps_per_execution} per call)"] = 1000 * seconds / steps
    run = Path(tempfile.mkdtemp(prefix="ganlib-profile-"))
    try:
        clock = training.RunClock()
        state = training.runs.RunState()
        callbacks = training._callbacks(config, run, state, clock, steps_per_epoch,
                                        training.TimeBudget(60.0, clock), [FIDCallback(2000)])
        for callback in callbacks:
            callback.set_model(gan)
        logs = gan.train_step(real)
        base = keras.callbacks.Callback
        per_step = [c for c in callbacks if type(c).on_train_batch_end is not base.on_train_batch_end]
        ms["per-step callbacks"] = _ms_per_call(lambda: [c.on_train_batch_end(0, logs) for c in per_step], steps)
        per_epoch = {}
        for callback in callbacks:
            if type(callback).on_epoch_end is base.on_epoch_end:
                continue
            callback.on_epoch_end(0, {})  # warm-up: traces the sampler, loads the judge
            start = time.perf_counter()
            callback.on_epoch_end(1, {k: float(v) for k, v in logs.items()})
            per_epoch[type(callback).__name__] = time.perf_counter() - start
    finally:
        shutil.rmtree(run, ignore_errors=True)
    seconds = {part: v * steps_per_epoch / 1000 for part, v in ms.items()}
    seconds.update({f"{name} (per epoch)": v for name, v in per_epoch.items()})
    return {"batch_size": batch, "steps_per_epoch": steps_per_epoch,
            "ms_per_step": {k: round(v, 2) for k, v in ms.items()},
            "seconds_per_epoch": {k: round(v, 2) for k, v in seconds.items()}}


def time_to_quality(config, x, y, budgets, n_eval: int) -> tuple[list, list]:
    """One run of ``config``, stopped at each wall-clock budget (minutes, ascending) and scored by the judge on
    ``n_eval`` samples (balanced labels for a conditional GAN). Returns a row per budget and, per budget,
    20 samples (uint8 (20, 28, 28), the same noise each time) for the figure."""
    from ganlib.metrics import evaluate
    from ganlib.training import generate, train

    labels = config.conditioning.labels_to_ask(n_eval)
    rows, samples = [], []
    run = Path(tempfile.mkdtemp(prefix="ganlib-bench-"))
    try:
        for minutes in sorted(budgets):
            result = train(dataclasses.replace(config, epochs=10_000, minutes=minutes), run, x=x, y=y, verbose=0)
            report = evaluate(generate(result.generator, n_eval, seed=0, labels=labels), labels=labels)
            g = report["generated"]
            rows.append({"seed": config.seed, "minutes": minutes, "epochs": len(result.history),
                         "fid": round(g["fid"], 2), "classifier_score": round(g["classifier_score"], 3),
                         "classes_covered": g["classes_covered"], "precision": round(g["precision"], 3),
                         "recall": round(g["recall"], 3), "real_fid": round(report["real_baseline"]["fid"], 2)})
            if labels is not None:
                rows[-1]["label_agreement"] = round(g["label_agreement"], 4)
            samples.append(generate(result.generator, 20, seed=1, labels=config.conditioning.labels_to_ask(20)))
            print(f"{'conditional' if config.labelled else 'course'} seed {config.seed} after {minutes:g} min: "
                  f"{rows[-1]}", flush=True)
    finally:
        shutil.rmtree(run, ignore_errors=True)
    return rows, samples


def ladder_medians(rows: list) -> list:
    """Per budget, over the seeds: the median FID, score, recall (and label agreement), each seed's FID, and
    the fewest classes any seed covered (10 means no seed collapsed)."""
    out = []
    for minutes in sorted({row["minutes"] for row in rows}):
        at = [row for row in rows if row["minutes"] == minutes]
        summary = {"minutes": minutes, "seeds": [row["seed"] for row in at],
                   "fid_per_seed": [row["fid"] for row in at], "fewest_classes": min(r["classes_covered"] for r in at)}
        for key in ("epochs", "fid", "classifier_score", "precision", "recall", "label_agreement"):
            if key in at[0]:
                summary[key] = round(statistics.median(row[key] for row in at), 4)
        out.append(summary)
    return out


def plot_ladder(grids: dict, summary: dict, path) -> None:
    """One row of samples per (recipe, budget) from the first seed's run, titled with that seed's FID and the
    median over the seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ganlib.viz import image_grid

    fig, axes = plt.subplots(len(grids), 1, figsize=(8, 1.25 * len(grids)), squeeze=False)
    for ax, ((recipe, minutes), images) in zip(axes[:, 0], grids.items()):
        median = next(row for row in summary[recipe] if row["minutes"] == minutes)
        ax.imshow(image_grid(images, ncols=20), cmap="gray", vmin=0, vmax=255)
        ax.set_title(f"{recipe}, {minutes:g} min, seed {median['seeds'][0]}: FID {median['fid_per_seed'][0]:.1f} "
                     f"(median of {len(median['seeds'])} seeds: {median['fid']:.1f})", fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


def panel_preview(config) -> list:
    """What the training panel of chapter 4 shows: its ``config`` (the chapter's), Train pressed once, in the
    foreground. Per epoch: seconds since pressing Train (building the networks and compiling the step
    included) and how many of the preview's digits the judge is at least 90 % sure of, and of how many kinds."""
    from ganlib.data import to_uint8, training_images
    from ganlib.metrics import UNSURE_BELOW, judge_outputs
    from ganlib.training import generator_inputs, sample_grid_noise
    from ganlib.widgets import training_panel

    runs = Path(tempfile.mkdtemp(prefix="ganlib-panel-"))
    noise = sample_grid_noise(config)  # the preview's own noise
    try:
        panel = training_panel(runs, x=training_images(config.n_train), config=config, background=False)
        previews, show = [], panel._on_epoch_end

        def shown(model, epoch, logs):
            show(model, epoch, logs)
            sampler = model.sampler
            previews.append((time.perf_counter() - start,
                             to_uint8(sampler(generator_inputs(sampler, noise), training=False))))

        panel._on_epoch_end = shown
        start = time.perf_counter()
        panel.on_train()
    finally:
        shutil.rmtree(runs, ignore_errors=True)
    rows = []
    for epoch, (seconds, images) in enumerate(previews, 1):
        probs = judge_outputs(images)[1]
        sure = probs.max(1) >= UNSURE_BELOW
        rows.append({"epoch": epoch, "seconds": round(seconds, 1), "sure_share": round(float(sure.mean()), 3),
                     "kinds_sure": int(len(set(probs.argmax(1)[sure])))})
    return rows


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3, help="alternating throughput rounds per recipe")
    p.add_argument("--images", type=int, default=15360,
                   help="images per throughput measurement (at least one batch of each recipe)")
    p.add_argument("--budgets", type=float, nargs="*", default=[1, 2, 5], help="minutes, ascending")
    p.add_argument("--ladders", nargs="*", choices=["course", "conditional"], default=["course", "conditional"],
                   help="which recipes get a time-to-quality ladder")
    p.add_argument("--seeds", type=int, nargs="+", default=[42, 7, 1], help="one ladder per seed; medians reported")
    p.add_argument("--n-eval", type=int, default=10000)
    p.add_argument("--figure", default=str(Path(__file__).parents[1] / "figures" / "speed_ladder.png"),
                   help="the first seed's samples at each budget")
    p.add_argument("--peak-seconds", type=float, default=3.0, help="how long each peak matmul measurement runs")
    p.add_argument("--profile-steps", type=int, default=150,
                   help="steps per part in the course recipe's epoch profile (0: no profile)")
    p.add_argument("--no-panel", action="store_true", help="skip the training panel's first preview")
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "speed.json"))
    args = p.parse_args(argv)

    from ganlib.runtime import start_tensorflow

    start_tensorflow()  # the thread pools the course uses (ganlib.runtime.cpu_threads)
    import tensorflow as tf

    from ganlib.config import GANConfig
    from ganlib.data import training_set

    recipes = {"course": GANConfig(), "tutorial": GANConfig.tutorial()}
    x, y = training_set()
    rates = {name: [] for name in recipes}
    for r in range(args.rounds):
        for name, config in recipes.items():
            rate = throughput(config, x, max(1, args.images // config.batch_size))
            rates[name].append(rate)
            print(f"round {r + 1}: {name:<9} {rate:8.0f} images/s", flush=True)
    median = {name: statistics.median(v) for name, v in rates.items()}
    flops = {name: training_flops_per_image(config) for name, config in recipes.items()}
    peak = {"float32": round(matmul_peak("float32", seconds=args.peak_seconds), 1)}
    if cpu_has_bfloat16():
        peak["bfloat16"] = round(matmul_peak("bfloat16", seconds=args.peak_seconds), 1)
    achieved = {name: round(median[name] * flops[name]["per_image"] / 1e9, 1) for name in recipes}
    # Each round runs both recipes back to back, so their ratio within a round cancels most of the machine's
    # drift between rounds (this VM's speed jumps between levels); its median is the fairer speed-up.
    paired = [c / t for c, t in zip(rates["course"], rates["tutorial"])]

    profile = epoch_profile(recipes["course"], x, args.profile_steps) if args.profile_steps else None
    # The panel's settings in chapter 4: the course recipe on 10,000 digits, 3 epochs.
    panel = None if args.no_panel else panel_preview(GANConfig(epochs=3, n_train=10000))

    ladders = {}
    grids = {}
    for recipe in args.ladders:
        base = recipes["course"]
        if recipe == "conditional":
            base = base.changed({"conditioning": "labels:10"})
        ladders[recipe] = []
        for seed in args.seeds:
            rows, samples = time_to_quality(dataclasses.replace(base, seed=seed), x, y, args.budgets, args.n_eval)
            ladders[recipe] += rows
            if seed == args.seeds[0]:
                grids.update({(recipe, row["minutes"]): images for row, images in zip(rows, samples)})
    summary = {recipe: ladder_medians(rows) for recipe, rows in ladders.items()}

    results = {
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "python": sys.version.split()[0],
                    "tensorflow": tf.__version__,
                    "threads_intra_inter": [tf.config.threading.get_intra_op_parallelism_threads(),
                                            tf.config.threading.get_inter_op_parallelism_threads()]},
        "throughput_images_per_s": {name: round(v) for name, v in median.items()},
        "throughput_rounds": {name: [round(v) for v in vs] for name, vs in rates.items()},
        "speedup": round(median["course"] / median["tutorial"], 2),
        "speedup_per_round": [round(v, 2) for v in paired],
        "speedup_paired_median": round(statistics.median(paired), 2),
        "flops_per_image": flops,
        "achieved_gflops": achieved,
        "peak_gflops": peak,
        "share_of_float32_peak": {name: round(v / peak["float32"], 3) for name, v in achieved.items()},
        "seeds": args.seeds,
        "time_to_quality": ladders.get("course", []),
        "time_to_quality_conditional": ladders.get("conditional", []),
        "time_to_quality_medians": summary,
        "epoch_profile": profile,
        "panel_preview": panel,
        "n_eval": args.n_eval,
    }
    print()
    print(f"{'recipe':<10}{'images/s':>10}")
    for name, v in median.items():
        print(f"{name:<10}{v:>10.0f}")
    print(f"speed-up: {results['speedup']}x (ratio of medians); per round: "
          f"{', '.join(f'{v:.2f}x' for v in paired)}, median {results['speedup_paired_median']}x\n")
    print(f"{'recipe':<10}{'MFLOP/image':>12}{'G fwd':>8}{'D fwd':>8}{'GFLOP/s':>9}{'of fp32 peak':>14}")
    for name in recipes:
        f, share = flops[name], results["share_of_float32_peak"][name]
        print(f"{name:<10}{f['per_image'] / 1e6:>12.1f}{f['generator_forward'] / 1e6:>8.1f}"
              f"{f['discriminator_forward'] / 1e6:>8.1f}{achieved[name]:>9.1f}{share:>14.1%}")
    print("peak (2048×2048 matmul, this run): " + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in peak.items()) + "\n")
    if profile:
        print(f"where an epoch of the course recipe goes (batch {profile['batch_size']}, "
              f"{profile['steps_per_epoch']} steps; each part timed alone):")
        print(f"{'part':<44}{'ms/step':>9}{'s/epoch':>9}")
        for part, seconds in profile["seconds_per_epoch"].items():
            ms = profile["ms_per_step"].get(part)
            print(f"{part:<44}{'' if ms is None else f'{ms:.2f}':>9}{seconds:>9.1f}")
        print()
    if panel:
        print("the training panel (chapter 4's settings), after pressing Train:")
        for row in panel:
            print(f"  epoch {row['epoch']}: preview at {row['seconds']:.0f} s, the judge is sure of "
                  f"{row['sure_share']:.0%} of its digits ({row['kinds_sure']} kinds)")
        print()
    print(f"time to quality: median of seeds {', '.join(map(str, args.seeds))} (each seed's FID in brackets)")
    print(f"{'recipe':<12}{'minutes':>8}{'epochs':>8}{'FID':>8}  {'per seed':<24}{'score':>7}{'classes':>9}"
          f"{'recall':>8}{'agree':>8}")
    for recipe, rows in summary.items():
        for row in rows:
            agree = f"{row['label_agreement']:>8.2%}" if "label_agreement" in row else f"{'':>8}"
            per_seed = "[" + ", ".join(f"{v:.1f}" for v in row["fid_per_seed"]) + "]"
            print(f"{recipe:<12}{row['minutes']:>8g}{row['epochs']:>8g}{row['fid']:>8.2f}  {per_seed:<24}"
                  f"{row['classifier_score']:>7.3f}{row['fewest_classes']:>9}{row['recall']:>8.3f}{agree}")
    if grids:
        plot_ladder(grids, summary, args.figure)
        print(f"\nwrote {args.figure}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
