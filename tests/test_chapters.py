"""The chapters' own code and ganlib's agree, and the drift checks notice when either side is edited.

Each teaching chapter tags the cells that write its idea ("shown-code"), the checks that compare it with
ganlib ("drift-check") and the few cells those need ("drift-setup"). These tests run just those cells, as
nbval runs the whole chapter (under make test, which runs every chapter, only nbval does), and then run them
again with one side changed: the check must fail.
"""
import json
from pathlib import Path

import pytest
from conftest import CHAPTERS_FROM_WHEEL

from ganlib.checks import Mismatch

ROOT = Path(__file__).resolve().parents[1]
TAGS = {"drift-setup", "shown-code", "drift-check"}


def run_chapter(name, tmp_path, edit=None):
    """Execute the chapter's tagged cells in order; ``edit(source)`` rewrites its shown-code cells first."""
    cells = json.loads((ROOT / "notebooks" / name).read_text())["cells"]
    namespace = {"FIGURES": tmp_path}
    for cell in cells:
        tags = set(cell["metadata"].get("tags", []))
        if cell["cell_type"] != "code" or not tags & TAGS:
            continue
        source = "".join(cell["source"])
        if edit is not None and "shown-code" in tags:
            source = edit(source)
        exec(compile(source, f"{name}:{cell['id']}", "exec"), namespace)
    return namespace


def replace(old, new):
    def edit(source):
        return source.replace(old, new)

    def edit_checked(source):
        edit_checked.hits += old in source
        return edit(source)

    edit_checked.hits = 0
    return edit_checked


@pytest.fixture(autouse=True)
def _headless(monkeypatch):
    import matplotlib

    matplotlib.use("Agg")


def ganlib_kernel_5(monkeypatch):
    """ganlib's side edited: the generator's kernel is 5 instead of the config's 4."""
    import ganlib.models as models

    original = models.build_generator
    monkeypatch.setattr(models, "build_generator", lambda latent, filters, dense, kernel: original(
        latent, filters, dense, 5))


def ganlib_no_hidden_dense(monkeypatch):
    """ganlib's side edited: the discriminator loses its hidden dense layer."""
    import ganlib.models as models

    original = models.build_discriminator
    monkeypatch.setattr(models, "build_discriminator", lambda filters, dense, kernel, dropout: original(
        filters, (), kernel, dropout))


def ganlib_scores_without_dropout(monkeypatch):
    """ganlib's side edited: the step's discriminator scores in inference mode, so without dropout."""
    from ganlib.training import GAN

    monkeypatch.setattr(GAN, "discriminate", lambda self, images, condition=None: (
        self.discriminator(images, training=False), None))


def ganlib_half_the_score(monkeypatch):
    """ganlib's side edited: the classifier score looks at half the samples."""
    import ganlib.metrics as metrics

    original = metrics.classifier_score
    monkeypatch.setattr(metrics, "classifier_score", lambda probs: original(probs[: len(probs) // 2]))


def ganlib_r1_doubled(monkeypatch):
    """ganlib's side edited: the R1 penalty counts twice."""
    import ganlib.losses as losses

    original = losses.r1_penalty
    monkeypatch.setattr(losses, "r1_penalty", lambda critic, real: 2 * original(critic, real))


CHAPTERS = [
    # chapter, what its checks print when all agree, an edit of its own code and what the check then says,
    # an edit of ganlib's side and what the check then says
    ("02_generator.ipynb", ["✓ the generator"],
     ("layers.Conv2DTranspose(32, 4", "layers.Conv2DTranspose(96, 4"),
     "layer .* Conv2DTranspose with output \\(7, 7, 96\\)",
     ganlib_kernel_5, "parameters"),
    ("03_discriminator.ipynb", ["✓ the discriminator:", "✓ the discriminator's loss"],
     (" + (1 - y) * np.log(1 - p)", ""), "the discriminator's loss",
     ganlib_no_hidden_dense, "layers"),
    ("04_training.ipynb", [f"✓ your {name} and ganlib's GAN" for name in ("TextbookGAN", "SmoothGAN", "AveragedGAN",
                                                                          "CodeGAN")],
     ("real_target = 1.0  # the discriminator's target for real images",
      "real_target = 0.95  # the discriminator's target for real images"), "d_loss",
     ganlib_scores_without_dropout, "d_loss"),
    ("05_evaluation.ipynb", ["✓ FID", "✓ the classifier score"],
     (" + np.trace(cov_r) + np.trace(cov_g) - 2 * trace_sqrt", ""), "FID",
     ganlib_half_the_score, "classifier score"),
    ("08_failures.ipynb", ["✓ the hinge loss (discriminator)", "✓ the hinge loss (generator)",
                           "✓ the gradient penalty", "✓ the R1 penalty"],
     ("(slope(critic, mixed) - 1.0) ** 2", "slope(critic, mixed) ** 2"), "the gradient penalty",
     ganlib_r1_doubled, "the R1 penalty"),
]


@pytest.mark.parametrize("name, agreed, chapter_edit, chapter_says, ganlib_edit, ganlib_says", CHAPTERS,
                         ids=[c[0] for c in CHAPTERS])
@pytest.mark.slow
def test_chapter_code_agrees_with_ganlib_and_an_edit_on_either_side_is_caught(
        tmp_path, monkeypatch, capsys, name, agreed, chapter_edit, chapter_says, ganlib_edit, ganlib_says):
    if not CHAPTERS_FROM_WHEEL:  # make test runs each whole chapter, where a failing check fails it: not twice
        run_chapter(name, tmp_path)
        out = capsys.readouterr().out
        assert all(line in out for line in agreed), out

    edit = replace(*chapter_edit)
    with pytest.raises(Mismatch, match=chapter_says):
        run_chapter(name, tmp_path, edit)
    assert edit.hits == 1  # the edit really changed the chapter's code

    ganlib_edit(monkeypatch)
    with pytest.raises(Mismatch, match=ganlib_says):
        run_chapter(name, tmp_path)
