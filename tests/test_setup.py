"""The project's own rules: pinned environments agree, notebooks follow one output policy and use ganlib."""
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb")) + sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))


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


def test_the_package_floors_are_the_tested_versions_and_name_what_ganlib_imports():
    import ast

    import tomllib

    floors = {}
    for spec in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]:
        name, _, floor = spec.partition(">=")
        assert floor, f"pyproject.toml: {spec} has no floor (>=): give the version the course is tested with"
        floors[name.strip().lower()] = tuple(int(p) for p in floor.split("."))
    req = pins((ROOT / "requirements.txt").read_text().splitlines())
    for name, floor in floors.items():
        pinned = tuple(int(p) for p in req[name].split("."))
        assert pinned[: len(floor)] >= floor, f"{name}: requirements.txt pins {req[name]}, below its floor {floor}"
    imported = set()
    for path in (ROOT / "ganlib").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = {"tensorflow", "keras", "numpy", "h5py", "matplotlib", "PIL", "imageio", "ipywidgets"}
    declared = {"PIL" if n == "pillow" else n for n in floors}
    assert third_party <= declared, f"ganlib imports {sorted(third_party - declared)}, which pyproject.toml omits"
    # IPython comes with ipywidgets; imageio_ffmpeg is optional (MP4 export says to install it when missing).
    optional = {"ganlib", "IPython", "imageio_ffmpeg"}
    unexpected = imported - declared - set(__import__("sys").stdlib_module_names) - optional
    assert not unexpected, f"ganlib imports {sorted(unexpected)}: declare it in pyproject.toml"


def test_the_tests_tools_are_apart_from_the_course_and_the_dev_extra_names_them():
    import tomllib

    course, dev = (pins((ROOT / name).read_text().splitlines()) for name in ("requirements.txt",
                                                                              "requirements-dev.txt"))
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()
    assert not set(course) & set(dev) and {"pytest", "pytest-xdist", "nbval", "ruff", "playwright"} == set(dev)
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    floors = dict(spec.split(">=") for spec in extra)
    assert set(floors) == set(dev) and all(dev[n].startswith(f) for n, f in floors.items()), (floors, dev)


def test_installed_versions_are_the_pinned_ones():
    from importlib.metadata import version

    files = ("requirements.txt", "requirements-dev.txt")
    pinned_sets = [pins((ROOT / name).read_text().splitlines()) for name in files]
    for name, pinned in {k: v for s in pinned_sets for k, v in s.items()}.items():
        assert version(name) == pinned, f"{name}: installed {version(name)}, pinned {pinned}; run `make dev`"


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
    # A Colab badge only where the course's repository address is set (python -m tools.badges URL).
    from tools.badges import repository_url

    assert ("colab-badge" in "".join(cells[0]["source"])) == bool(repository_url()), f"{nb.name}: badges"


