"""The benchmark scripts stay runnable: a tiny run of each writes well-formed results."""
import json
import runpy
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run_script(name, args, monkeypatch):
    monkeypatch.setattr(sys, "argv", [name, *args])
    try:
        runpy.run_path(str(ROOT / "benchmarks" / name), run_name="__main__")
    except SystemExit as e:
        assert e.code == 0


@pytest.mark.slow
def test_speed_benchmark_smoke(tmp_path, monkeypatch, capsys):
    out = tmp_path / "speed.json"
    figure = tmp_path / "ladder.png"
    run_script("speed.py", ["--rounds", "1", "--images", "256", "--budgets", "0.02", "--n-eval", "200",
                            "--peak-seconds", "0.2", "--profile-steps", "5", "--seeds", "3", "--no-panel",
                            "--figure", str(figure), "--out", str(out)], monkeypatch)
    results = json.loads(out.read_text())
    course = results["flops_per_image"]["course"]
    assert course["per_image"] == 3 * course["generator_forward"] + 7 * course["discriminator_forward"] > 1e7
    assert results["peak_gflops"]["float32"] > 0 and 0 < results["share_of_float32_peak"]["course"]
    expected = results["throughput_images_per_s"]["course"] * course["per_image"] / 1e9  # images/s are rounded
    assert abs(results["achieved_gflops"]["course"] - expected) <= 0.02 * expected + 0.1
    assert set(results["throughput_images_per_s"]) == {"course", "tutorial"}
    assert all(v > 0 for v in results["throughput_images_per_s"].values())
    assert [row["seed"] for row in results["time_to_quality"]] == [3]
    assert results["time_to_quality"][0]["minutes"] == 0.02 and results["time_to_quality"][0]["fid"] > 0
    assert 0 <= results["time_to_quality_conditional"][0]["label_agreement"] <= 1
    median = results["time_to_quality_medians"]["course"][0]  # over seeds: test_ladder_medians_are_over_the_seeds
    assert median["fid_per_seed"] == [results["time_to_quality"][0]["fid"]] and median["seeds"] == [3]
    profile = results["epoch_profile"]
    assert profile["steps_per_epoch"] == 60000 // 32 and profile["ms_per_step"]["full step (with moving average)"] > 0
    assert profile["ms_per_step"]["full step with Keras's own Adam"] > 0
    assert profile["seconds_per_epoch"]["RunCheckpoint (per epoch)"] > 0
    assert figure.stat().st_size > 10_000
    assert "speed-up" in capsys.readouterr().out


def load_speed():
    import importlib.util

    spec = importlib.util.spec_from_file_location("speed", ROOT / "benchmarks" / "speed.py")
    speed = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(speed)
    return speed


def test_layer_flops_are_counted_from_the_shapes():
    import keras

    speed = load_speed()
    image = keras.Input((28, 28, 1))
    h = keras.layers.Conv2D(8, 4, strides=2, padding="same")(image)         # 14×14×8 outputs of 4·4·1 inputs
    h = keras.layers.Conv2DTranspose(2, 3, strides=2, padding="same")(h)   # 14×14 inputs spread over 3·3·2
    out = keras.layers.Dense(5)(keras.layers.Flatten()(h))                   # 28·28·2 inputs, 5 units
    model = keras.Model(image, out)
    assert speed.forward_flops(model) == 2 * (4 * 4 * 1 * 8 * 14 * 14 + 3 * 3 * 8 * 2 * 14 * 14 + 28 * 28 * 2 * 5)


def test_ladder_medians_are_over_the_seeds_per_budget():
    def row(seed, minutes, fid, classes, agreement=None):
        r = {"seed": seed, "minutes": minutes, "epochs": 2, "fid": fid, "classifier_score": 9.0, "precision": 0.8,
             "recall": 0.5, "classes_covered": classes}
        return r if agreement is None else {**r, "label_agreement": agreement}

    rows = [row(3, 1, 40.0, 10, 0.9), row(4, 1, 20.0, 9, 0.7), row(3, 2, 10.0, 10, 0.95), row(4, 2, 30.0, 10, 0.85),
            row(5, 2, 12.0, 10, 0.99)]
    one, two = load_speed().ladder_medians(rows)
    assert (one["minutes"], one["seeds"], one["fid_per_seed"]) == (1, [3, 4], [40.0, 20.0])
    assert one["fid"] == 30.0 and one["fewest_classes"] == 9 and one["label_agreement"] == 0.8  # two seeds: the mean
    assert (two["seeds"], two["fid"], two["label_agreement"], two["fewest_classes"]) == ([3, 4, 5], 12.0, 0.95, 10)


