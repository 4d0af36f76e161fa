"""ganlib's public face: what ``__all__`` promises exists and is documented, and the modules import in layers."""
import ast
import inspect
from pathlib import Path

import ganlib

ROOT = Path(__file__).resolve().parents[1]
# Every module of the package, subpackages included, by its dotted name under ganlib ("exercises.chapter4").
MODULES = sorted(".".join(p.relative_to(ROOT / "ganlib").with_suffix("").parts)
                 for p in (ROOT / "ganlib").rglob("*.py") if p.stem != "__main__" and p.parent.name != "assets")
MODULES = [m.removesuffix(".__init__") for m in MODULES if m != "__init__"]


def path_of(module: str) -> Path:
    path = ROOT / "ganlib" / Path(*module.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def test_every_public_name_exists_has_a_docstring_and_is_in_the_api_page():
    api = (ROOT / "docs" / "api.md").read_text()
    for name in ganlib.__all__:
        obj = getattr(ganlib, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert inspect.getdoc(obj), f"ganlib.{name} has no docstring"
        if inspect.isfunction(obj):
            doc = inspect.getdoc(obj)
            if inspect.signature(obj).parameters:
                assert "Args:" in doc, f"ganlib.{name}'s docstring has no Args section"
            assert "Returns:" in doc or "Returns ``" in doc, f"ganlib.{name}'s docstring says nothing it returns"
        assert f"`{name}`" in api, f"docs/api.md does not list {name}"


def imports_of(module: str) -> set[str]:
    """The ganlib modules ``module`` imports, at the top or inside functions."""
    tree = ast.parse(path_of(module).read_text())
    package = module.split(".")[:-1] if path_of(module).name != "__init__.py" else module.split(".")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level >= 1:
            base = package[:len(package) - (node.level - 1)]
            names = [node.module] if node.module else [a.name for a in node.names]
            found |= {".".join([*base, *n.split(".")]) for n in names}
    return found & set(MODULES)


def test_no_import_cycle_and_nothing_imports_the_command_line():
    graph = {m: imports_of(m) for m in MODULES}
    assert not any("cli" in deps for deps in graph.values()), {m: d for m, d in graph.items() if "cli" in d}
    done, visiting = set(), []

    def visit(m):
        assert m not in visiting, f"import cycle: {' -> '.join(visiting[visiting.index(m):] + [m])}"
        if m in done:
            return
        visiting.append(m)
        for dep in graph[m]:
            visit(dep)
        visiting.pop()
        done.add(m)

    for m in MODULES:
        visit(m)


def test_only_runs_names_the_run_folder_files():
    """The run folder has one owner: no other module has its file names as strings in its code."""
    names = {"config.json", "state.json", "train_summary.json", "generator.weights.h5", "best-generator.weights.h5",
             "frames"}
    for module in MODULES:
        if module == "runs":
            continue
        tree = ast.parse(path_of(module).read_text())
        literals = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        assert not literals & names, f"{module} names the run folder's {literals & names}: use ganlib.runs"
