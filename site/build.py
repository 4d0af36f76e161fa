"""Build the static HTML edition of the course (``make site``) from the chapters ``make course`` executed.

Jupyter Book 1 turns the executed notebooks into a page per chapter, with their outputs, figures and the
training GIF, a table of contents and previous/next links. Everything the pages need is in the site itself
(MathJax included), so it builds and reads offline. Widgets need a running kernel: the explorers of chapters
5 and 6 become live explorers that run the shipped generators in the reader's browser (site/explorer.js, ONNX
Runtime Web from npm, the models that site/export.py wrote to build/site-models); every other widget is
replaced by a note that says so, above the still picture the chapter saves of it. The explorers need the site
served over http (any static file server, e.g. ``python -m http.server -d build/site/_build/html``), not opened
as files.

    python site/build.py VENV_BIN    # VENV_BIN: the bin/ folder of the environment with jupyter-book
    python site/build.py --explorers # only the explorers, on one page (build/explorers/), no course needed
"""

import json
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE, OUT, CACHE = ROOT / "build" / "site-src", ROOT / "build" / "site", ROOT / "build" / "site-cache"
MATHJAX = "mathjax@3.2.2"
ORT = "onnxruntime-web@1.31.1"
# Its WebAssembly build only: the loader, the module that starts the runtime, and the runtime itself.
ORT_FILES = ("ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm")
MODELS = ROOT / "build" / "site-models"
# The widget cells that become live explorers on the site: cell id -> the explorer's settings.
EXPLORERS = {
    "05-24": {"model": "pretrained", "parts": "picker sliders", "digit": 7},
    "05-26": {"model": "pretrained", "parts": "morph", "a": 1, "b": 7},
    "06-20": {"model": "pretrained-conditional", "parts": "picker sliders", "digit": 7},
    "06-22": {"model": "pretrained-conditional", "parts": "morph", "a": 1, "b": 7},
}
WIDGET = "application/vnd.jupyter.widget-view+json"
NOTE = {"output_type": "display_data", "metadata": {}, "data": {
    "text/markdown": "*Here the chapter shows a live widget: run the chapter in JupyterLab to use it (widgets "
                     "need a running kernel).*"}}


def still(notebook: Path, target: Path) -> None:
    nb = json.loads(notebook.read_text())
    nb["metadata"].pop("widgets", None)  # no widget state: the page would fetch the widget manager online
    first = nb["cells"][0]
    if "colab-badge" in "".join(first["source"]).split("\n")[0]:  # the badge's image lives online
        first["source"] = "".join(first["source"]).split("\n", 2)[-1].splitlines(True)
    said = ""  # the text of the last markdown cell, which introduces the code cells after it
    for cell in nb["cells"]:
        # A figure the chapter links from the course's figures/ folder comes with the page.
        text = "".join(cell["source"])
        for name in re.findall(r"\.\./figures/([\w.-]+)", text):
            (target.parent / "figures").mkdir(exist_ok=True)
            shutil.copy(ROOT / "figures" / name, target.parent / "figures" / name)
        cell["source"] = text.replace("../figures/", "figures/").splitlines(True)
        if cell["cell_type"] == "markdown":
            said = text
        if cell["cell_type"] == "code":
            live = EXPLORERS.get(cell.get("id")) and explorer(EXPLORERS[cell["id"]])
            cell["outputs"] = [(live or NOTE) if WIDGET in out.get("data", {}) else out
                               for out in cell.get("outputs", [])]
            for out in cell["outputs"]:
                if "text/html" in out.get("data", {}):  # Keras's summaries colour their text for a dark terminal
                    html = "".join(out["data"]["text/html"])
                    out["data"]["text/html"] = re.sub(r"(?<![-\w])(text-decoration-)?color: ?#[0-9a-fA-F]{3,6};? ?", "",
                                                      html)
            if any(mime.startswith("image/") for out in cell["outputs"] for mime in out.get("data", {})):
                cell["metadata"].setdefault("mystnb", {})["image"] = {"alt": alt_text(text, said)}
    target.write_text(json.dumps(nb, indent=1, ensure_ascii=False))


# What ganlib's plots without a title of their own show.
PLOTS = {"plot_losses": "the losses and the discriminator's scores as training goes",
         "plot_confusion": "a confusion matrix: the digit asked for against the digit the judge sees"}


def alt_text(code: str, said: str) -> str:
    """What a cell's figure shows, for a reader who cannot see it: the titles the cell gives its plots (an
    expression in an f-string becomes "…"), else the first sentence of the text just before the cell."""
    titles = [PLOTS[f] for f in re.findall(r"\b(" + "|".join(PLOTS) + r")\(", code)]
    titles += [re.sub(r"\{[^}]*\}", "…", t) for t in re.findall(r'title=f?"([^"]+)"', code)]
    if titles:
        return "Figure: " + "; ".join(dict.fromkeys(titles))
    prose = "\n".join(line for line in said.splitlines() if not line.startswith("#"))  # headings out
    plain = re.sub(r"[*`]|\[([^]]*)\]\([^)]*\)", lambda m: m.group(1) or "", prose)
    first = re.split(r"(?<=[.!?])\s", " ".join(plain.split()), maxsplit=1)[0]
    return "Figure for: " + first