@pytest.mark.parametrize("nb", [n for n in NOTEBOOKS if n.name[0].isdigit()], ids=lambda p: p.name)
def test_chapters_start_with_setup_and_goal_and_end_with_exercises_and_a_questionnaire(nb):
    cells = json.loads(nb.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert "ganlib.setup(" in code and "FIGURES /" in code
    headings = ["".join(c["source"]).split("\n")[0] for c in cells if c["cell_type"] == "markdown"]
    assert "Goal" in "".join(cells[0]["source"]) + "".join(cells[1]["source"])
    assert headings.index("## Exercises") < headings.index("## Questionnaire") and headings[-1] == "*Your answer:*"


TEACHING_CHAPTERS = ["02_generator.ipynb", "03_discriminator.ipynb", "04_training.ipynb", "05_evaluation.ipynb",
                     "08_failures.ipynb"]


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


def test_badges_and_install_lines_are_what_the_badges_command_writes():
    from tools.badges import render

    for path, text in render(write=False).items():
        assert path.read_text() == text, f"{path.name} differs: run `python -m tools.badges URL` (or render())"


def test_setting_the_repository_writes_every_badge_from_it(tmp_path):
    import shutil

    from tools.badges import repository_url, set_repository

    for name in ("README.md", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks")
    with pytest.raises(ValueError, match="not an https address"):
        set_repository("github.com/someone/course", tmp_path)
    set_repository("https://github.com/someone/course", tmp_path)
    assert repository_url(tmp_path) == "https://github.com/someone/course"
    first = json.loads((tmp_path / "notebooks" / "04_training.ipynb").read_text())["cells"][0]["source"][0]
    assert first.startswith("[![Open In Colab]") and \
        "colab.research.google.com/github/someone/course/blob/main/notebooks/04_training.ipynb" in first
    assert "!pip install -q git+https://github.com/someone/course" in (tmp_path / "README.md").read_text()
    set_repository("https://github.com/someone/renamed", tmp_path)  # set again: replaced, not added
    assert (tmp_path / "pyproject.toml").read_text().count("[project.urls]") == 1
    assert "someone/course" not in (tmp_path / "notebooks" / "index.ipynb").read_text()


# The only addresses outside the repository the course may name: the course's own (once set), and real sites.
PUBLIC = ("https://colab.research.google.com/assets/colab-badge.svg", "https://ossci-datasets.s3.amazonaws.com/mnist/",
          "http://yann.lecun.com/exdb/mnist/", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
          # the papers and books the chapters cite
          "https://arxiv.org/abs/1406.2661", "https://arxiv.org/abs/1606.03498", "https://arxiv.org/abs/1606.03657", "https://arxiv.org/abs/1806.04498",
          "https://d2l.ai/chapter_convolutional-neural-networks/index.html",
          "https://d2l.ai/chapter_convolutional-modern/batch-norm.html",
          "https://github.com/ageron/handson-ml3/blob/main/11_training_deep_neural_networks.ipynb",
          "https://github.com/ageron/handson-ml3/blob/main/14_deep_computer_vision_with_cnns.ipynb")


def test_no_invented_address():
    from tools.badges import repository_url

    allowed = set(PUBLIC)
    url = repository_url()
    # tools/badges.py is left out: it holds the templates the addresses are written from, not addresses.
    code = [p for p in [*sorted((ROOT / "ganlib").rglob("*.py")), *sorted((ROOT / "tools").glob("*.py"))]
            if p.name != "badges.py"]
    files = [ROOT / "README.md", *sorted((ROOT / "notebooks").glob("*.ipynb")), *code,
             *sorted((ROOT / "ganlib" / "assets").rglob("*.md")), *sorted((ROOT / "docs").glob("*.md"))]
    for path in files:
        for found in re.findall(r"https?://[^\s)\"'>`\\]+", path.read_text()):
            ok = found in allowed or (url and (found.startswith(url) or
                                               found.startswith("https://colab.research.google.com/github/")))
            assert ok, f"{path.relative_to(ROOT)} names {found}, which is neither in the repository nor a known site"
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in re.findall(r"\]\((?!https?://|#)([^)\s]+)\)", path.read_text()):
            assert (path.parent / target).exists(), f"{path.name} links to {target}, which does not exist"


def test_the_readme_tables_are_the_recorded_figures():
    """The README's tables of the shipped generators say what their train_summary.json records."""
    readme = (ROOT / "README.md").read_text()

    def two(v):
        return f"{v:.2f}"

    def pct(v):
        return f"{100 * v:.2f} %"

    checked = {"pretrained": [("judge-FID (lower is better)", "fid", two),
                              ("classifier score (10 is perfect)", "classifier_score", two),
                              ("largest class-share gap from 10 %", "max_class_deviation", pct),
                              ("near-copies of training digits", "copy_fraction", pct)],
               "pretrained-conditional": [("judge-FID", "fid", two), ("classifier score", "classifier_score", two),
                                          ("label agreement (draws the digit asked for)", "label_agreement", pct)]}
    for name, rows in checked.items():
        record = json.loads((ROOT / "ganlib" / "assets" / name / "train_summary.json").read_text())["evaluation"]
        g, real = record["generated"], record["real_baseline"]
        for label, key, fmt in rows:
            row = f"| {label} | {fmt(g[key])} | {fmt(real[key])} |"
            assert row in readme, row
        pr = f"| precision / recall | {two(g['precision'])} / {two(g['recall'])} | {two(real['precision'])} / "
        assert pr in readme, pr


def speed_rows(results: dict) -> list[str]:
    """The README's time-to-quality rows, written from ``benchmarks/results/speed.json``."""
    rows = []
    for recipe, ladder in results["time_to_quality_medians"].items():
        for row in ladder:
            seeds = ", ".join(f"{v:.1f}" for v in row["fid_per_seed"])
            agree = f"{100 * row['label_agreement']:.1f} %" if "label_agreement" in row else "–"
            rows.append(f"| {recipe} | {row['minutes']:g} min | {row['fid']:.1f} ({seeds}) | "
                        f"{row['classifier_score']:.2f} | {row['recall']:.2f} | {row['fewest_classes']} | {agree} |")
    return rows


def test_the_readme_speed_table_is_the_last_benchmark_run():
    """The README's speed table says what the last `python benchmarks/speed.py` recorded, with its figure."""
    readme = (ROOT / "README.md").read_text()
    results = json.loads((ROOT / "benchmarks" / "results" / "speed.json").read_text())
    for row in speed_rows(results):
        assert row in readme, row
    assert "figures/speed_ladder.png" in readme and (ROOT / "figures" / "speed_ladder.png").exists()


def test_notebook_code_lines_fit_the_course_line_length():
    """Code cells wrap at ruff's line length (pyproject.toml), so no line runs off a page of the site."""
    import re

    limit = int(re.search(r"line-length = (\d+)", (ROOT / "pyproject.toml").read_text())[1])
    long = [f"{nb.name} {cell.get('id')}: {len(line)} characters"
            for nb in sorted((ROOT / "notebooks").rglob("*.ipynb"))
            for cell in json.loads(nb.read_text())["cells"] if cell["cell_type"] == "code"
            for line in "".join(cell["source"]).split("\n") if len(line) > limit]
    assert not long, long
