"""The course's files: the committed results the chapters show, read from the package."""
import json
import re
from pathlib import Path

import pytest

from ganlib.files import RESULTS, course_result

ROOT = Path(__file__).resolve().parents[1]


def chapter_result_names() -> set:
    names = set()
    for notebook in (ROOT / "notebooks" / "solutions").glob("*.ipynb"):
        for cell in json.loads(notebook.read_text())["cells"]:
            names.update(re.findall(r'course_result\("([^"]+)"\)', "".join(cell["source"])))
    return names


def test_every_result_a_chapter_reads_ships_in_the_package_with_the_command_that_made_it():
    names = chapter_result_names()
    assert {"extras.json", "course_vs_tutorial.json", "pretrained_lr1e-3_80min.json"} <= names, names
    for name in names:
        assert (RESULTS / name).is_file(), f"{name} is read by a chapter but is not in {RESULTS}"
        assert course_result(name)["command"].startswith("python "), name


def test_a_missing_result_is_one_clear_line_naming_what_there_is():
    with pytest.raises(FileNotFoundError, match=r"no course result 'nope.json' .*extras\.json.*benchmarks/README"):
        course_result("nope.json")
