"""The project's own rules: pinned environments agree, notebooks follow one output policy and use ganlib."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def pins(lines):
    out = {}
    for line in lines:
        line = line.split("#")[0].strip().lstrip("- ").strip()
        if "==" in line:
            name, version = line.split("==")
            out[name.strip().lower()] = version.strip()
    return out


def test_environment_yml_pins_the_same_versions_as_requirements():
    req = pins((ROOT / "requirements.txt").read_text().splitlines())
    env_text = (ROOT / "environment.yml").read_text()
    env = pins(env_text.split("- pip:")[1].splitlines())
    assert req and env == req
    assert re.search(r"python=3\.11", env_text)
    assert "tensorflow" in req and req["keras"].startswith("3.")


def test_installed_versions_are_the_pinned_ones():
    from importlib.metadata import version

    for name, pinned in pins((ROOT / "requirements.txt").read_text().splitlines()).items():
        assert version(name) == pinned, f"{name}: installed {version(name)}, pinned {pinned}; run `make setup`"


def test_the_course_has_its_chapters():
    names = [nb.name for nb in NOTEBOOKS]
    assert names[:6] == ["01_data.ipynb", "02_generator.ipynb", "03_discriminator.ipynb", "04_training.ipynb",
                         "05_evaluation.ipynb", "06_conditional_gan.ipynb"] and "index.ipynb" in names


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_output_policy(nb):
    """Committed notebooks carry no outputs: figures live in figures/, made by `make course`."""
    cells = json.loads(nb.read_text())["cells"]
    for cell in cells:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, f"{nb.name}: strip outputs"
    assert "colab-badge" in "".join(cells[0]["source"]), f"{nb.name}: start with the Open-in-Colab badge"


@pytest.mark.parametrize("nb", [n for n in NOTEBOOKS if n.name[0].isdigit()], ids=lambda p: p.name)
def test_chapters_start_with_setup_and_goal_and_end_with_exercises(nb):
    cells = json.loads(nb.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "ganlib.setup(" in code and "FIGURES /" in code
    markdown = [c for c in cells if c["cell_type"] == "markdown"]
    assert "Goal" in "".join(markdown[0]["source"]) and "Exercises" in "".join(markdown[-1]["source"])


TEACHING_CHAPTERS = ["02_generator.ipynb", "03_discriminator.ipynb", "04_training.ipynb", "05_evaluation.ipynb"]


@pytest.mark.parametrize("name", TEACHING_CHAPTERS)
def test_teaching_chapters_show_their_code_and_check_it_against_ganlib(name):
    """A chapter writes the idea it teaches in its own cells ("shown-code") and proves in a "drift-check" cell,
    with a ganlib.checks function, that ganlib's version does the same (tests/test_chapters.py runs them)."""
    cells = [c for c in json.loads((ROOT / "notebooks" / name).read_text())["cells"] if c["cell_type"] == "code"]
    tags = [set(c["metadata"].get("tags", [])) for c in cells]
    shown = [c for c, t in zip(cells, tags) if "shown-code" in t]
    checks = ["".join(c["source"]) for c, t in zip(cells, tags) if "drift-check" in t]
    assert shown and checks, f"{name}: tag the chapter's own code 'shown-code' and its check 'drift-check'"
    assert all("same_" in src for src in checks), f"{name}: a drift check calls a ganlib.checks function"