@pytest.mark.slow
def test_panel_preview_times_each_epoch_of_the_panel():
    from ganlib.config import GANConfig

    rows = load_speed().panel_preview(GANConfig(epochs=2, n_train=256, gen_filters=(16, 8), disc_filters=(8,)))
    assert [row["epoch"] for row in rows] == [1, 2] and 0 < rows[0]["seconds"] < rows[1]["seconds"]
    assert all(0 <= row["sure_share"] <= 1 and 0 <= row["kinds_sure"] <= 10 for row in rows)


@pytest.mark.slow
def test_recipe_comparison_smoke(tmp_path, monkeypatch):
    out = tmp_path / "recipes.json"
    run_script("recipes.py", ["--minutes", "0.03", "--n-eval", "200", "--out", str(out), '{"batch_size": 64}',
                             '{"conditioning": "labels:10"}'],
               monkeypatch)
    rows = json.loads(out.read_text())["rows"]
    assert rows[0]["changes"] == {"batch_size": 64} and rows[0]["epochs"] >= 1
    assert rows[1]["changes"] == {"conditioning": "labels:10"} and rows[1]["fid"] > 0


@pytest.mark.slow
def test_recipe_comparison_over_seeds_with_a_budget_in_epochs(tmp_path, monkeypatch):
    out = tmp_path / "extras.json"
    run_script("recipes.py", ["--epochs", "1", "--seeds", "3", "4", "--n-train", "256", "--n-eval", "200", "--out",
                              str(out), '{"ema": 0}', "tutorial"], monkeypatch)
    results = json.loads(out.read_text())
    assert results["command"].startswith("python benchmarks/recipes.py --epochs 1 --seeds 3 4")
    assert results["epochs"] == 1 and results["minutes"] is None
    rows = results["rows"]
    assert [r["changes"] for r in rows] == [{"ema": 0, "seed": s} for s in (3, 4)] + [
        {"recipe": "tutorial", "seed": s} for s in (3, 4)]
    assert [r["epochs"] for r in rows] == [1] * 4 and rows[0]["fid"] != rows[1]["fid"]


@pytest.mark.slow
def test_failure_fixes_benchmark_smoke(tmp_path, monkeypatch):
    out = tmp_path / "failures.json"
    args = ["--cells", "discriminator wins/none", "mode collapse/two time-scales", "--seeds", "3",
            "--epochs", "1", "--n-train", "128", "--n-eval", "200", "--out", str(out)]
    run_script("failures.py", args, monkeypatch)
    first = json.loads(out.read_text())
    assert first["command"].startswith("python benchmarks/failures.py --cells") and first["n_eval"] == 200
    assert first["generator_steps"] == 128 // 32
    assert [(r["failure"], r["fix"], r["seed"]) for r in first["rows"]] == [
        ("discriminator wins", "none", 3), ("mode collapse", "two time-scales", 3)]
    assert first["rows"][1]["settings"] == {"g_lr": 5e-3, "d_lr": 4e-4}  # the failure's rates, D's × 4
    assert first["fixes"]["WGAN-GP"]["settings"]["d_steps"] == 5 and first["fixes"]["WGAN-GP"]["source"]
    # --resume keeps the runs measured and adds only the missing ones; --jobs 2 trains them side by side in
    # forked processes, which a process that has started TensorFlow cannot do (this one has)
    seeds = args.index("--seeds") + 1
    resume = [*args[:seeds], "3", "4", *args[seeds + 1:], "--resume", "--jobs", "2"]
    with pytest.raises(AssertionError, match="forks its workers before TensorFlow starts"):
        run_script("failures.py", resume, monkeypatch)
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "failures.py"), *resume], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    results = json.loads(out.read_text())
    rows = results["rows"]
    # in the table's order, whichever finished first
    assert rows[:2] == first["rows"] and [(r["failure"], r["seed"]) for r in rows[2:]] == [
        ("discriminator wins", 4), ("mode collapse", 4)]
    assert len(results["commands"]) == 2 and results["commands"][0] == first["command"]  # both sessions named
    assert results["jobs"] == [1, 2] and len(results["wall_seconds"]) == 2
    assert all(r["fid"] > 0 and 0 <= r["recall"] <= 1 and len(r["fid_per_epoch"]) == 1 for r in rows)
    assert rows[0]["fid"] != rows[2]["fid"]  # the seed changes the run
    cell = results["cells"][0]
    assert (cell["failure"], cell["fix"], cell["seeds"]) == ("discriminator wins", "none", [3, 4])
    fids = sorted(r["fid"] for r in rows[::2])
    assert cell["fid"] == {"median": pytest.approx(sum(fids) / 2), "min": fids[0], "max": fids[1]}
    # Resuming with another budget would mix runs of two budgets in one cell: refused, the file untouched.
    epochs = args.index("--epochs") + 1
    with pytest.raises(AssertionError, match="resume it with the same"):
        run_script("failures.py", [*args[:epochs], "2", *args[epochs + 1:], "--resume"], monkeypatch)
    assert json.loads(out.read_text()) == results


