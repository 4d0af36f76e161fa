"""Training speed of the course recipe under different TensorFlow thread pools.

    python benchmarks/threads.py                       # TensorFlow's own pools against a few others, 2 rounds
    python benchmarks/threads.py --settings tf 1,2 2,1 --rounds 3

Each setting is ``GANLIB_THREADS`` (``intra,inter`` or ``tf``; see ``ganlib.runtime.cpu_threads``), measured in
a fresh process (the pools are fixed once TensorFlow has run anything): images per second of ``fit`` on the
in-memory pipeline after a warm-up, three times; then the seconds to draw 10,000 samples (large batches, which
the pools suit differently). Settings alternate round by round, so that a noisy machine
hurts each alike. Prints a table and writes JSON (default: benchmarks/results/threads.json).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Run in the child process: one setting's images per second, three measurements after a warm-up.
CHILD = """
import json, os, sys, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from ganlib.runtime import start_tensorflow
start_tensorflow()
import tensorflow as tf
from ganlib.config import GANConfig
from ganlib.data import make_dataset, training_set
from ganlib.training import build_gan, generate
from speed import timed_fit
steps = int(sys.argv[1])
config = GANConfig()
x, _ = training_set()
gan = build_gan(config)
dataset = make_dataset(x, config.batch_size, seed=config.seed)
rates = [steps * config.batch_size / timed_fit(gan, dataset, config, steps) for _ in range(3)]
generate(gan.sampler, 1000, seed=0)
start = time.perf_counter()
generate(gan.sampler, 10000, seed=0)
generate_s = time.perf_counter() - start
pools = [tf.config.threading.get_intra_op_parallelism_threads(), tf.config.threading.get_inter_op_parallelism_threads()]
print(json.dumps({"pools": pools, "images_per_s": rates, "generate_10k_s": generate_s}))
"""


def measure(setting: str, steps: int) -> dict:
    """One fresh process with ``GANLIB_THREADS=setting``: its thread pools, three images-per-second rates and
    the seconds to draw 10,000 samples."""
    # benchmarks/ on the path too: the child times training with speed.timed_fit, as speed.py does.
    env = {**os.environ, "GANLIB_THREADS": setting,
           "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "benchmarks")])}
    out = subprocess.run([sys.executable, "-c", CHILD, str(steps)], env=env, capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--settings", nargs="+", default=["tf", "1,2", "2,1", "1,1", "1,3"],
                   help="GANLIB_THREADS values: 'intra,inter' or 'tf' (TensorFlow's own pools)")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--steps", type=int, default=300, help="training steps per measurement")
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "threads.json"))
    args = p.parse_args(argv)
    from ganlib.runtime import usable_cores

    rows = {setting: {"pools": None, "images_per_s": [], "generate_10k_s": []} for setting in args.settings}
    for r in range(args.rounds):
        for setting in args.settings:
            result = measure(setting, args.steps)
            rows[setting]["pools"] = result["pools"]
            rows[setting]["images_per_s"] += [round(v) for v in result["images_per_s"]]
            rows[setting]["generate_10k_s"].append(round(result["generate_10k_s"], 2))
            print(f"round {r + 1}: GANLIB_THREADS={setting:<5} pools {result['pools']}: "
                  f"{[round(v) for v in result['images_per_s']]} images/s, 10,000 samples drawn in "
                  f"{result['generate_10k_s']:.2f} s", flush=True)
    base = statistics.median(rows[args.settings[0]]["images_per_s"])
    print(f"\n{'setting':<8}{'intra, inter':>14}{'median images/s':>17}{'vs ' + args.settings[0]:>10}"
          f"{'draw 10k (s)':>14}")
    for setting, row in rows.items():
        row["median"] = round(statistics.median(row["images_per_s"]))
        row["ratio"] = round(row["median"] / base, 3)
        print(f"{setting:<8}{str(row['pools']):>14}{row['median']:>17}{row['ratio']:>10.2f}"
              f"{statistics.median(row['generate_10k_s']):>14.2f}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"cpu_count": os.cpu_count(), "usable_cores": usable_cores(), "steps": args.steps,
                               "rows": rows}, indent=1))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
