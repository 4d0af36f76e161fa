"""The benchmark scripts stay runnable: a tiny run of each writes well-formed results."""
import json
import runpy
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_script(name, args, monkeypatch):
    monkeypatch.setattr(sys, "argv", [name, *args])
    try:
        runpy.run_path(str(ROOT / "benchmarks" / name), run_name="__main__")
    except SystemExit as e:
        assert e.code == 0


def test_speed_benchmark_smoke(tmp_path, monkeypatch, capsys):
    out = tmp_path / "speed.json"
    run_script("speed.py", ["--rounds", "1", "--images", "256", "--budgets", "0.02", "--n-eval", "200",
                            "--out", str(out)], monkeypatch)
    results = json.loads(out.read_text())
    assert set(results["throughput_images_per_s"]) == {"course", "tutorial"}
    assert all(v > 0 for v in results["throughput_images_per_s"].values())
    assert results["time_to_quality"][0]["minutes"] == 0.02 and results["time_to_quality"][0]["fid"] > 0
    assert 0 <= results["time_to_quality_conditional"][0]["label_agreement"] <= 1
    assert "speed-up" in capsys.readouterr().out


def test_recipe_comparison_smoke(tmp_path, monkeypatch):
    out = tmp_path / "recipes.json"
    run_script("recipes.py", ["--minutes", "0.03", "--n-eval", "200", "--out", str(out), '{"batch_size": 64}',
                             '{"conditional": true}'],
               monkeypatch)
    rows = json.loads(out.read_text())["rows"]
    assert rows[0]["changes"] == {"batch_size": 64} and rows[0]["epochs"] >= 1
    assert rows[1]["changes"] == {"conditional": True} and rows[1]["fid"] > 0


def test_failure_fixes_benchmark_smoke(tmp_path, monkeypatch):
    out = tmp_path / "failures.json"
    run_script("failures.py", ["--failures", "discriminator wins", "--fixes", "none", "R1 penalty", "--epochs", "1",
                               "--n-train", "128", "--n-eval", "200", "--out", str(out)], monkeypatch)
    results = json.loads(out.read_text())
    assert results["command"].startswith("python benchmarks/failures.py --failures") and results["n_eval"] == 200
    rows = results["rows"]
    assert [(r["failure"], r["fix"]) for r in rows] == [("discriminator wins", "none"),
                                                       ("discriminator wins", "R1 penalty")]
    assert rows[1]["changes"] == {"g_lr": 1e-4, "d_lr": 1e-3, "r1_weight": 1.0}
    assert all(r["fid"] > 0 and 0 <= r["recall"] <= 1 and len(r["fid_per_epoch"]) == 1 for r in rows)
