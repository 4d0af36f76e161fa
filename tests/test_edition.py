"""The solved chapters (notebooks/solutions) and the student edition made from them (notebooks/, make student)."""

import json
import re
from pathlib import Path

import pytest

from tools import edition

ROOT = Path(__file__).resolve().parents[1]
SOLVED = sorted((ROOT / "notebooks" / "solutions").glob("*.ipynb"))


def cells(path):
    return json.loads(Path(path).read_text())["cells"]


def test_every_chapter_has_a_solved_copy():
    chapters = sorted(p.name for p in (ROOT / "notebooks").glob("0*.ipynb"))
    assert [p.name for p in SOLVED] == chapters and len(chapters) == 8


@pytest.mark.parametrize("solved", SOLVED, ids=lambda p: p.name)
def test_the_course_chapter_is_the_student_edition_of_its_solved_copy(solved):
    """Edit the solved copy, then `python -m tools.edition notebooks/solutions notebooks`."""
    student = edition.student_notebook(json.loads(solved.read_text()), solved.name)
    assert student == json.loads((ROOT / "notebooks" / solved.name).read_text()), (
        f"notebooks/{solved.name} is not the student edition of notebooks/solutions/{solved.name}: run "
        "python -m tools.edition notebooks/solutions notebooks")


@pytest.mark.parametrize("solved", SOLVED, ids=lambda p: p.name)
def test_every_exercise_has_work_cells_a_solution_and_feedback(solved):
    nb = cells(solved)
    ids = [c["metadata"]["nbgrader"]["grade_id"] for c in nb if "nbgrader" in c["metadata"]]
    assert len(ids) == len(set(ids)), "nbgrader grade_ids must be unique"
    exercises = [i for i, c in enumerate(nb)
                 if c["cell_type"] == "markdown" and "".join(c["source"]).startswith("**Exercise")]
    assert len(exercises) >= 4
    for i in exercises:
        title = "".join(nb[i]["source"]).split("**")[1]
        follow = []
        for c in nb[i + 1:]:
            if c["cell_type"] == "markdown" and not c["metadata"].get("tags"):
                break
            follow.append(c)
        tags = [t for c in follow for t in c["metadata"].get("tags", [])]
        assert "exercise" in tags or "answer" in tags, f"{title}: no cell to work in"
        for c in follow:
            text, meta = "".join(c["source"]), c["metadata"].get("nbgrader", {})
            if "exercise" in c["metadata"].get("tags", []):
                assert edition.BEGIN_SOLUTION in text and meta.get("solution"), f"{title}: a solution, marked"
                assert "check" in tags or "answer" in tags, f"{title}: a check or an answer after the code"
            if "check" in c["metadata"].get("tags", []):
                assert re.search(r"exercises\.\w+\(", text) and meta.get("grade") and meta.get("locked"), title
            if "answer" in c["metadata"].get("tags", []):
                assert edition.BEGIN_SOLUTION in text and meta.get("solution") and meta.get("grade"), title
    questions = [c for c in nb if "question" in c["metadata"].get("tags", [])]
    assert 5 <= len(questions) <= 8, f"{solved.name}: a questionnaire of 5 to 8 questions"
    for c in questions:
        assert edition.BEGIN_MARK_SCHEME in "".join(c["source"]) and c["metadata"]["nbgrader"]["task"]


def test_make_student_writes_the_edition_without_solutions(tmp_path):
    written = edition.write_edition(ROOT / "notebooks" / "solutions", tmp_path)
    assert [p.name for p in written] == [p.name for p in SOLVED]
    for path in written:
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "MARK SCHEME" not in text
        assert text == (ROOT / "notebooks" / path.name).read_text()
    ch2 = cells(tmp_path / "02_generator.ipynb")
    scaffold = next(c for c in ch2 if c["metadata"].get("nbgrader", {}).get("grade_id") == "ex02-2")
    assert "".join(scaffold["source"]).startswith("small = None") and edition.CODE_STUB in "".join(scaffold["source"])


def test_unbalanced_markers_are_named():
    cell = {"cell_type": "code", "metadata": {}, "source": ["x = None\n", "### BEGIN SOLUTION\n", "x = 1"]}
    with pytest.raises(ValueError, match=r"ch\.ipynb, cell 3: '### BEGIN SOLUTION' is never closed"):
        edition.student_cell(cell, "ch.ipynb, cell 3")
    assert edition.main(["nowhere", "out"]) == 1


def _code(cells_):
    return [c["source"] for c in cells_ if c["cell_type"] == "code"]


def _in_order(part, whole):
    rest = iter(whole)
    return all(any(cell == other for other in rest) for cell in part)


@pytest.mark.parametrize("solved", SOLVED, ids=lambda p: p.name)
def test_the_tested_notebook_runs_the_student_chapter_and_the_solved_one(solved):
    """make test runs one notebook per chapter: every code cell of the student chapter, in its order, and every
    code cell of the solved copy, in its order, with the chapter's own cells once and each check twice."""
    solved_nb = json.loads(solved.read_text())
    tested = edition.tested_notebook(solved_nb, solved.name)
    code, student = _code(tested["cells"]), _code(edition.student_notebook(solved_nb)["cells"])
    assert _in_order(student, code) and _in_order(_code(solved_nb["cells"]), code)
    checks = [c for c in solved_nb["cells"] if "check" in c["metadata"].get("tags", [])]
    assert len(code) == len(_code(solved_nb["cells"])) + sum(
        s != c for s, c in zip(student, _code(solved_nb["cells"]))) + len(checks)
    ids = [c["id"] for c in tested["cells"]]
    assert len(ids) == len(set(ids))
