"""Command line for scripted use: ``python -m ganlib {train,generate,evaluate,gif,export,train-judge,data} …``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import shlex
import sys
import time
import zipfile
from pathlib import Path

# How many training digits --keep-best holds out, unless --set validation=N says: MNIST's usual 50,000 / 10,000.
KEEP_BEST_VALIDATION = 10_000
# A run folder's training.gif keeps this many frames at most, spread over the run: each 10x10 grid frame
# weighs some 60 kB, so a 170-epoch run's every frame would make an 11 MB file.
RUN_GIF_FRAMES = 40


def _command_line(args) -> str:
    return "python -m ganlib " + " ".join(shlex.quote(a) for a in args.argv)


def _cmd_train(args) -> int:
    from .config import LABELS, Conditioning, GANConfig
    from .runs import save_run_gif, write_summary
    from .training import make_strategy, train

    changes = {k: v for k, v in (("epochs", args.epochs), ("minutes", args.minutes), ("seed", args.seed),
                                 ("batch_size", args.batch_size), ("n_train", args.n_train)) if v is not None}
    if args.conditional:
        changes["conditioning"] = Conditioning(LABELS, 10)
    fields = sorted(f.name for f in dataclasses.fields(GANConfig))
    for item in args.set:
        key, _, value = item.partition("=")
        if key not in fields:
            raise SystemExit(f"--set {item}: GANConfig has no field {key!r}; the fields are {', '.join(fields)}.")
        try:
            changes[key] = json.loads(value)
        except json.JSONDecodeError:
            if key not in ("conditioning", "loss"):  # which also take plain text: code:10, hinge
                raise SystemExit(f"--set {item}: the value must be JSON, e.g. --set gen_filters=[256,128,64]") from None
            changes[key] = value
    base = GANConfig.tutorial() if args.recipe == "tutorial" else GANConfig()
    if args.minutes is not None and args.epochs is None:
        changes["epochs"] = 10_000  # the clock decides
    try:
        config = dataclasses.replace(base, **changes)
    except (TypeError, ValueError) as e:
        raise SystemExit(f"bad setting: {e}") from None
    if args.quick:
        config = config.quick()
    callbacks = []
    if args.fid:
        from .metrics import FIDCallback

        callbacks.append(FIDCallback(n=args.fid))
    elif args.keep_best:
        raise SystemExit("--keep-best needs --fid: the best epoch is the one with the lowest per-epoch FID.")
    if args.keep_best and not config.validation:
        # The choice is made on held-out training digits, never on the test digits the reports score.
        config = dataclasses.replace(config, validation=KEEP_BEST_VALIDATION)
    if args.precision is not None:
        # Layers compute in 16 bits, weights stay float32; the models keep their outputs in float32.
        config = dataclasses.replace(config, precision=args.precision)
    x, y = _data_option(args.data, config.labelled)
    started = time.time()
    result = train(config, args.out, x=x, y=y, callbacks=callbacks, verbose=1 if sys.stdout.isatty() else 2,
                   strategy=make_strategy(args.strategy), keep_best=args.keep_best, tensorboard=args.tensorboard)
    save_run_gif(args.out, Path(args.out) / "training.gif", max_frames=RUN_GIF_FRAMES)
    summary = {"command": _command_line(args),
               "seed": config.seed, "strategy": args.strategy, "precision": config.precision,
               "epochs_done": len(result.history), "stopped": result.stopped,
               "train_seconds": round(result.seconds, 1), "wall_seconds": round(time.time() - started, 1)}
    if args.keep_best:
        best = result.best
        summary["generator"] = (f"epoch {best['epoch']} of {len(result.history)}: the lowest per-epoch FID "
                                f"({best['fid']:.2f}) on {config.validation:,} held-out training digits")
    write_summary(args.out, summary)
    print(json.dumps(summary))
    return 0


def _data_option(source, labelled: bool):
    """``(x, y)`` for ``train --data``: None for MNIST, ``fashion_mnist``, a folder of images or an .npz."""
    if source is None:
        return None, None
    from .data import load_fashion_mnist, load_images, to_model_range

    if source == "fashion_mnist":
        (images, labels), _ = load_fashion_mnist()
    else:
        images, labels, _ = load_images(source)
        if labelled and (labels < 0).any():
            raise SystemExit(f"--conditional needs labels, and {source} has none: put each class's images in a "
                             "sub-folder of its own, or give the .npz a 'y' or 'labels' array.")
    return to_model_range(images), labels


def _generate(checkpoint: str, n: int, seed: int, digit: int | None = None):
    """``n`` samples from a checkpoint: ``(images uint8 (n, 28, 28), labels int32 (n,) or None)``.

    A conditional checkpoint gets balanced labels, or only ``digit``; an unconditional one has no labels."""
    import numpy as np

    from .config import CODE, NONE
    from .models import conditioning_of
    from .runs import PRETRAINED, load_generator
    from .training import generate

    try:
        generator = load_generator(checkpoint)
    except FileNotFoundError as e:
        raise SystemExit(f"{e}\nGive a run folder made by `python -m ganlib train`, or one of "
                         f"{sorted(PRETRAINED)}.") from None
    conditioning = conditioning_of(generator)
    classes = conditioning.size
    if conditioning.kind == CODE:
        if digit is not None:
            raise SystemExit(f"--digit: {checkpoint} learnt its latent codes without labels, so code k is not digit k; "
                             "use --checkpoint pretrained-conditional or a run trained with --conditional.")
        # Balanced codes; they are not labels, so there is nothing to check the digits against.
        return generate(generator, n, seed=seed), None
    if conditioning.kind == NONE:
        if digit is not None:
            raise SystemExit(f"--digit: {checkpoint} is an unconditional generator and cannot be asked for a digit; "
                             "use --checkpoint pretrained-conditional or a run trained with --conditional.")
        return generate(generator, n, seed=seed), None
    if digit is not None and not 0 <= digit < classes:
        raise SystemExit(f"--digit {digit}: choose a digit from 0 to {classes - 1}.")
    labels = conditioning.default_values(n) if digit is None else np.full(n, digit, dtype="int32")
    return generate(generator, n, seed=seed, labels=labels), labels


def _cmd_generate(args) -> int:
    import numpy as np

    from .viz import image_grid, save_png

    images, labels = _generate(args.checkpoint, args.n, args.seed, args.digit)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    arrays = {"images": images} if labels is None else {"images": images, "labels": labels}
    np.savez_compressed(out, **arrays)
    print(f"wrote {out}: " + ", ".join(f"{k} {v.dtype} {v.shape}" for k, v in arrays.items()))
    if args.png:
        png = save_png(image_grid(images[:min(len(images), 100)], ncols=10), out.with_suffix(".png"))
        print(f"wrote {png}")
    return 0


def _cmd_evaluate(args) -> int:
    import numpy as np

    from .data import check_images
    from .runs import SUMMARY, read_summary, run_folder, write_json, write_summary
    from .runtime import start_tensorflow

    if args.record and not args.checkpoint:
        raise SystemExit("--record needs --checkpoint: it adds the figures to that run's train_summary.json")
    if args.checkpoint:
        start_tensorflow()
        images, labels = _generate(args.checkpoint, args.n, args.seed)
    elif args.samples:
        if not Path(args.samples).exists():
            raise SystemExit(f"{args.samples} not found: give the .npz that `python -m ganlib generate` wrote.")
        if not zipfile.is_zipfile(args.samples):
            raise SystemExit(f"{args.samples} is not an .npz file: write one with `python -m ganlib generate`, or "
                             "numpy.savez(path, images=uint8 array (N, 28, 28)).")
        with np.load(args.samples, allow_pickle=False) as f:
            if "images" not in f:
                raise SystemExit(f"{args.samples} has no 'images' array (keys: {list(f.keys())}); "
                                 "write one with `python -m ganlib generate`.")
            images = check_images(f["images"])  # before TensorFlow starts: a bad file is refused at once
            labels = f["labels"] if "labels" in f else None
        start_tensorflow()
    else:
        raise SystemExit("give SAMPLES.npz or --checkpoint DIR")
    from .metrics import evaluate, format_table

    report = evaluate(images, labels=labels)
    print(format_table(report))
    if args.json:
        write_json(args.json, report)
        print(f"wrote {args.json}")
    if args.record:
        run = run_folder(args.checkpoint)
        summary = read_summary(run)
        summary["evaluation"] = {"command": _command_line(args), **report}
        write_summary(run, summary)
        print(f"recorded in {run / SUMMARY}")
    return 0


def _cmd_gif(args) -> int:
    from .runs import save_run_gif

    path = save_run_gif(args.run, args.out, captions=not args.no_captions, max_frames=args.max_frames,
                        fps=args.fps, size=args.size)
    print(f"wrote {path}")
    return 0


def _cmd_export(args) -> int:
    from .runs import export_generator

    path = export_generator(args.checkpoint, args.out)
    print(f"wrote {path}: load it with keras.saving.load_model, no ganlib needed")
    return 0


def _cmd_train_judge(args) -> int:
    from .metrics import train_judge

    accuracy = train_judge(args.out, epochs=args.epochs, seed=args.seed, dataset=args.dataset)
    print(f"judge test accuracy: {accuracy:.4f}")
    return 0


def _cmd_data(args) -> int:
    from .data import load_mnist
    from .metrics import reference
    from .runtime import start_tensorflow

    (x, y), (xt, yt) = load_mnist()
    print(f"MNIST ready: train {x.shape} {x.dtype}, test {xt.shape} {xt.dtype}", flush=True)
    start_tensorflow()  # for the judge, once the data is in place
    reference()
    print("the judge's view of the 10,000 test digits (the metrics' reference) is kept in data/")
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: give at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m ganlib`` argument parser, one sub-command per task."""
    p = argparse.ArgumentParser(prog="python -m ganlib", description=__doc__)
    p.add_argument("--debug", action="store_true", help="show the full traceback of an error")
    # Sub-commands that never touch TensorFlow (data) set this to False and start faster.
    p.set_defaults(tensorflow=True)
    sub = p.add_subparsers(dest="command", required=True)

    t = sub.add_parser("train", help="train a GAN in a run folder (resumes an unfinished one)")
    t.add_argument("--out", required=True, help="run folder: checkpoints, frames, training.gif")
    budget = t.add_mutually_exclusive_group()
    budget.add_argument("--epochs", type=int)
    budget.add_argument("--minutes", type=float, help="wall-clock budget for the whole run")
    t.add_argument("--seed", type=int)
    t.add_argument("--batch-size", type=int)
    t.add_argument("--n-train", type=int, help="train on a subset of the 60,000 digits")
    t.add_argument("--recipe", choices=["course", "tutorial"], default="course",
                   help="course: the fast default; tutorial: the TensorFlow DCGAN tutorial's settings")
    t.add_argument("--set", action="append", default=[], metavar="KEY=JSON",
                   help="change any GANConfig field, e.g. --set label_smoothing=0 --set disc_filters=[64,128]")
    t.add_argument("--fid", type=int, nargs="?", const=2000, default=0, metavar="N",
                   help="track judge-FID on N samples after each epoch (default N: 2000)")
    t.add_argument("--keep-best", action="store_true",
                   help="with --fid: keep the generator of the epoch with the lowest FID, not the last epoch's; "
                        "FID on held-out training digits, never trained on (10,000 unless --set validation=N)")
    t.add_argument("--strategy", choices=["default", "mirrored", "multiworker"], default="default",
                   help="mirrored: all GPUs of this machine; multiworker: several machines, set up by TF_CONFIG")
    t.add_argument("--precision", choices=["float32", "mixed_bfloat16"], default=None,
                   help="mixed_bfloat16: faster on recent GPUs and CPUs with bf16 units (default: the config's)")
    t.add_argument("--data", metavar="SOURCE",
                   help="train on other images: a folder of image files (sub-folders are classes), an .npz "
                        "with 'images' or 'x' (uint8 N×H×W), or fashion_mnist (default: MNIST)")
    t.add_argument("--tensorboard", metavar="DIR",
                   help="also log losses, scores, FID and sample grids for TensorBoard (tensorboard --logdir DIR)")
    t.add_argument("--quick", action="store_true", help="tiny run for smoke tests")
    t.add_argument("--conditional", action="store_true",
                   help="train a conditional GAN: both networks see the digit's label, so you can ask for a digit")
    t.set_defaults(func=_cmd_train)

    g = sub.add_parser("generate", help="draw digits from a trained generator into an .npz")
    g.add_argument("--checkpoint", required=True, help="run folder, 'pretrained' or 'pretrained-conditional'")
    g.add_argument("--digit", type=int, help="conditional checkpoints only: draw only this digit (0-9)")
    g.add_argument("--n", type=_positive, default=100)
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--out", required=True,
                   help="FILE.npz (holds 'images', uint8 N×28×28, and for a conditional GAN 'labels', int32 N)")
    g.add_argument("--png", action="store_true", help="also write a grid of the first 100 as FILE.png")
    g.set_defaults(func=_cmd_generate)

    e = sub.add_parser("evaluate", help="judge-FID, classifier score, coverage, precision/recall, memorisation")
    e.add_argument("samples", nargs="?", help="an .npz with 'images' (uint8 N×28×28) and optionally 'labels' (N)")
    e.add_argument("--checkpoint", help="or a run folder / 'pretrained' to sample from")
    e.add_argument("--n", type=_positive, default=10000)
    e.add_argument("--seed", type=int, default=0)
    e.add_argument("--json", help="also write the figures as JSON")
    e.add_argument("--record", action="store_true", help="add the figures to the run's train_summary.json")
    e.set_defaults(func=_cmd_evaluate, tensorflow=False)  # it starts TensorFlow once its input is checked

    f = sub.add_parser("gif", help="turn a run folder's frames into an animated GIF (or .mp4)")
    f.add_argument("run")
    f.add_argument("--out", required=True, help="FILE.gif, or FILE.mp4 for a video")
    f.add_argument("--fps", type=float, default=4.0)
    f.add_argument("--size", type=int, help="width in pixels (default: each pixel doubled)")
    f.add_argument("--no-captions", action="store_true", help="leave out the epoch and losses above each frame")
    f.add_argument("--max-frames", type=_positive, help="keep at most this many frames, evenly spread (default: all)")
    f.set_defaults(func=_cmd_gif)

    x = sub.add_parser("export", help="write a trained generator as a whole Keras model file (.keras)")
    x.add_argument("--checkpoint", required=True, help="run folder, 'pretrained' or 'pretrained-conditional'")
    x.add_argument("--out", required=True, help="FILE.keras")
    x.set_defaults(func=_cmd_export)

    j = sub.add_parser("train-judge", help="retrain a classifier behind the metrics (the digits' or the clothes')")
    j.add_argument("--dataset", choices=["mnist", "fashion_mnist"], default="mnist",
                   help="mnist: the judge of every digit GAN; fashion_mnist: chapter 7's clothes")
    j.add_argument("--epochs", type=int, default=8)
    j.add_argument("--seed", type=int, default=0)
    j.add_argument("--out", help="weights file (default: ganlib/assets/judge.weights.h5, or fashion_judge.weights.h5)")
    j.set_defaults(func=_cmd_train_judge)

    d = sub.add_parser("data", help="download and check MNIST into data/, and judge its test digits once for the "
                       "metrics")
    d.set_defaults(func=_cmd_data, tensorflow=False)  # it starts TensorFlow once MNIST is in place
    return p


def main(argv=None) -> int:
    """Run one sub-command (``argv`` defaults to the command line); returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = build_parser().parse_args(argv)
    args.argv = [a for a in argv if a != "--debug"]
    from .runtime import start_tensorflow

    try:
        if args.tensorflow:
            start_tensorflow()  # its harmless start-up messages stay off the console
        return args.func(args)
    except SystemExit as e:
        if args.debug or not isinstance(e.code, str):
            raise
        message = e.code
    except (ValueError, FileNotFoundError, FloatingPointError) as e:
        if args.debug:
            raise
        # The library's errors say what is wrong and how to fix it; a traceback is for bugs (or --debug).
        message = str(e)
    print("error: " + " ".join(message.split()), file=sys.stderr)
    return 2