@pytest.mark.slow
def test_thread_pools_benchmark_smoke(tmp_path, monkeypatch):
    out = tmp_path / "threads.json"
    run_script("threads.py", ["--settings", "1,1", "tf", "--rounds", "1", "--steps", "2", "--out", str(out)],
               monkeypatch)
    rows = json.loads(out.read_text())["rows"]
    assert rows["1,1"]["pools"] == [1, 1] and rows["tf"]["pools"] == [0, 0]  # 0: TensorFlow's own choice
    assert all(len(row["images_per_s"]) == 3 and min(row["images_per_s"]) > 0 for row in rows.values())
    assert all(len(row["generate_10k_s"]) == 1 and row["generate_10k_s"][0] > 0 for row in rows.values())
    assert rows["tf"]["ratio"] == round(rows["tf"]["median"] / rows["1,1"]["median"], 3)  # against the first


def test_figures_side_by_side_reads_a_commit_and_the_working_tree(tmp_path, monkeypatch, capsys):
    import imageio.v3 as iio

    if subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True).returncode != 0:
        pytest.skip("not a git checkout")
    out = tmp_path / "side_by_side.png"
    run_script("figures_side_by_side.py", ["HEAD", "--out", str(out)], monkeypatch)
    image = iio.imread(out)
    assert image.shape[0] > image.shape[1] > 500  # one row per figure, two columns
    assert "wrote" in capsys.readouterr().out
    script = runpy.run_path(str(ROOT / "benchmarks" / "figures_side_by_side.py"))
    with pytest.raises(SystemExit, match="is 'no-such-commit' a commit"):
        script["main"](["no-such-commit", "--out", str(tmp_path / "none.png")])


@pytest.mark.slow
def test_conditioning_benchmark_smoke(tmp_path, monkeypatch):
    out = tmp_path / "conditioning.json"
    run_script("conditioning.py", ["--variants", "concat", "none", "--seeds", "3", "--epochs", "1", "--n-train",
                                   "256", "--n-eval", "300", "--out", str(out)], monkeypatch)
    results = json.loads(out.read_text())
    assert results["command"].startswith("python benchmarks/conditioning.py --variants concat none")
    rows = results["rows"]
    assert [(r["variant"], r["seed"], r["epochs"]) for r in rows] == [("concat", 3, 1), ("none", 3, 1)]
    for r in rows:
        digits = r["per_digit"]
        assert [d["digit"] for d in digits] == list(range(10)) and sum(d["n"] for d in digits) == 300
        assert r["intra_fid"] == pytest.approx(sum(d["fid"] for d in digits) / 10, abs=1e-2)
        assert 0 <= r["label_agreement"] <= 1 and all(d["floor"] > 0 for d in digits)
    summary = results["variants"]["none"]
    assert summary["fid"] == {"median": rows[1]["fid"], "min": rows[1]["fid"], "max": rows[1]["fid"]}
    assert len(summary["per_digit_fid"]) == 10


def test_spread_of_a_figure_over_seeds():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from seeds import spread

    assert spread([3, 1, 2]) == {"median": 2, "min": 1, "max": 3}
    assert spread([1.0, float("nan"), float("inf")])["max"] == float("inf")
    assert spread([1.0, float("nan"), 3.0])["median"] == 2.0
    with pytest.raises(ValueError, match="at least one seed"):
        spread([])
