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


def test_workers_that_leave_at_once_lose_no_result(tmp_path):
    """The plugin ends each xdist worker with os._exit once pytest is done with it: every result still arrives,
    a failure still fails the run."""
    import subprocess
    import sys

    (tmp_path / "test_a.py").write_text("def test_fails():\n    assert 1 == 2\n\n\ndef test_passes():\n    pass\n")
    (tmp_path / "test_b.py").write_text("def test_passes_too():\n    pass\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "tools.one_queue",
                           "-n", "2", "--dist", "loadfile", "--rootdir", str(tmp_path), str(tmp_path)],
                          capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "1 failed, 2 passed" in proc.stdout and "crashed" not in proc.stdout, proc.stdout[-2000:]
