"""The checks of chapter 8's exercises (failures)."""

from __future__ import annotations

from .feedback import missing, not_yet, verdict


def toy_two_timescales(run) -> bool:
    """Exercise 8.3: ``run``, a ``toy.ToyRun`` trained with g_lr 1e-4 and d_lr 4e-4 (no R1, the default loss)."""
    exercise = "Exercise 8.3"
    if missing(run):
        return not_yet(exercise, "Set `slow` to `train_toy(g_lr=1e-4, d_lr=4e-4, steps=toy_steps)`.")
    asked = {"g_lr": 1e-4, "d_lr": 4e-4, "r1_weight": 0.0, "loss": "bce"}
    problems = [f"it trained with {key}={run.settings.get(key)!r}; the exercise asks for {key}={value!r}."
                for key, value in asked.items() if run.settings.get(key) != value]
    if not run.covered:
        problems.append("this run recorded no snapshots: train it with steps > 0.")
    return verdict(exercise, problems, f"modes covered at each snapshot: {run.covered}.")


def added_failure(failures) -> bool:
    """Exercise 8.6: ``failures``, the lab's ``FAILURES`` after adding "no dropout" (dropout 0)."""
    exercise = "Exercise 8.6"
    setting = failures.get("no dropout") if not missing(failures) else None
    if setting is None:
        return not_yet(exercise, "Add `FAILURES[\"no dropout\"] = Setting({\"dropout\": 0.0}, \"...\")`.")
    problems = [] if setting.changes.get("dropout") == 0.0 else [
        f"its changes are {setting.changes}: the failure is `{{\"dropout\": 0.0}}`."]
    if not setting.what.strip() or setting.what.strip() == "...":
        problems.append("say in `what` what the setting does, in a few words.")
    return verdict(exercise, problems, "\"no dropout\" is in the lab: choose it in the failure lab's menu.")
