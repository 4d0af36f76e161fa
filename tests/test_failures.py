"""The failure lab: its settings, a short run's record and report, and the widget driven from Python."""

import numpy as np
import pytest

from ganlib import failures, widgets

TINY = {"epochs": 1, "n_train": 256}


def test_lab_configs_stack_the_failure_then_the_fix():
    config = failures.lab_config("discriminator wins", "none", TINY)
    assert (config.g_lr, config.d_lr, config.conditioning.kind) == (1e-4, 1e-3, "none")
    assert (config.epochs, config.n_train) == (1, 256)
    fixed = failures.lab_config("saturating loss", "hinge loss", TINY)
    assert fixed.loss == "hinge" and fixed.d_lr == 1e-3
    assert failures.lab_config("divergence", "two time-scales", TINY).g_lr == 1e-4
    with pytest.raises(ValueError, match="'overfit' is not in the lab: choose one of healthy, mode collapse"):
        failures.lab_config("overfit")


def test_memorisation_repeats_a_hundred_digits():
    config = failures.lab_config("memorisation", budget={"epochs": 1, "n_train": 1000})
    x, digits = failures.lab_data("memorisation", config)
    assert x.shape == (1000, 28, 28, 1) and digits.shape == (failures.MEMORISED_DIGITS, 28, 28)
    assert np.array_equal(x[0], x[failures.MEMORISED_DIGITS])
    # a training digit itself is closer to the training set than the threshold; it is a copy
    threshold = failures.copy_threshold(digits, n=2000)
    assert 0 < threshold < 10


@pytest.mark.slow
def test_a_lab_run_records_every_step_and_epoch_and_reports(tmp_path):
    seen = []
    run = failures.run_lab("saturating loss", "none", tmp_path / "run", budget=TINY, every=1, fid_samples=200,
                           on_epoch=lambda record, model: seen.append(len(record.steps)))
    assert seen == [256 // 32] and len(run.steps) == 256 // 32 and len(run.histograms) == 1
    assert {"fid", "classes_covered", "g_grad_norm", "real_score"} <= set(run.history[-1])
    report = failures.lab_report(run, n=300)
    assert 0 <= report["recall"] <= 1 and 0 <= report["copy_share"] <= 1 and np.isfinite(report["fid"])
    assert abs(sum(report["class_histogram"]) - 1) < 1e-9
    fig = failures.plot_lab(run)
    assert len(fig.axes) == 5


@pytest.mark.slow
def test_failure_lab_widget_trains_and_draws_each_epoch(tmp_path):
    lab = widgets.failure_lab(tmp_path, budget=TINY, failure="divergence", fix="spectral norm", background=False)
    assert lab.plot.value == b""
    lab.fix.value = "R1 penalty"
    lab.train_button.click()
    assert lab.record is not None and lab.record.config.r1_weight > 0, lab.status.value
    assert lab.plot.value[:8] == b"\x89PNG\r\n\x1a\n" and "epoch 1" in lab.status.value
    assert "recall" in lab.status.value and not lab.train_button.disabled
    assert (tmp_path / "divergence" / "R1-penalty" / "state.json").exists()
