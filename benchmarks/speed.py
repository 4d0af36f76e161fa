"""Throughput and time-to-quality of the course recipe against the TensorFlow DCGAN tutorial's settings.

    python benchmarks/speed.py                     # full: about 10 minutes on a 2-core laptop CPU
    python benchmarks/speed.py --budgets 0.5 1     # shorter quality ladder

1. Throughput (images/s) of both recipes on the same in-memory pipeline, measured alternately (course,
   tutorial, course, …) so that a noisy machine hurts both alike; the median of the rounds is reported, and
   the speed-up both as the ratio of medians and as the median of each round's own ratio.
2. Time to quality: one course-recipe run, stopped at each wall-clock budget (1, 2, 5 minutes by default),
   scored with the judge on 10,000 samples (FID in judge features, classifier score, coverage). With
   ``--ladders course conditional`` (the default) the same ladder follows for the conditional GAN of chapter 6
   (the same recipe plus labels), scored on balanced labels, with label agreement.

3. Where the limit is: the training FLOPs per image of each recipe, counted from its layers (forward and
   backward of both networks as the training step runs them), the GFLOP/s that each throughput achieves, and
   the machine's own peak measured in the same run (a large float32 matmul, and bfloat16 where the CPU has
   it), as a ratio. ``--ladders`` with no recipe skips part 2: ``python benchmarks/speed.py --ladders``.

Prints a table and writes JSON (default: benchmarks/results/speed.json).
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
    ds = make_dataset(x, config.batch_size, seed=config.seed)
    gan.fit(ds, epochs=1, steps_per_epoch=5, verbose=0, shuffle=False)
    start = time.perf_counter()
    gan.fit(ds, epochs=1, steps_per_epoch=steps, verbose=0, shuffle=False)
    return steps * config.batch_size / (time.perf_counter() - start)


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
    """GFLOP/s of repeated n×n matrix products in ``dtype``: what this machine does at best in that type."""
    import tensorflow as tf

    a = tf.cast(tf.random.normal((n, n), seed=1), dtype)
    b = tf.cast(tf.random.normal((n, n), seed=2), dtype)
    product = tf.function(lambda a, b: tf.matmul(a, b))
    product(a, b).numpy()  # warm-up: trace and compile
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        product(a, b).numpy()
        reps += 1
    return 2 * n ** 3 * reps / (time.perf_counter() - start) / 1e9


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rounds", type=int, default=3, help="alternating throughput rounds per recipe")
    p.add_argument("--images", type=int, default=15360, help="images per throughput measurement")
    p.add_argument("--budgets", type=float, nargs="*", default=[1, 2, 5], help="minutes, ascending")
    p.add_argument("--ladders", nargs="*", choices=["course", "conditional"], default=["course", "conditional"],
                   help="which recipes get a time-to-quality ladder")
    p.add_argument("--n-eval", type=int, default=10000)
    p.add_argument("--peak-seconds", type=float, default=3.0, help="how long each peak matmul measurement runs")
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "speed.json"))
    args = p.parse_args(argv)

    import tensorflow as tf

    from ganlib.config import GANConfig
    from ganlib.data import training_set
    from ganlib.metrics import evaluate
    from ganlib.training import balanced_labels, generate, train

    recipes = {"course": GANConfig(), "tutorial": GANConfig.tutorial()}
    x, y = training_set()
    rates = {name: [] for name in recipes}
    for r in range(args.rounds):
        for name, config in recipes.items():
            rate = throughput(config, x, max(5, args.images // config.batch_size))
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

    ladders = {}
    for recipe in args.ladders:
        ladder = ladders[recipe] = []
        base = recipes["course"].changed({"conditional": True}) if recipe == "conditional" else recipes["course"]
        labels = balanced_labels(args.n_eval) if base.labelled else None
        run = Path(tempfile.mkdtemp(prefix="ganlib-bench-"))
        try:
            for minutes in sorted(args.budgets):
                config = dataclasses.replace(base, epochs=10_000, minutes=minutes)
                result = train(config, run, x=x, y=y, verbose=0)
                report = evaluate(generate(result.generator, args.n_eval, seed=0, labels=labels), labels=labels)
                g = report["generated"]
                ladder.append({"minutes": minutes, "epochs": len(result.history), "fid": round(g["fid"], 2),
                               "classifier_score": round(g["classifier_score"], 3),
                               "classes_covered": g["classes_covered"], "precision": round(g["precision"], 3),
                               "recall": round(g["recall"], 3), "real_fid": round(report["real_baseline"]["fid"], 2)})
                if labels is not None:
                    ladder[-1]["label_agreement"] = round(g["label_agreement"], 4)
                print(f"{recipe} after {minutes:g} min: {ladder[-1]}", flush=True)
        finally:
            shutil.rmtree(run, ignore_errors=True)

    results = {
        "machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(), "python": sys.version.split()[0],
                    "tensorflow": tf.__version__},
        "throughput_images_per_s": {name: round(v) for name, v in median.items()},
        "throughput_rounds": {name: [round(v) for v in vs] for name, vs in rates.items()},
        "speedup": round(median["course"] / median["tutorial"], 2),
        "speedup_per_round": [round(v, 2) for v in paired],
        "speedup_paired_median": round(statistics.median(paired), 2),
        "flops_per_image": flops,
        "achieved_gflops": achieved,
        "peak_gflops": peak,
        "share_of_float32_peak": {name: round(v / peak["float32"], 3) for name, v in achieved.items()},
        "time_to_quality": ladders.get("course", []),
        "time_to_quality_conditional": ladders.get("conditional", []),
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
    print(f"{'recipe':<12}{'minutes':>8}{'epochs':>8}{'FID':>8}{'score':>8}{'classes':>9}{'prec':>7}{'recall':>8}"
          f"{'agree':>8}")
    for recipe, ladder in ladders.items():
        for row in ladder:
            agree = f"{row['label_agreement']:>8.2%}" if "label_agreement" in row else f"{'':>8}"
            print(f"{recipe:<12}{row['minutes']:>8g}{row['epochs']:>8}{row['fid']:>8.2f}{row['classifier_score']:>8.3f}"
                  f"{row['classes_covered']:>9}{row['precision']:>7.3f}{row['recall']:>8.3f}{agree}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
