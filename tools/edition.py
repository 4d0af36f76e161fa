"""The student edition of the course: the solved chapters with their solutions taken out.

The solved chapters (``notebooks/solutions/``) mark solutions the way nbgrader does, so an instructor with
nbgrader can run ``nbgrader generate_assignment`` on them; this module honours the same markers without
needing nbgrader:

- in a code cell, the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` go; the scaffold around them
  stays, with ``# YOUR CODE HERE`` where the solution was (nbgrader writes ``raise NotImplementedError()``
  too; here the check cell that follows says "not yet" instead, so the chapter still runs to the end);
- in a written answer, the same markers' lines become *Your answer here.*;
- in a question (an nbgrader task cell), the lines from ``=== BEGIN MARK SCHEME ===`` to
  ``=== END MARK SCHEME ===`` go.

``python -m tools.edition notebooks/solutions build/student`` writes the student edition (``make student``);
``python -m tools.edition notebooks/solutions notebooks`` rewrites the course's own chapters, which are the
student edition too.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_MARK_SCHEME, END_MARK_SCHEME = "=== BEGIN MARK SCHEME ===", "=== END MARK SCHEME ==="
CODE_STUB, TEXT_STUB = "# YOUR CODE HERE", "*Your answer here.*"


def _cut(lines: list[str], begin: str, end: str, stub: str | None, where: str) -> list[str]:
    out, inside = [], False
    for line in lines:
        marker = line.strip()
        if marker == begin:
            if inside:
                raise ValueError(f"{where}: '{begin}' inside another one; close it with '{end}' first.")
            inside = True
            if stub is not None:
                out.append(line[: len(line) - len(line.lstrip())] + stub)
        elif marker == end:
            if not inside:
                raise ValueError(f"{where}: '{end}' without a '{begin}' before it.")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise ValueError(f"{where}: '{begin}' is never closed: add a line '{end}'.")
    return out


def student_cell(cell: dict, where: str = "a cell") -> dict:
    """A cell as the student edition has it: solutions and mark schemes out, scaffold and question kept.

    Args:
        cell: a notebook cell (nbformat 4 dict).
        where: named in the error for unbalanced markers, e.g. "04_training.ipynb, cell 31".

    Returns:
        dict: a new cell.
    """
    cell = copy.deepcopy(cell)
    lines = "".join(cell["source"]).split("\n")
    stub = CODE_STUB if cell["cell_type"] == "code" else TEXT_STUB
    lines = _cut(lines, BEGIN_SOLUTION, END_SOLUTION, stub, where)
    lines = _cut(lines, BEGIN_MARK_SCHEME, END_MARK_SCHEME, None, where)
    while len(lines) > 1 and not lines[-1].strip():
        lines.pop()
    text = "\n".join(lines)
    cell["source"] = [line + "\n" for line in text.split("\n")[:-1]] + [text.split("\n")[-1]]
    return cell


def student_notebook(notebook: dict, name: str = "the notebook") -> dict:
    """A whole notebook's student edition (see ``student_cell``)."""
    notebook = copy.deepcopy(notebook)
    notebook["cells"] = [student_cell(c, f"{name}, cell {i}") for i, c in enumerate(notebook["cells"])]
    return notebook


def tested_notebook(notebook: dict, name: str = "the notebook") -> dict:
    """The notebook that ``make test`` runs for a chapter: the chapter once, with each exercise twice, first as
    the student edition has it (the scaffold and its checks, which must say "not yet" without failing), then
    solved (the solution and the same checks, which must pass). One kernel runs both editions' cells, and the
    chapter's own cells (its training, its figures) only once.

    Args:
        notebook: a solved chapter (nbformat 4 dict).
        name: named in the error for unbalanced markers.

    Returns:
        dict: a new notebook.
    """
    notebook = copy.deepcopy(notebook)
    cells, out, i = notebook["cells"], [], 0
    while i < len(cells):
        student = student_cell(cells[i], f"{name}, cell {i}")
        if cells[i]["cell_type"] != "code" or student["source"] == cells[i]["source"]:
            out.append(cells[i])
            i += 1
            continue
        end = i + 1
        while end < len(cells) and "check" in cells[end]["metadata"].get("tags", []):
            end += 1
        checks = cells[i + 1:end]
        out += [{**student, "id": f"{student['id']}-student"}, *({**copy.deepcopy(c), "id": f"{c['id']}-student"}
                                                                for c in checks), cells[i], *checks]
        i = end
    notebook["cells"] = out
    return notebook


def write_edition(solved_dir, out_dir, tested: bool = False) -> list[Path]:
    """Write the student edition of every ``*.ipynb`` in ``solved_dir`` to ``out_dir`` (``tested``: the
    notebooks ``make test`` runs instead, see ``tested_notebook``).

    Returns:
        list[Path]: the notebooks written.
    """
    solved_dir, out_dir = Path(solved_dir), Path(out_dir)
    sources = sorted(solved_dir.glob("*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no notebooks in {solved_dir}: point at the solved chapters, notebooks/solutions.")
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        make = tested_notebook if tested else student_notebook
        notebook = make(json.loads(source.read_text(encoding="utf-8")), source.name)
        target = out_dir / source.name
        target.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(target)
    return written


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    tested = argv[:1] == ["--tested"]
    argv = argv[1:] if tested else argv
    from tools import command

    def act(solved, out):
        written = write_edition(solved, out, tested=tested)
        return f"{'tested' if tested else 'student'} edition: {len(written)} notebooks in {out}"

    return command(argv, 2, "python -m tools.edition [--tested] SOLVED_DIR OUT_DIR   (e.g. notebooks/solutions "
                   "build/student; --tested: the notebooks make test runs, each exercise unsolved then solved)", act)


if __name__ == "__main__":
    sys.exit(main())
