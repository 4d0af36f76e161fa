"""make test's queue (tools/one_queue.py): the chapters first, chapter 5 with chapter 4, slow test files next."""
from pathlib import Path

from tools import one_queue


class Item:
    def __init__(self, path, slow=False):
        self.path, self.slow = Path(path), slow

    def get_closest_marker(self, name):
        return name == "slow" and self.slow or None

    def __repr__(self):
        return f"{self.path.name}{' (slow)' if self.slow else ''}"


def test_the_chapters_come_first_then_the_test_files_with_the_most_slow_tests():
    items = [Item("tests/test_a.py"), Item("tests/test_b.py", slow=True), Item("away/08_failures.ipynb"),
             Item("tests/test_a.py"), Item("tests/test_c.py", slow=True), Item("tests/test_c.py", slow=True),
             Item("away/04_training.ipynb"), Item("away/08_failures.ipynb"), Item("tests/test_b.py")]
    one_queue.pytest_collection_modifyitems(None, items)
    assert [str(i) for i in items] == [
        "08_failures.ipynb", "08_failures.ipynb", "04_training.ipynb",  # chapters in the order given, each whole
        "test_c.py (slow)", "test_c.py (slow)", "test_b.py (slow)", "test_b.py", "test_a.py", "test_a.py"]


def test_chapter_5_is_one_piece_of_work_with_chapter_4_and_every_other_file_its_own():
    def scope(nodeid):  # what xdist's scheduler asks of each test
        return one_queue.OneQueue._split_scope(None, nodeid)

    assert scope("build/away/04_training.ipynb::Cell 3") == scope("build/away/05_evaluation.ipynb::Cell 0")
    assert scope("build/away/06_conditional_gan.ipynb::Cell 0") == "build/away/06_conditional_gan.ipynb"
    assert scope("tests/test_runs.py::test_x[a]") == scope("tests/test_runs.py::test_y") != scope("tests/t.py::z")
