"""Model cards for the shipped generators: ``MODEL_CARD.md`` beside the weights, in Hugging Face's layout.

Every figure on a card comes from the run folder (``config.json``, ``train_summary.json``, ``state.json``)
or is measured when the card is written (what each code or label draws, by the judge), so
``python -m tools.cards RUN`` rewrites it after a retraining and a test checks that the committed
cards are what the command writes.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import numpy as np

from ganlib import runs
from ganlib.config import CODE, LABELS

CARD = "MODEL_CARD.md"
SAMPLES = 10000


def _what_each_value_draws(run, conditioning) -> tuple[np.ndarray, np.ndarray]:
    """For a generator with codes or labels: the judge's most frequent digit for each value, and its share."""
    from ganlib.metrics import confusion_matrix, judge_outputs
    from ganlib.sampling import generate

    generator = runs.load_generator(run)
    values = conditioning.default_values(SAMPLES)
    matrix = confusion_matrix(judge_outputs(generate(generator, SAMPLES, seed=0, labels=values))[1], values)
    return matrix.argmax(1), matrix.max(1) / matrix.sum(1)


def _curve(scored: list, best: dict | None) -> str:
    """What a run's per-epoch FID did, in words: when it came within 1.5 times its best, its band after that,
    and the epoch it rose above twice its best (chapter 8's blow-up rule), if it did."""
    if not best or len(scored) < 2:
        return ""
    fids = np.array([row["fid"] for row in scored])
    near = int(np.argmax(fids <= 1.5 * best["fid"]))
    kept = next(i for i, row in enumerate(scored) if row["epoch"] == best["epoch"])
    band = fids[near:kept + 1]
    text = (f"\n- Its per-epoch FID came within 1.5 times its best by epoch {scored[near]['epoch']}; at the recipe's "
            f"constant learning rate it gained little after that, staying between {band.min():.1f} and "
            f"{band.max():.1f} up to the kept epoch.")
    above = [row["epoch"] for row in scored[kept:] if row["fid"] > 2 * best["fid"]]
    return text + (f" From epoch {above[0]} it was above twice its best (the late divergence chapter 8 reads), "
                   "which is why the kept epoch is not the last." if above else
                   " It stayed within twice its best to the end of the run.")


