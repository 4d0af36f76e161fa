"""A pytest plugin that lets ``make test`` run the tests and the chapters in one queue on two processes:

    pytest -p tools.one_queue -n 2 --dist loadfile --no-loadscope-reorder --nbval-lax \\
        --nbval-kernel-name ganlib-wheel build/away/04_training.ipynb ... tests

Each process takes whole files: a chapter runs top to bottom in one kernel, as a student runs it, and a test
file's tests run together. Chapters 4 and 5 go to the same process, in that order, as one piece of work:
chapter 5 evaluates the run that chapter 4 trains. This plugin also orders the files so that long work starts
first and short work fills in at the end, which keeps both cores busy to the last test: the chapters as the
command line names them (the longest first), then the test files by how many browser tests and then slow
tests they hold (``browser`` and ``slow`` markers), most first. Two processes on two cores and nothing else
beside them (more only wait for each other); on the course's 2-core machine two together still get only about
1.2 times the work of one done. A worker leaves as soon as pytest is done with it.
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import PurePosixPath

import pytest
from xdist.scheduler import LoadScopeScheduling

# Chapters that read what an earlier chapter wrote, run in one process after it: file name -> shared piece.
TOGETHER = {"04_training.ipynb": "chapters 4 and 5", "05_evaluation.ipynb": "chapters 4 and 5"}


def scope_of(nodeid: str) -> str:
    """The piece of work a test belongs to: its file, or the shared piece of ``TOGETHER``."""
    path = nodeid.split("::", 1)[0]
    return TOGETHER.get(PurePosixPath(path).name, path)


class OneQueue(LoadScopeScheduling):
    """``--dist loadfile``, with the chapters of ``TOGETHER`` as one piece of work."""

    def _split_scope(self, nodeid: str) -> str:
        return scope_of(nodeid)


def pytest_xdist_make_scheduler(config, log):
    return OneQueue(config, log)


@pytest.hookimpl(trylast=True)  # after the other plugins have chosen the items
def pytest_collection_modifyitems(config, items):
    slow = Counter(item.path for item in items if item.get_closest_marker("slow"))
    # A browser test starts a JupyterLab server, a browser and a kernel that trains: a few of them outlast a
    # file of many slow tests, so such a file goes first.
    browser = Counter(item.path for item in items if item.get_closest_marker("browser"))
    first_seen = {}
    for item in items:
        first_seen.setdefault(item.path, len(first_seen))

    def order(item):
        if item.path.suffix == ".ipynb":
            return (0, first_seen[item.path])
        return (1, -browser[item.path], -slow[item.path], first_seen[item.path])

    items.sort(key=order)  # stable: each file keeps its own order


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """An xdist worker that pytest is done with (its results and "finished" are already with the main process)
    leaves at once: Python's own shutdown of a process that has loaded TensorFlow, Keras and Jupyter's clients
    runs dozens of exit handlers, and took 6 to 9 s in make test, which waits for its last worker."""
    if hasattr(config, "workerinput"):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
