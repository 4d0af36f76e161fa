"""make test's queue (tools/one_queue.py): the chapters first, chapter 5 with chapter 4, then the test files
with browser tests and the most slow tests."""
from pathlib import Path

from tools import one_queue


class Item:
    def __init__(self, path, marker=None):
        self.path, self.marker = Path(path), marker

    def get_closest_marker(self, name):
        return name == self.marker or None

    def __repr__(self):
        return f"{self.path.name}{f' ({self.marker})' if self.marker else ''}"


def test_the_chapters_come_first_then_the_test_files_with_browser_tests_then_the_most_slow_tests():
    items = [Item("tests/test_a.py"), Item("tests/test_b.py", "slow"), Item("away/08_failures.ipynb"),
             Item("tests/test_a.py"), Item("tests/test_c.py", "slow"), Item("tests/test_c.py", "slow"),
             Item("away/04_training.ipynb"), Item("away/08_failures.ipynb"), Item("tests/test_b.py"),
             Item("tests/test_d.py", "browser")]
    one_queue.pytest_collection_modifyitems(None, items)
    assert [str(i) for i in items] == [
        "08_failures.ipynb", "08_failures.ipynb", "04_training.ipynb",  # chapters in the order given, each whole
        "test_d.py (browser)", "test_c.py (slow)", "test_c.py (slow)", "test_b.py (slow)", "test_b.py", "test_a.py",
        "test_a.py"]


def test_chapter_5_is_one_piece_of_work_with_chapter_4_and_every_other_file_its_own():
    def scope(nodeid):  # what xdist's scheduler asks of each test
        return one_queue.OneQueue._split_scope(None, nodeid)

    assert scope("build/away/04_training.ipynb::Cell 3") == scope("build/away/05_evaluation.ipynb::Cell 0")
    assert scope("build/away/06_conditional_gan.ipynb::Cell 0") == "build/away/06_conditional_gan.ipynb"
    assert scope("tests/test_runs.py::test_x[a]") == scope("tests/test_runs.py::test_y") != scope("tests/t.py::z")
