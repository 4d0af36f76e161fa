"""The failure lab: its settings, a short run's record and report, and the widget driven from Python."""

import copy

import numpy as np
import pytest

from ganlib import failures, widgets
from ganlib.files import course_result

TINY = {"epochs": 1, "n_train": 256}


def test_lab_configs_keep_the_failures_cause_under_a_fix():
    config = failures.lab_config("discriminator wins", "none", TINY)
    assert (config.g_lr, config.d_lr, config.conditioning) == (1e-4, 1e-3, failures.BASE.conditioning)
    assert (config.epochs, config.n_train) == (1, 256)
    # A loss fix replaces the failing loss and says so; the failure's rates stay.
    fixed = failures.lab_config("saturating loss", "hinge loss", TINY)
    assert (fixed.loss, fixed.g_lr, fixed.d_lr) == ("hinge", 1e-4, 1e-3)
    # WGAN-GP brings its paper's settings; where the failure sets a field, the failure's value stays.
    wgan = failures.lab_config("healthy", "WGAN-GP", TINY)
    assert (wgan.loss, wgan.d_steps, wgan.alternating, wgan.g_lr, wgan.d_lr) == ("wgan-gp", 5, True, 1e-4, 1e-4)
    assert (wgan.beta_1, wgan.beta_2, wgan.dropout, wgan.gp_weight) == (0.0, 0.9, 0.0, 10.0)
    collapsed = failures.lab_config("mode collapse", "WGAN-GP", TINY)
    assert (collapsed.g_lr, collapsed.d_lr, collapsed.d_steps) == (5e-3, 1e-4, 5)
    # Two time-scales multiplies the run's own discriminator rate, whatever it is.
    assert failures.lab_config("divergence", "two time-scales", TINY).d_lr == pytest.approx(4 * 2e-2)
    assert failures.lab_config("healthy", "two time-scales", TINY).d_lr == pytest.approx(4 * failures.BASE.d_lr)
    with pytest.raises(ValueError, match="'overfit' is not in the lab: choose one of healthy, mode collapse"):
        failures.lab_config("overfit")


def test_only_the_labs_default_budget_trains_memorisation_longer():
    default = failures.lab_config("memorisation")
    assert default.epochs == failures.FAILURES["memorisation"].longer * failures.lab_config("healthy").epochs
    assert failures.lab_config("memorisation", budget=TINY).epochs == TINY["epochs"]


def test_the_fixes_table_runs_distinct_cells_each_fix_on_and_off_target():
    cells = failures.TABLE
    assert {failure for failure, fix in cells if fix == "none"} == set(failures.FAILURES)
    # No two cells are the same run (a fix must not erase the difference between two failures).
    runs = [tuple(sorted(failures.lab_changes(*cell).items())) for cell in cells]
    assert len(set(runs)) == len(runs)
    for fix in set(failures.FIXES) - {"none"}:
        reasons = [why for (failure, f), why in cells.items() if f == fix]
        if all(why.startswith("control") for why in reasons):  # a control isolates one part of another fix
            assert reasons and failures.FIXES[fix].source, fix
            continue
        assert any(why.startswith("targeted") for why in reasons), fix
        assert any(why.startswith("not targeted") for why in reasons), fix
        assert failures.FIXES[fix].source, fix


def test_every_lesson_of_chapter_8_holds_in_the_committed_fixes_table():
    results = course_result("failures.json")
    cells = failures.table_cells(results)
    assert set(cells) == set(failures.TABLE)  # every cell of the table, each over at least 3 seeds
    assert all(len(cell["seeds"]) >= 3 and not cell["diverged"] for cell in cells.values())
    for row in results["rows"]:  # each run trained what the lab builds for its cell, with the fix's paper settings
        assert row["settings"] == failures.lab_changes(row["failure"], row["fix"]), (row["failure"], row["fix"])
    for (failure, fix), cell in cells.items():  # each cell's median and range are its runs'
        fids = [r["fid"] for r in results["rows"] if (r["failure"], r["fix"]) == (failure, fix)]
        assert cell["fid"] == {"median": float(np.median(fids)), "min": min(fids), "max": max(fids)}
    assert {lesson for lesson, holds in failures.table_lessons(results).items() if not holds} == set()


def test_a_rerun_that_changes_a_conclusion_fails_its_lesson():
    results = copy.deepcopy(course_result("failures.json"))

    def failing():
        return {lesson for lesson, holds in failures.table_lessons(results).items() if not holds}

    def lessons_about(*words):
        return {lesson for lesson in failures.LESSONS if all(word in lesson for word in words)}

    for cell in results["cells"]:  # two time-scales now rescues one seed of the winning discriminator
        if (cell["failure"], cell["fix"]) == ("discriminator wins", "two time-scales"):
            cell["fid"]["min"] = 100.0
    assert failing() == lessons_about("two time-scales (it gets faster")
    # A table without the cells a lesson reads fails that lesson instead of crashing or passing on nothing.
    results["cells"] = [c for c in results["cells"] if c["fix"] != "spectral norm"]
    assert failing() == lessons_about("two time-scales (it gets faster") | lessons_about("spectral normalisation")
    results["cells"] = [c for c in results["cells"] if c["failure"] != "mode collapse"]
    assert lessons_about("no fix in the table cures mode collapse") <= failing()


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


def test_quick_mode_halves_the_samples_a_lab_run_is_judged_on(monkeypatch):
    monkeypatch.setenv("GANLIB_QUICK", "0")
    assert failures.lab_samples() == (failures.FID_SAMPLES, failures.REPORT_SAMPLES) == (1000, 2000)
    monkeypatch.setenv("GANLIB_QUICK", "1")
    assert failures.lab_samples() == (500, 1000)
