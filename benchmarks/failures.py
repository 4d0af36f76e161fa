"""Which fix helps which failure? Every failure of the lab × every fix, at the lab's fixed budget.

    python benchmarks/failures.py
    python benchmarks/failures.py --failures "mode collapse" divergence --fixes none "R1 penalty"

Each pair trains from scratch for the same number of epochs and images (by default 3 epochs of 10,000
digits, longer than a chapter-8 run so that the differences are not all early noise; memorisation three
times that, as in the lab), the way chapter 8 and its failure lab do; the judge then scores ``--n-eval``
samples (FID, classifier score, classes covered, recall, and the share of near-copies of the training
digits). A fixed number of steps, not of minutes, so every fix gets the same updates (the gradient penalties
make a step slower: the seconds are recorded beside it). Writes JSON (default:
benchmarks/results/failures.json) with the command that made it, and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def measure(failures, failure: str, fix: str, budget: dict, n_eval: int) -> dict:
    """Train one pair from scratch in a temporary folder and score it; a run whose loss became NaN is a row
    with ``diverged`` and no scores."""
    from ganlib.training import TrainingDiverged

    folder = Path(tempfile.mkdtemp(prefix="ganlib-failure-"))
    started = time.monotonic()
    row = {"failure": failure, "fix": fix,
           "changes": {**failures.FAILURES[failure].changes, **failures.FIXES[fix].changes}}
    try:
        run = failures.run_lab(failure, fix, folder, budget=budget)
        report = failures.lab_report(run, n=n_eval)
    except TrainingDiverged as e:
        return {**row, "diverged": str(e), "seconds": round(time.monotonic() - started, 1)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {**row, "train_seconds": round(run.seconds, 1), "seconds": round(time.monotonic() - started, 1),
            "fid_per_epoch": [round(r["fid"], 1) for r in run.history],
            **{k: (round(v, 4) if isinstance(v, float) else v) for k, v in report.items()}}


def main(argv=None) -> int:
    from ganlib.runtime import start_tensorflow

    start_tensorflow()  # the thread pools the course uses (ganlib.runtime.cpu_threads)
    from ganlib import failures

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--failures", nargs="+", default=list(failures.FAILURES), choices=list(failures.FAILURES))
    p.add_argument("--fixes", nargs="+", default=list(failures.FIXES), choices=list(failures.FIXES))
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--n-train", type=int, default=10000)
    p.add_argument("--n-eval", type=int, default=10000)
    p.add_argument("--out", default=str(Path(__file__).parent / "results" / "failures.json"))
    p.add_argument("--resume", action="store_true", help="keep the pairs already in --out, run the others")
    args = p.parse_args(argv)
    budget = {"epochs": args.epochs, "n_train": args.n_train}

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    command = "python benchmarks/failures.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    # With --resume, pairs already in the results file are kept, not run again: a long run that stops midway
    # carries on (each row is written as soon as it is measured).
    rows = json.loads(out.read_text())["rows"] if args.resume and out.exists() else []
    done = {(r["failure"], r["fix"]) for r in rows}
    for failure in args.failures:
        for fix in args.fixes:
            if (failure, fix) in done:
                continue
            rows.append(measure(failures, failure, fix, budget, args.n_eval))
            print(json.dumps({k: rows[-1].get(k) for k in ("failure", "fix", "fid", "classifier_score",
                                                           "classes_covered", "recall", "copy_share")}), flush=True)
            out.write_text(json.dumps({"command": command.strip(), "budget": budget, "n_eval": args.n_eval,
                                       "rows": rows}, indent=1))
    print(f"\n{'failure':<20}{'fix':<17}{'FID':>8}{'score':>7}{'digits':>7}{'recall':>8}{'copies':>8}")
    for r in rows:
        if r.get("diverged"):
            print(f"{r['failure']:<20}{r['fix']:<17}  diverged: a loss became NaN")
            continue
        print(f"{r['failure']:<20}{r['fix']:<17}{r['fid']:>8.1f}{r['classifier_score']:>7.2f}"
              f"{r['classes_covered']:>7}{r['recall']:>8.3f}{r['copy_share']:>8.1%}")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