def model_card(run) -> str:
    """The model card of a shipped generator's run folder, as Markdown.

    Args:
        run: a run folder with ``train_summary.json`` holding an ``evaluation`` (``evaluate --record``).

    Returns:
        str: the card.
    """
    run = runs.run_folder(run)
    config, summary, state = runs.load_config(run), runs.read_summary(run), runs.RunState.load(run) or runs.RunState()
    if "evaluation" not in summary:
        raise ValueError(f"{run} has no recorded evaluation: run `python -m ganlib evaluate --checkpoint {run} "
                         "--n 10000 --record` first.")
    g, real = summary["evaluation"]["generated"], summary["evaluation"]["real_baseline"]
    kind, size = config.conditioning.kind, config.conditioning.size
    name = Path(run).name
    what = {CODE: f"an unconditional DCGAN generator with {size} InfoGAN latent codes, learnt without labels",
            LABELS: f"a conditional DCGAN generator: ask for a digit (0 to {size - 1}) and it draws that digit",
            }.get(kind, "an unconditional DCGAN generator")
    chosen_on = (f"{config.validation:,} held-out training digits" if config.validation else
                 "the test digits, which the table below scores too (so it flatters the choice a little)")
    kept = (f"the generator of epoch {state.generator_epoch} of {summary['epochs_done']}, the one with the lowest "
            f"per-epoch judge-FID (`--keep-best`) on {chosen_on}" if state.generator_epoch else
            f"the generator after its last epoch ({summary['epochs_done']})")
    scored = [row for row in state.history if "fid" in row]
    fid_flag = re.search(r"--fid(?:[ =](\d+))?", summary.get("command", ""))
    per_epoch = int(fid_flag.group(1)) if fid_flag and fid_flag.group(1) else 2000  # --fid alone: 2,000
    if state.generator_epoch and scored:
        # Why not the last epoch: a long run can get worse late, and the record shows by how much.
        kept += (f": per-epoch FID {state.best['fid']:.1f} there, {scored[-1]['fid']:.1f} at the last epoch "
                 f"({len(scored):,} epochs scored, {per_epoch:,} samples each)")
    curve = _curve(scored, state.best)
    used = min(config.n_train or 60000, 60000 - config.validation)
    trained_on = f"{used:,} of MNIST's 60,000 training digits" if used < 60000 else "MNIST's 60,000 training digits"
    held_out = (f", the last {config.validation:,} held out to choose the kept epoch" if config.validation else "")
    differs = [f"`{name}={value!r}`" for name, value in config.recipe_changes().items()]
    same = ("the course's defaults (`GANConfig()`" + (", conditional" if kind == LABELS else "") + ")"
            + (f" except {', '.join(differs)}" if differs else ""))
    rows = [("judge-FID (lower is better)", "fid", "{:.2f}"), ("classifier score (10 is perfect)",
            "classifier_score", "{:.3f}"), ("precision (quality)", "precision", "{:.3f}"),
            ("recall (variety)", "recall", "{:.3f}"), ("classes covered", "classes_covered", "{}"),
            ("largest class-share gap from 10 %", "max_class_deviation", "{:.2%}"),
            ("near-copies of training digits", "copy_fraction", "{:.2%}")]
    if "label_agreement" in g:
        rows.append(("label agreement (draws the digit asked for)", "label_agreement", "{:.2%}"))
    table = "\n".join(f"| {label} | {fmt.format(g[key])} | {fmt.format(real[key]) if key in real else '–'} |"
                      for label, key, fmt in rows if key in g)
    shares = np.asarray(g["class_histogram"])
    least = int(np.argmin(shares))
    limits = (f"- Measured on {SAMPLES:,} samples, the digit it draws least often is {least} ({shares[least]:.1%} of "
              f"samples; real test digits: {real['class_histogram'][least]:.1%}), and "
              f"{g['copy_fraction']:.2%} of its samples are near-copies of a training digit (real test digits: "
              f"{real['copy_fraction']:.2%}, the rate that chance look-alikes give).")
    if kind in (CODE, LABELS):
        digits, shares = _what_each_value_draws(run, config.conditioning)
        if kind == CODE:
            mixed = [f"code {c} draws {d}s {s:.1%} of the time" for c, (d, s) in enumerate(zip(digits, shares))
                     if s < 0.98]
            limits += (f"\n- A code is not a label: code *k* need not draw the digit *k*. Measured on {SAMPLES:,} "
                      f"samples, {int((shares >= 0.98).sum())} of the {size} codes draw one digit at least 98 % of "
                      "the time" + ("; of the others, " + "; ".join(mixed) + "." if mixed else ".")
                      + "\n- `generate --digit` refuses it: for digits on request use `pretrained-conditional`.")
        else:
            worst = int(np.argmin(shares))
            limits += (f"\n- The digit it gets wrong most is {worst}: drawn as asked "
                      f"{shares[worst]:.1%} of the time.")
    recipe = ", ".join(f"`{k}={v}`" for k, v in (("latent_dim", config.latent_dim), ("gen_filters", config.gen_filters),
                       ("gen_dense", config.gen_dense), ("disc_filters", config.disc_filters),
                       ("disc_dense", config.disc_dense), ("kernel_size", config.kernel_size),
                       ("batch_size", config.batch_size), ("g_lr", config.g_lr), ("d_lr", config.d_lr),
                       ("beta_1", config.beta_1), ("label_smoothing", config.label_smoothing), ("ema", config.ema),
                       *((("code_weight", config.code_weight),) if kind == CODE else ()), ("seed", config.seed)))
    usage = ('generator = keras.saving.load_model("generator.keras")  # safe mode: no code from the file runs\n'
             "noise = np.random.default_rng(0).standard_normal((16, %d)).astype(\"float32\")\n" % config.latent_dim)
    usage += ("images = generator(noise)  # (16, 28, 28, 1) in [-1, 1]" if kind not in (CODE, LABELS) else
              f"values = np.eye({size}, dtype=\"float32\")[np.arange(16) % {size}]  # one-hot "
              + ("digits" if kind == LABELS else "codes") + "\nimages = generator([noise, values])  # (16, 28, 28, 1) "
              "in [-1, 1]")
    return f"""---
license: mit
library_name: keras
tags: [gan, dcgan, mnist, image-generation, teaching]
datasets: [mnist]
metrics: [fid]
---

# {name}

{what[0].upper() + what[1:]}, trained on {trained_on} by the GAN-MNIST
course's own command. It draws 28×28 grayscale digits.

## Model description

- Architecture: the course's DCGAN (chapter 2): dense layers with batch normalisation and LeakyReLU, then
  transposed convolutions up to a 28×28×1 image with a tanh; trained against the convolutional
  discriminator of chapter 3.
- Files: `generator.weights.h5` (weights, loaded by `ganlib.runs.load_generator("{name}")`), `generator.keras`
  (a whole Keras model, loadable without ganlib), `config.json`, `state.json` (the training history),
  `train_summary.json` (the commands and the measurements below).
- This file holds {kept}.{curve}

## Intended uses and limits

- For teaching and experiments: sampling digits, exploring a latent space, and as a baseline to compare
  your own training runs against.
- Not a model of handwriting in general: it knows MNIST's 28×28 centred digits only.
{limits}

## How to use

```python
import keras, numpy as np
{usage}
```
or, with ganlib: `python -m ganlib generate --checkpoint {name} --n 100 --out samples.npz --png`.

## Training data

MNIST (LeCun, Cortes and Burges), loaded as `keras.datasets.mnist.load_data()` loads it and scaled to [-1, 1]:
{trained_on}{held_out}. The 10,000 test digits were used neither for training nor to choose the kept epoch;
the metrics below use them.

## Training procedure

- Command: `{summary['command']}`
- Recipe: {same}: {recipe}.
- {summary['epochs_done']} epochs in {summary['train_seconds'] / 60:.0f} minutes, stopped by: {summary['stopped']}, on a
  2-core x86-64 CPU without a GPU, {summary.get('precision', 'float32')} arithmetic.

## Evaluation

`{summary['evaluation']['command']}`: {summary['evaluation']['n']:,} samples scored by the course's MNIST
judge (chapter 5), beside the same figures for real digits, which is what a perfect generator would score.
The samples' noise has a fixed seed (`--seed`, 0 unless the command names another), so
`python -m ganlib evaluate --checkpoint {name} --n {summary['evaluation']['n']}` prints these figures again.

| metric | this generator | real digits |
|---|---|---|
{table}

## License

MIT, as the rest of the course.
"""


def write_model_card(run) -> Path:
    """Write ``MODEL_CARD.md`` into a run folder.

    Args:
        run: a run folder, or the name of a shipped generator.

    Returns:
        Path: the card written.
    """
    from ganlib.files import atomic_write

    path = runs.run_folder(run) / CARD
    return atomic_write(path, model_card(run).encode())


def main(argv=None) -> int:
    from ganlib.runtime import start_tensorflow
    from tools import command

    start_tensorflow()
    return command(sys.argv[1:] if argv is None else argv, 1,
                   "python -m tools.cards RUN   (a run folder, 'pretrained' or 'pretrained-conditional')",
                   lambda run: f"wrote {write_model_card(run)}")


if __name__ == "__main__":
    sys.exit(main())
