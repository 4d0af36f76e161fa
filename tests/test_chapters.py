"""The chapters' own code and ganlib's agree, and the drift checks notice when either side is edited.

Each teaching chapter tags the cells that write its idea ("shown-code"), the checks that compare it with
ganlib ("drift-check") and the few cells those need ("drift-setup"). These tests run just those cells, as
nbval runs the whole chapter, and then run them again with one side changed: the check must fail.
"""
import json
from pathlib import Path

import pytest

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


def test_chapter_2_generator_agrees_and_edits_are_caught(tmp_path, monkeypatch, capsys):
    run_chapter("02_generator.ipynb", tmp_path)
    assert "✓ the generator" in capsys.readouterr().out

    wider = replace("layers.Conv2DTranspose(64, 4", "layers.Conv2DTranspose(96, 4")
    with pytest.raises(Mismatch, match="layer .* Conv2DTranspose with output \\(7, 7, 96\\)"):
        run_chapter("02_generator.ipynb", tmp_path, wider)
    assert wider.hits == 1

    import ganlib.models as models

    original = models.build_generator
    # ganlib's side edited: kernel 5 instead of the config's 4.
    monkeypatch.setattr(models, "build_generator", lambda latent, filters, dense, kernel: original(
        latent, filters, dense, 5))
    with pytest.raises(Mismatch, match="parameters"):
        run_chapter("02_generator.ipynb", tmp_path)


def test_chapter_3_discriminator_and_loss_agree_and_edits_are_caught(tmp_path, monkeypatch, capsys):
    run_chapter("03_discriminator.ipynb", tmp_path)
    out = capsys.readouterr().out
    assert "✓ the discriminator:" in out and "✓ the discriminator's loss" in out

    half = replace(" + (1 - y) * np.log(1 - p)", "")
    with pytest.raises(Mismatch, match="the discriminator's loss"):
        run_chapter("03_discriminator.ipynb", tmp_path, half)
    assert half.hits == 1

    import ganlib.models as models

    original = models.build_discriminator
    monkeypatch.setattr(models, "build_discriminator", lambda filters, dense, kernel, dropout: original(
        filters, (), kernel, dropout))  # ganlib's side edited: no hidden dense layer
    with pytest.raises(Mismatch, match="layers"):
        run_chapter("03_discriminator.ipynb", tmp_path)


def test_chapter_4_step_equals_ganlibs_and_edits_are_caught(tmp_path, monkeypatch, capsys):
    run_chapter("04_training.ipynb", tmp_path)
    out = capsys.readouterr().out
    assert out.count("✓") == 4 and "the generator after one step" in out

    saturating = replace("g_loss = tf.reduce_mean(bce(tf.ones_like(p_fake), p_fake))",
                         "g_loss = -tf.reduce_mean(bce(tf.zeros_like(p_fake), p_fake))")
    with pytest.raises(Mismatch, match="g_loss"):
        run_chapter("04_training.ipynb", tmp_path, saturating)
    assert saturating.hits == 1

    from ganlib.training import GAN

    # ganlib's side edited: the discriminator scores in inference mode, so without dropout.
    monkeypatch.setattr(GAN, "discriminate", lambda self, images, condition=None: (
        self.discriminator(images, training=False), None))
    with pytest.raises(Mismatch, match="d_loss"):
        run_chapter("04_training.ipynb", tmp_path)


def test_chapter_5_metrics_agree_and_edits_are_caught(tmp_path, monkeypatch, capsys):
    run_chapter("05_evaluation.ipynb", tmp_path)
    out = capsys.readouterr().out
    assert "✓ FID" in out and "✓ the classifier score" in out

    means_only = replace(" + np.trace(cov_r) + np.trace(cov_g) - 2 * trace_sqrt", "")
    with pytest.raises(Mismatch, match="FID"):
        run_chapter("05_evaluation.ipynb", tmp_path, means_only)
    assert means_only.hits == 1

    import ganlib.metrics as metrics

    original = metrics.classifier_score
    monkeypatch.setattr(metrics, "classifier_score", lambda probs: original(probs[: len(probs) // 2]))
    with pytest.raises(Mismatch, match="classifier score"):
        run_chapter("05_evaluation.ipynb", tmp_path)
