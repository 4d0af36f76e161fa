"""The package as pip builds it (``pip install git+…`` on Colab): a wheel that carries every shipped file."""
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_ships_the_judge_and_both_pretrained_generators(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path),
                           str(ROOT)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("ganlib-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for shipped in ("ganlib/runs.py", "ganlib/assets/judge.weights.h5", "ganlib/assets/pretrained/generator.weights.h5",
                    "ganlib/assets/pretrained/config.json", "ganlib/assets/pretrained-conditional/generator.weights.h5",
                    "ganlib/assets/pretrained-conditional/config.json"):
        assert shipped in names, f"the wheel lacks {shipped}"

    # Installed from the wheel (not the checkout), the pretrained generator loads and draws.
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet", "--target", str(target),
                    str(wheel)], check=True, timeout=300)
    code = ("import ganlib, sys; from ganlib.runs import load_generator; from ganlib.training import generate; "
            "assert ganlib.__file__.startswith(sys.argv[1]), ganlib.__file__; "
            "print(generate(load_generator('pretrained'), 3).shape)")
    site_packages = next(p for p in sys.path if p.endswith("site-packages"))
    # -S: no .pth files, so the editable install of the checkout cannot shadow the installed wheel.
    proc = subprocess.run([sys.executable, "-S", "-c", code, str(target)], capture_output=True, text=True, timeout=300,
                          cwd=tmp_path, env={"PYTHONPATH": f"{target}:{site_packages}", "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert proc.returncode == 0 and "(3, 28, 28)" in proc.stdout, proc.stderr[-2000:]
