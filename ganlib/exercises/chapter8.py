"""The checks of chapter 8's exercises (failures)."""

from __future__ import annotations

from .feedback import missing, not_yet, unchecked_dict, verdict


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


def memorisation_sizes(copy_shares) -> bool:
    """Exercise 8.4: ``copy_shares``, a dict: number of distinct training digits → the near-copy share (0 to 1)
    of the lab's memorisation run with that many digits; 100 (the chapter's run) and 400 at least."""
    exercise = "Exercise 8.4"
    if missing(copy_shares):
        return not_yet(exercise, "Set `copy_shares` to {number of distinct digits: near-copy share}, e.g. "
                                 "{100: memorised_report[\"copy_share\"], 400: ...}.")
    problems = []
    if not {100, 400} <= set(copy_shares):
        problems.append(f"the sizes are {sorted(copy_shares)}: give the chapter's 100 and at least 400.")
    if any(not 0 <= share <= 1 for share in copy_shares.values()):
        problems.append("a near-copy share is a fraction of the samples, from 0 to 1: use the report's `copy_share`.")
    if not problems and copy_shares[max(copy_shares)] > copy_shares[100]:
        problems.append(f"{max(copy_shares)} distinct digits gave more near-copies than 100: did each run use its "
                        "own folder and its own MEMORISED_DIGITS?")
    return verdict(exercise, problems, "the near-copies thin out as the set grows: "
                   + ", ".join(f"{size} digits {share:.1%}" for size, share in sorted(copy_shares.items())) + ".")


def first_jumps(jumps, run) -> bool:
    """Exercise 8.5: ``jumps``, a dict ``{"d_grad_norm": step or None, "g_grad_norm": step or None}``, the
    first logged step at which each network's gradient norm jumps, in ``run`` (the chapter's divergence
    ``LabRun``)."""
    import numpy as np

    exercise, keys = "Exercise 8.5", ("d_grad_norm", "g_grad_norm")
    todo = "Set `jumps` to {\"d_grad_norm\": step, \"g_grad_norm\": step} (None for a network whose norm never jumps)."
    early = unchecked_dict(exercise, jumps, keys, todo)
    if early is not None:
        return early
    steps = {row["step"]: row for row in run.steps}
    problems = []
    for key in keys:
        step = jumps[key]
        if step is None:
            continue
        if step not in steps:
            problems.append(f"step {step} ({key}) is not one of the run's logged steps.")
            continue
        early = np.median([row[key] for row in run.steps[:10]])
        if steps[step][key] < 3 * early:
            problems.append(f"at step {step} {key} is {steps[step][key]:.3g}, not a jump from its early "
                            f"{early:.3g}: look for a step several times larger.")
    if all(jumps[key] is None for key in keys):
        problems.append("neither network jumps: at twenty times the recipe's rates at least one does.")
    return verdict(exercise, problems, "the first jumps: " + ", ".join(f"{k} at step {jumps[k]}" for k in keys) + ".")
