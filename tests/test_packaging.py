"""The package as pip builds it (``pip install git+…`` on Colab, or a wheel from ``make wheel``)."""
import json
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from conftest import CHAPTERS_FROM_WHEEL

ROOT = Path(__file__).resolve().parents[1]

SHIPPED = ("ganlib/runs.py", "ganlib/assets/judge.weights.h5", "ganlib/assets/pretrained/generator.weights.h5",
           "ganlib/assets/pretrained/generator.keras", "ganlib/assets/pretrained/config.json",
           "ganlib/assets/pretrained/train_summary.json", "ganlib/assets/pretrained/MODEL_CARD.md",
           "ganlib/assets/pretrained/state.json",
           "ganlib/assets/pretrained-conditional/generator.weights.h5",
           "ganlib/assets/pretrained-conditional/config.json", "ganlib/assets/results/extras.json",
           "ganlib/assets/results/pretrained_lr1e-3_80min.json")


def chapter_cells(name, ids):
    cells = {c["id"]: "".join(c["source"]) for c in json.loads((ROOT / "notebooks" / name).read_text())["cells"]}
    return "\n".join(cells[i] for i in ids)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """The wheel pip builds from this checkout."""
    import shutil

    # setuptools stages the package in build/lib and never removes a module that left ganlib: start clean.
    for stale in [ROOT / "build" / "lib", *(ROOT / "build").glob("bdist.*")]:
        shutil.rmtree(stale, ignore_errors=True)
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out),
                           str(ROOT)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # setuptools warns before it stops supporting a configuration (the license's old table form did)
    assert "BuildBackendWarning" not in proc.stderr, proc.stderr[-3000:]
    return next(out.glob("ganlib-*.whl"))


@pytest.mark.slow
def test_the_wheel_holds_the_course_library_and_not_the_maintainers_tools(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assert not [f for f in SHIPPED if f not in names], [f for f in SHIPPED if f not in names]
    # The maintainers' tools stay in the repository: a student's wheel holds the course library and its assets.
    tools = ("badges.py", "edition.py", "cards.py")
    assert not [n for n in names if n.startswith("tools/") or n.split("/")[-1] in tools]


@pytest.mark.slow
@pytest.mark.skipif(CHAPTERS_FROM_WHEEL, reason="make test runs every chapter from the wheel (nbval, build/away)")
def test_the_wheel_installs_and_runs_chapter_5_away_from_the_checkout(wheel, tmp_path):
    # A fresh virtual environment that borrows the pinned packages (a plain path, so the checkout's editable
    # install is not among them) and gets ganlib from the wheel alone.
    from tools.borrowing_env import borrowing_env, site_packages

    python = borrowing_env(tmp_path / "venv")
    site = site_packages(python)
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet",
                    str(wheel)], check=True, timeout=300)

    away = tmp_path / "elsewhere"
    away.mkdir()
    (away / "data").symlink_to(ROOT / "data")  # MNIST as `make data` left it, so nothing is downloaded again
    script = textwrap.dedent("""
        import ganlib, sys
        assert ganlib.__file__.startswith(sys.argv[1]), ganlib.__file__  # the wheel's, not the checkout's
        from ganlib.metrics import evaluate
        from ganlib.runs import load_generator
        from ganlib.training import generate
        for name, labels in (("pretrained", None), ("pretrained-conditional", list(range(10)) * 20)):
            report = evaluate(generate(load_generator(name), 200, labels=labels), n_reference=500, labels=labels)
            assert report["generated"]["classes_covered"] == 10, (name, report["generated"])
        from ganlib.files import course_result
        assert course_result("extras.json")["rows"]  # chapter 4's measurements, from the wheel
        print("both generators drew and were judged")
    """) + chapter_cells("05_evaluation.ipynb", ["05-02", "05-04"])
    proc = subprocess.run([str(python), "-c", script, site], capture_output=True, text=True, timeout=600, cwd=away,
                          env={"GANLIB_QUICK": "1", "PATH": "/usr/bin:/bin", "HOME": str(Path.home())})
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    assert "both generators drew and were judged" in proc.stdout
    assert (away / "build" / "figures-quick" / "05_pretrained_samples.png").exists()
