"""Compare recipe variations at a fixed wall-clock budget: which change buys quality per minute?

    python benchmarks/recipes.py --minutes 2 '{}' '{"batch_size": 32}' '{"label_smoothing": 0}'
    python benchmarks/recipes.py --epochs 6 --seeds 42 7 1 '{}' '{"ema": 0}'

Each argument is a JSON dict of ``GANConfig`` changes from the course defaults ('{}' is the default recipe), or
``tutorial`` for the TensorFlow DCGAN tutorial's settings (``GANConfig.tutorial()``).
Each variation trains from scratch for the same budget (``--minutes`` of wall-clock time, or ``--epochs``, which
counts steps and so does not depend on how busy the machine is), once per seed of ``--seeds``; then the judge
scores 10,000 samples. Prints one
line per variation and a table; writes JSON (default: benchmarks/results/recipes.json).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("variations", nargs="+", help="JSON dicts of GANConfig changes")
    p.add_argument("--minutes", type=float, default=2.0)
    p.add_argument("--epochs", type=int, default=None, help="a budget in epochs instead of minutes")
    p.add_argument("--seeds", type=int, nargs="*", default=None, help="train each variation once per seed")
    p.add_argument("--n-train", type=int, default=None, help="train on this many digits (default: all 60,000)")
    p.add_argument("--n-eval", type=int, default=10000)
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "recipes.json"))
    args = p.parse_args(argv)
    command = "python benchmarks/recipes.py " + shlex.join(sys.argv[1:] if argv is None else argv)

    from ganlib.runtime import start_tensorflow

    start_tensorflow()  # the thread pools the course uses (ganlib.runtime.cpu_threads)
    from ganlib.config import GANConfig
    from ganlib.data import training_set
    from ganlib.metrics import evaluate
    from ganlib.training import generate, train

    x, y = training_set()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows = []
    budget = {"epochs": args.epochs, "minutes": None} if args.epochs else {"epochs": 10_000, "minutes": args.minutes}
    budget["n_train"] = args.n_train
    seeds = [{"seed": s} for s in args.seeds] if args.seeds else [{}]
    for spec, changes in ((spec, _changes(spec) | seed) for spec in args.variations for seed in seeds):
        base = GANConfig.tutorial() if spec == "tutorial" else GANConfig()
        config = base.changed({**budget, **{k: v for k, v in changes.items() if k != "recipe"}})
        run = Path(tempfile.mkdtemp(prefix="ganlib-recipe-"))
        try:
            result = train(config, run, x=x, y=y, verbose=0)
            labels = config.conditioning.labels_to_ask(args.n_eval)
            g = evaluate(generate(result.generator, args.n_eval, seed=0, labels=labels), labels=labels)["generated"]
        finally:
            shutil.rmtree(run, ignore_errors=True)
        rows.append({"changes": changes, "minutes": None if args.epochs else args.minutes,
                     "seconds": round(result.seconds, 1), "epochs": len(result.history),
                     "fid": round(g["fid"], 2), "classifier_score": round(g["classifier_score"], 3),
                     "classes_covered": g["classes_covered"], "recall": round(g["recall"], 3)})
        print(json.dumps(rows[-1]), flush=True)
        # Written after every row: a batch stopped midway keeps what it measured.
        out.write_text(json.dumps({"command": command, "epochs": args.epochs, "minutes": None if args.epochs else
                                   args.minutes, "n_eval": args.n_eval, "rows": rows}, indent=1))
    print(f"\n{'changes':<48}{'epochs':>7}{'FID':>9}{'score':>8}")
    for row in rows:
        print(f"{json.dumps(row['changes']):<48}{row['epochs']:>7}{row['fid']:>9.2f}{row['classifier_score']:>8.3f}")
    print(f"\nwrote {out}")
    return 0


def _changes(spec: str) -> dict:
    return {"recipe": "tutorial"} if spec == "tutorial" else json.loads(spec)


if __name__ == "__main__":
    sys.exit(main())
