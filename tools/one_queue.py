"""A pytest plugin that lets ``make test`` run the tests and the chapters in one queue on two processes:

    pytest -p tools.one_queue -n 2 --dist loadfile --no-loadscope-reorder --nbval-lax \\
        --nbval-kernel-name ganlib-wheel build/away/08_failures.ipynb ... tests

``--dist loadfile`` gives each process whole files: a chapter runs top to bottom in one kernel, as a student
runs it, and a test file's tests run together. This plugin orders the files so that long work starts first
and short work fills in at the end, which keeps both cores busy to the last test: the chapters as the command
line names them (the longest first), then the test files by how many slow tests they hold (``slow`` marker),
most first. Two processes on two cores and nothing else beside them: each runs about as fast as it runs alone.
"""

from __future__ import annotations

from collections import Counter

import pytest


@pytest.hookimpl(trylast=True)  # after the other plugins have chosen the items
def pytest_collection_modifyitems(config, items):
    slow = Counter(item.path for item in items if item.get_closest_marker("slow"))
    first_seen = {}
    for item in items:
        first_seen.setdefault(item.path, len(first_seen))

    def order(item):
        if item.path.suffix == ".ipynb":
            return (0, first_seen[item.path])
        return (1, -slow[item.path], first_seen[item.path])

    items.sort(key=order)  # stable: each file keeps its own order