def explorer(settings: dict) -> dict:
    """The output that stands in for a widget on the site: an explorer that runs in the browser."""
    data = " ".join(f'data-{key}="{value}"' for key, value in settings.items())
    html = (f'<div class="ganlib-explorer" {data}>The live explorer needs JavaScript.</div>\n'
            '<script src="_static/ganlib/explorer.js"></script>')
    return {"output_type": "display_data", "metadata": {}, "data": {"text/html": html}}


def npm_folder(spec: str, inside: str, only=None) -> Path:
    """One folder of an npm package (``package/<inside>/``, ``inside=""`` for the package's own folder, or just
    the files named in ``only``), from the npm registry through npm itself, unpacked once into
    build/site-cache/<package name>."""
    name = spec.rsplit("@", 1)[0]
    folder, prefix = CACHE / name, f"package/{inside}/" if inside else "package/"
    if not folder.is_dir() or (only and not all((folder / n).exists() for n in only)):
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "pack", spec, "--silent", "--pack-destination", str(CACHE)], check=True)
        shutil.rmtree(folder, ignore_errors=True)
        with tarfile.open(next(CACHE.glob(f"{name}-*.tgz"))) as tar:
            members = [m for m in tar.getmembers() if m.isfile() and m.name.startswith(prefix)
                       and (only is None or m.name[len(prefix):] in only)]
            for m in members:
                m.name = m.name[len(prefix):]
            tar.extractall(folder, members=members, filter="data")
    return folder


def runtime() -> Path:
    """ONNX Runtime Web's WebAssembly files (``ORT_FILES`` of its ``dist/``), kept in build/site-cache."""
    return npm_folder(ORT, "dist", only=ORT_FILES)


def mathjax() -> Path:
    """MathJax's browser files (its ``es5/``), kept in build/site-cache."""
    return npm_folder(MATHJAX, "es5")


def favicon(path: Path) -> None:
    """A 16×16 grayscale PNG of a 7, drawn here: without an icon the browser asks for one and logs a 404."""
    import struct
    import zlib

    rows = [bytes(255 if (y in (3, 4) and 3 <= x <= 12) or (y > 4 and x == 12 - (y - 5) // 2) else 0
                  for x in range(16)) for y in range(16)]
    raw = b"".join(b"\0" + row for row in rows)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 16, 16, 8, 0, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def explorer_files(folder: Path) -> bool:
    """Copy what the explorers load (the runtime, explorer.js, the exported generators) into ``folder``."""
    if not (MODELS / "models.json").exists():
        print("site: no exported generators in build/site-models/: run site/export.py first (make site does).",
              file=sys.stderr)
        return False
    shutil.copytree(runtime(), folder)
    for path in [ROOT / "site" / "explorer.js", MODELS / "models.json", *MODELS.glob("*.onnx")]:
        shutil.copy(path, folder / path.name)
    return True


def explorers_page() -> int:
    """The explorers alone, on one page (build/explorers/index.html) built without running the course: what
    ``make test-explorers`` checks in Chromium, and a quick look for anyone changing explorer.js."""
    out = ROOT / "build" / "explorers"
    shutil.rmtree(out, ignore_errors=True)
    if not explorer_files(out / "_static" / "ganlib"):
        return 2
    sections = "\n".join(f"<h2>{settings['model']}: {settings['parts']} (cell {cell})</h2>\n"
                         + explorer(settings)["data"]["text/html"] for cell, settings in EXPLORERS.items())
    (out / "index.html").write_text(f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>GAN-MNIST explorers</title>
<link rel="icon" href="data:,"></head>
<body><h1>The course's explorers, running in this browser</h1>
{sections}
</body></html>
""")
    print(f"explorers: {out / 'index.html'}")
    return 0


def main(bin_dir: str) -> int:
    executed = sorted((ROOT / "build" / "course").glob("0*.ipynb"))
    if len(executed) < 7:
        print("site: no executed chapters in build/course/: run `make course` first.", file=sys.stderr)
        return 2
    shutil.rmtree(SOURCE, ignore_errors=True)
    SOURCE.mkdir(parents=True)
    for name in ("_config.yml", "_toc.yml"):
        shutil.copy(ROOT / "site" / name, SOURCE / name)
    for notebook in [ROOT / "notebooks" / "index.ipynb", *executed]:
        still(notebook, SOURCE / notebook.name)
    # Not in _static/, where Jupyter Book would load every .js file on every page: _mathjax/ is copied to the
    # site's _static/ as it is (html_static_path), and only tex-chtml.js is loaded (mathjax_path).
    shutil.copytree(mathjax(), SOURCE / "_mathjax" / "mathjax")
    # The explorers' files, served from _static/ganlib/ and loaded only by the pages that have an explorer.
    if not explorer_files(SOURCE / "_ganlib" / "ganlib"):
        return 2
    favicon(SOURCE / "favicon.png")
    shutil.rmtree(OUT, ignore_errors=True)
    subprocess.run([str(Path(bin_dir) / "jupyter-book"), "build", str(SOURCE), "--path-output", str(OUT),
                    "--keep-going"], check=True)
    print(f"site: {OUT / '_build' / 'html' / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(explorers_page() if sys.argv[1:] == ["--explorers"] else main(sys.argv[1]))
