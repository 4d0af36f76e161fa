"""Which fix helps which failure? The fixes table of chapter 8, over seeds, with each fix's paper settings.

    python benchmarks/failures.py --jobs 2  # 17 cells × 3 seeds, two runs at a time: 1 h 52 min alone on 2 cores
    python benchmarks/failures.py --cells "mode collapse/none" "mode collapse/R1 penalty" --seeds 42

Each cell of ``ganlib.failures.TABLE`` (a failure, a fix, and why that pair is in the table) trains from scratch
once per seed, for the same number of generator steps (``--epochs`` × ``--n-train`` / batch), the way the failure
lab builds a run (``ganlib.failures.lab_changes``: the course recipe, the fix's settings, the failure's cause on
top); the judge then scores ``--n-eval`` samples (FID, classifier score, classes covered, recall, and the share
of near-copies of the training digits). A fixed number of generator steps, not of minutes, so every fix gets
the same generator updates (WGAN-GP's five critic steps and the gradient penalties make a step slower: the
seconds are recorded beside it). The seeds run one after another over the whole table, so a run stopped midway
holds every cell for its first seeds; ``--resume`` carries on. ``--jobs 2`` trains two runs side by side, each
in a process of its own with the thread pools one run has alone (``ganlib.runtime.cpu_threads``), so every run
computes exactly what it computes alone: the table is the same, only sooner.

Writes JSON (default: ganlib/assets/results/failures.json, which chapter 8 reads): the command (and every
command that wrote runs into the file, when ``--resume`` added to it), the budget,
every run (``rows``, with the settings it trained with) and each cell's median and range over the seeds
(``cells``); prints a table.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).parent))

from seeds import COURSE_RESULTS, command, spread  # noqa: E402  (benchmarks/seeds.py, beside this script)

# What each cell reports, over its seeds.
SUMMARISED = ("fid", "classifier_score", "classes_covered", "recall", "precision", "copy_share", "d_train", "d_test",
              "d_real", "d_fake", "g_grad_norm", "train_seconds")


def measure(failures, failure: str, fix: str, seed: int, budget: dict, n_eval: int) -> dict:
    """Train one cell for one seed from scratch in a temporary folder and score it; a run whose loss became NaN
    is a row with ``diverged`` and no scores."""
    from ganlib.training import TrainingDiverged

    folder = Path(tempfile.mkdtemp(prefix="ganlib-failure-"))
    started = time.monotonic()
    row = {"failure": failure, "fix": fix, "seed": seed, "settings": failures.lab_changes(failure, fix),
           "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    try:
        run = failures.run_lab(failure, fix, folder, budget=budget, every=None, seed=seed)
        report = failures.lab_report(run, n=n_eval)
    except TrainingDiverged as e:
        return {**row, "diverged": str(e), "seconds": round(time.monotonic() - started, 1)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {**row, "train_seconds": round(run.seconds, 1), "seconds": round(time.monotonic() - started, 1),
            "fid_per_epoch": [round(r["fid"], 1) for r in run.history],
            **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in report.items()}}


def _start_worker():
    # A worker of --jobs: a forked process that starts TensorFlow itself (the parent never imports it), with the
    # thread pools one run has alone.
    from ganlib.runtime import start_tensorflow

    start_tensorflow()


def _measure_in_worker(job: tuple) -> dict:
    from ganlib import failures

    return measure(failures, *job)


def measured(jobs: list, budget: dict, n_eval: int, workers: int):
    """Yield each (failure, fix, seed) of ``jobs`` as a row once measured: one after another in this process, or,
    with ``workers`` > 1, that many at a time in forked processes (in the order they finish)."""
    if workers == 1:
        from ganlib import failures
        from ganlib.runtime import start_tensorflow

        start_tensorflow()  # the thread pools the course uses (ganlib.runtime.cpu_threads)
        for job in jobs:
            yield measure(failures, *job, budget, n_eval)
        return
    if "tensorflow" in sys.modules:
        raise SystemExit("--jobs forks its workers before TensorFlow starts: run benchmarks/failures.py as a "
                         "script of its own, or with --jobs 1.")
    with multiprocessing.get_context("fork").Pool(workers, initializer=_start_worker) as pool:
        yield from pool.imap_unordered(_measure_in_worker, [(*job, budget, n_eval) for job in jobs])


def summarise(rows: list[dict]) -> list[dict]:
    """Each cell's median, lowest and highest value over its seeds, of every ``SUMMARISED`` figure; a run that
    diverged counts as infinitely bad FID and no digits covered."""
    cells = {}
    for r in rows:
        cells.setdefault((r["failure"], r["fix"]), []).append(r)
    out = []
    for (failure, fix), runs in cells.items():
        cell = {"failure": failure, "fix": fix, "seeds": [r["seed"] for r in runs],
                "diverged": sum(1 for r in runs if r.get("diverged"))}
        for key in SUMMARISED:
            worst = {"fid": float("inf"), "classes_covered": 0}.get(key, float("nan"))
            cell[key] = spread([r.get(key, worst) for r in runs])
        out.append(cell)
    return out


def main(argv=None) -> int:
    from ganlib import failures  # without TensorFlow: measured() starts it where the runs train

    names = [f"{failure}/{fix}" for failure, fix in failures.TABLE]
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cells", nargs="+", default=names, choices=names, metavar="FAILURE/FIX",
                   help="cells of ganlib.failures.TABLE (default: all)")
    p.add_argument("--seeds", type=int, nargs="+", default=[42, 7, 1])
    p.add_argument("--epochs", type=int, default=failures.TABLE_BUDGET["epochs"])
    p.add_argument("--n-train", type=int, default=failures.TABLE_BUDGET["n_train"])
    p.add_argument("--n-eval", type=int, default=10000)
    p.add_argument("--out", default=str(COURSE_RESULTS / "failures.json"))
    p.add_argument("--resume", action="store_true", help="keep the runs already in --out, run the others")
    p.add_argument("--jobs", type=int, default=1, choices=(1, 2, 3, 4),
                   help="runs trained side by side, each in a process of its own (default: 1)")
    args = p.parse_args(argv)
    budget = {"epochs": args.epochs, "n_train": args.n_train}

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    line = command("failures.py", argv)
    # With --resume, runs already in the results file are kept, not run again: a long run that stops midway
    # carries on (each row is written as soon as it is measured).
    previous = json.loads(out.read_text()) if args.resume and out.exists() else {}
    if previous and (previous["budget"], previous["n_eval"]) != (budget, args.n_eval):
        raise SystemExit(f"{out} was measured with {previous['budget']} and --n-eval {previous['n_eval']}: resume it "
                         "with the same, or write a new file with --out.")
    rows = previous.get("rows", [])
    # Every invocation that wrote runs into the file, in order (a resumed file was made by several).
    commands = previous.get("commands", [previous["command"]] if previous else []) + [line]
    done = {(r["failure"], r["fix"], r["seed"]) for r in rows}

    def earlier(key):
        # The earlier commands' values, one per command (None where a file from before --jobs did not record it).
        values = previous.get(key, [])
        return [None] * (len(commands) - 1 - len(values)) + values

    jobs = [(*name.split("/"), seed) for seed in args.seeds for name in args.cells]
    jobs = [job for job in jobs if job not in done]
    order = {job: i for i, job in enumerate(jobs)}
    kept, new = list(rows), []
    started = time.monotonic()
    for row in measured(jobs, budget, args.n_eval, args.jobs):
        new.append(row)
        # The table's order, whichever run finished first.
        rows = kept + sorted(new, key=lambda r: order[r["failure"], r["fix"], r["seed"]])
        print(json.dumps({k: row.get(k) for k in ("failure", "fix", "seed", "fid", "classes_covered",
                                                  "recall", "copy_share", "seconds")}), flush=True)
        out.write_text(json.dumps({
            "command": line, "commands": commands, "budget": budget, "n_eval": args.n_eval,
            "generator_steps": args.epochs * (args.n_train // failures.BASE.batch_size),
            "seconds": round(sum(r["seconds"] for r in rows), 1),
            # How long each command took from its first run to its last, and how many runs it trained at once.
            "wall_seconds": earlier("wall_seconds") + [round(time.monotonic() - started, 1)],
            "jobs": earlier("jobs") + [args.jobs],
            "cells": summarise(rows),
            "why": {f"{f}/{x}": failures.TABLE[f, x] for f, x in failures.TABLE},
            "fixes": {name: {"settings": s.changes, "scale": s.scale, "replaces": list(s.replaces),
                             "source": s.source} for name, s in failures.FIXES.items()},
            "rows": rows}, indent=1))
    print(f"\n{'failure':<20}{'fix':<17}{'judge-FID (median, range)':>28}{'digits':>8}{'recall':>8}{'copies':>8}")
    for cell in summarise(rows):
        fid = cell["fid"]
        print(f"{cell['failure']:<20}{cell['fix']:<17}{fid['median']:>12.1f} ({fid['min']:.1f}–{fid['max']:.1f})"
              f"{cell['classes_covered']['median']:>10.0f}{cell['recall']['median']:>8.2f}"
              f"{cell['copy_share']['median']:>8.1%}" + (f"  {cell['diverged']} diverged" if cell["diverged"] else ""))
    print(f"\n{len(rows)} runs, {sum(r['seconds'] for r in rows) / 60:.0f} min "
          f"({(time.monotonic() - started) / 60:.0f} in this session); wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
