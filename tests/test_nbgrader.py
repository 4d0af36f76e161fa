"""The instructor's path: nbgrader (0.9.6, in an environment of its own: ``make test-instructor``) turns two
solved chapters into an assignment, then autogrades an untouched release and the solved copy, and its
gradebook scores them. Skipped where that environment is not built."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ENV = ROOT / ".venv-nbgrader"
CHAPTERS = ("02_generator.ipynb", "03_discriminator.ipynb")
# The course directory's settings: the commands below read them from nbgrader_config.py. An exercise cell keeps
# only "# YOUR CODE HERE" (no raise), as in the student edition, so an unanswered chapter still runs to the end.
CONFIG = """c = get_config()
c.CourseDirectory.course_id = "gan-mnist"
c.CourseDirectory.db_assignments = [dict(name="chapters")]
c.CourseDirectory.db_students = [dict(id="untouched"), dict(id="solved")]
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}
c.ExecutePreprocessor.timeout = 900
"""

pytestmark = pytest.mark.slow


def nbgrader(course: Path, *args):
    # The course's own ganlib (PYTHONPATH) on top of the pinned packages the environment borrows; GANLIB_GRADING
    # makes an unanswered check fail instead of saying "not yet"; quick mode keeps the chapters short.
    env = {**os.environ, "PATH": f"{ENV / 'bin'}:{os.environ['PATH']}", "PYTHONPATH": str(ROOT),
           "GANLIB_GRADING": "1", "GANLIB_QUICK": "1"}
    proc = subprocess.run([str(ENV / "bin" / "nbgrader"), *args], cwd=course, env=env, capture_output=True,
                          text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]


def test_nbgrader_releases_two_chapters_and_autogrades_an_untouched_and_a_solved_copy(tmp_path):
    if not (ENV / "bin" / "nbgrader").exists():
        if os.environ.get("GANLIB_REQUIRE_NBGRADER") == "1":
            pytest.fail("no nbgrader environment: make test-instructor builds it")
        pytest.skip("no nbgrader environment (make test-instructor builds it)")
    course = tmp_path / "course"
    (course / "source" / "chapters").mkdir(parents=True)
    (course / "nbgrader_config.py").write_text(CONFIG)
    for name in CHAPTERS:
        shutil.copy(ROOT / "notebooks" / "solutions" / name, course / "source" / "chapters" / name)
    nbgrader(course, "generate_assignment", "chapters", "--force")
    for student, folder in (("untouched", course / "release" / "chapters"), ("solved", course / "source" / "chapters")):
        shutil.copytree(folder, course / "submitted" / student / "chapters")
    nbgrader(course, "autograde", "chapters", "--force")

    # The release is the student edition: solutions out, checks in.
    released = json.loads((course / "release" / "chapters" / CHAPTERS[0]).read_text())
    assert "### BEGIN SOLUTION" not in json.dumps(released) and "# YOUR CODE HERE" in json.dumps(released)
    script = """
import json, sys
from nbgrader.api import Gradebook
with Gradebook("sqlite:///gradebook.db") as gb:
    out = {}
    for student in ("untouched", "solved"):
        for nb in gb.find_submission("chapters", student).notebooks:
            checks = [g for g in nb.grades if g.name.endswith("-check")]
            auto = [g for g in nb.grades if g.auto_score is not None]
            out[f"{student}/{nb.name}"] = {"auto": sum(g.auto_score for g in auto),
                                           "checks": sum(g.auto_score or 0 for g in checks),
                                           "check_points": sum(g.max_score for g in checks)}
    print(json.dumps(out))
"""
    proc = subprocess.run([str(ENV / "bin" / "python"), "-c", script], cwd=course, capture_output=True, text=True,
                          check=True)
    scores = json.loads(proc.stdout)
    for name in (n.removesuffix(".ipynb") for n in CHAPTERS):
        untouched, solved = scores[f"untouched/{name}"], scores[f"solved/{name}"]
        assert untouched["auto"] == 0, (name, untouched)  # nothing answered, nothing scored
        assert solved["check_points"] >= 4 and solved["checks"] == solved["check_points"], (name, solved)
