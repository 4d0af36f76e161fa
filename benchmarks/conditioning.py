"""Where must the label go? A conditional GAN whose discriminator sees the label by projection, by
concatenation, or not at all, over seeds, measured per digit.

    python benchmarks/conditioning.py
    python benchmarks/conditioning.py --variants projection none --seeds 42 --epochs 1

Each variant is the course's conditional recipe (``GANConfig(conditioning=Conditioning("labels", 10))``) with
one change, ``label_input``: "projection" (Miyato & Koyama 2018, the course's), "concat" (the one-hot label as
image channels, as in Mirza & Osindero 2014's conditional GAN and Keras's conditional GAN example) or "none"
(only the generator sees the label). Every variant and seed trains from scratch for the same number of epochs of
all 60,000 digits (a budget in steps, so a busy machine changes the seconds, not the result), then draws
``--n-eval`` samples, each digit equally often, and the judge scores them: overall FID, label agreement and
recall, and per digit the intra-FID against that digit's test images (with its sample count and the floor of
real training digits at that count), recall and agreement (``ganlib.metrics.per_class_scores``).

Writes JSON (default: ganlib/assets/results/conditioning.json, which chapter 6 reads) with the command, every
run, and each variant's median and range over the seeds; prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))

from seeds import COURSE_RESULTS, add_arguments, command, spread  # noqa: E402  (benchmarks/seeds.py, beside this script)

VARIANTS = ("projection", "concat", "none")
# What each variant reports over its seeds.
SUMMARISED = ("fid", "label_agreement", "recall", "intra_fid", "worst_digit_recall", "train_seconds")


def measure(variant: str, seed: int, epochs: int, n_eval: int, data) -> dict:
    """Train one variant for one seed in a temporary folder and score it."""
    from ganlib.config import LABELS, Conditioning, GANConfig
    from ganlib.metrics import evaluate, per_class_scores
    from ganlib.training import generate, train

    config = GANConfig(conditioning=Conditioning(LABELS, 10), label_input=variant, epochs=epochs, seed=seed)
    folder = Path(tempfile.mkdtemp(prefix="ganlib-conditioning-"))
    started = time.strftime("%Y-%m-%d %H:%M:%S")
    try:
        result = train(config, folder, x=data[0], y=data[1], verbose=0)
        labels = config.conditioning.default_values(n_eval)
        images = generate(result.generator, n_eval, seed=0, labels=labels)
        overall = evaluate(images, labels=labels)["generated"]
        digits = per_class_scores(images, labels)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"variant": variant, "seed": seed, "started": started, "epochs": len(result.history),
            "train_seconds": round(result.seconds, 1), "fid": round(overall["fid"], 3),
            "label_agreement": round(overall["label_agreement"], 4), "recall": round(overall["recall"], 4),
            "intra_fid": round(sum(d["fid"] for d in digits) / len(digits), 3),
            "worst_digit_recall": round(min(d["recall"] for d in digits), 4),
            "per_digit": [{k: round(v, 4) if isinstance(v, float) else v for k, v in d.items()} for d in digits]}


def summarise(rows: list[dict]) -> dict:
    """Each variant's median, lowest and highest value over its seeds, of every ``SUMMARISED`` figure, and
    each digit's median intra-FID and floor."""
    out = {}
    for variant in dict.fromkeys(r["variant"] for r in rows):
        runs = [r for r in rows if r["variant"] == variant]
        per_digit = {key: [spread([r["per_digit"][k][key] for r in runs])["median"] for k in range(10)]
                     for key in ("fid", "floor", "recall")}
        out[variant] = {"seeds": [r["seed"] for r in runs], **{k: spread([r[k] for r in runs]) for k in SUMMARISED},
                        **{f"per_digit_{key}": values for key, values in per_digit.items()}}
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    p.add_argument("--epochs", type=int, default=3)
    add_arguments(p, "conditioning.json", folder=COURSE_RESULTS)
    args = p.parse_args(argv)
    line = command("conditioning.py", argv)

    from ganlib.runtime import start_tensorflow

    start_tensorflow()  # the thread pools the course uses (ganlib.runtime.cpu_threads)
    from ganlib.data import training_set

    data = training_set(args.n_train)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    for seed in args.seeds:
        for variant in args.variants:
            rows.append(measure(variant, seed, args.epochs, args.n_eval, data))
            print(json.dumps({k: rows[-1][k] for k in ("variant", "seed", "fid", "label_agreement", "intra_fid",
                                                       "worst_digit_recall", "train_seconds")}), flush=True)
            # Written after every run: a batch stopped midway keeps what it measured.
            out.write_text(json.dumps({"command": line, "epochs": args.epochs, "n_train": args.n_train,
                                       "n_eval": args.n_eval, "variants": summarise(rows), "rows": rows}, indent=1))
    print(f"\n{'discriminator sees the label':<30}{'FID':>16}{'agreement':>12}{'intra-FID':>16}{'worst recall':>14}")
    for variant, s in summarise(rows).items():
        print(f"{variant:<30}{s['fid']['median']:>9.2f} ±{(s['fid']['max'] - s['fid']['min']) / 2:<5.2f}"
              f"{s['label_agreement']['median']:>12.2%}{s['intra_fid']['median']:>10.2f} ±"
              f"{(s['intra_fid']['max'] - s['intra_fid']['min']) / 2:<5.2f}{s['worst_digit_recall']['median']:>12.3f}")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
