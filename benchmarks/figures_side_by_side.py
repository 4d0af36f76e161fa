"""The course's sample grids at two commits, side by side: were the chapters' figures as good after a change?

    python benchmarks/figures_side_by_side.py 52b0169               # that commit's figures against figures/ now
    python benchmarks/figures_side_by_side.py 52b0169 dd4bcb8 --out benchmarks/results/figures_52b0169_dd4bcb8.png

Each figure is read from git at the commit (``git show``), or from ``figures/`` (what ``make course`` last wrote)
when no second commit is given. The training animation is compared by its last frame. Writes one PNG.
"""

from __future__ import annotations

import argparse
import io
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The figures that show what the trained generators draw (the others are plots of numbers).
SAMPLE_FIGURES = ("04_samples.png", "training.gif", "06_own_run.png", "07_fashion_generated.png",
                  "07_own_images_generated.png")


def read_figure(name: str, commit: str | None):
    """The figure ``figures/name`` as an RGB array (height, width, 3): at ``commit``, or the file now if None.
    A GIF gives its last frame."""
    import imageio.v3 as iio
    import numpy as np

    if commit is None:
        data = (ROOT / "figures" / name).read_bytes()
    else:
        data = subprocess.run(["git", "show", f"{commit}:figures/{name}"], cwd=ROOT, capture_output=True,
                              check=True).stdout
    frame = list(iio.imiter(io.BytesIO(data)))[-1]
    frame = np.asarray(frame)
    if frame.ndim == 2:
        frame = np.stack([frame] * 3, axis=-1)
    return frame[..., :3]


def side_by_side(before: str, after: str | None, out: Path, names=SAMPLE_FIGURES) -> Path:
    """Write a PNG with one row per figure: at ``before`` on the left, at ``after`` (or now) on the right."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(len(names), 2, figsize=(12, 3.2 * len(names)), squeeze=False)
    for row, name in zip(axes, names):
        for ax, commit in zip(row, (before, after)):
            ax.imshow(read_figure(name, commit))
            ax.set_title(f"{name} at {commit or 'figures/ now'}", fontsize=9)
            ax.axis("off")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("before", help="a commit whose figures/ to show on the left")
    p.add_argument("after", nargs="?", help="a commit for the right (default: figures/ as it is now)")
    p.add_argument("--out", type=Path, default=ROOT / "figures_side_by_side.png")
    args = p.parse_args(argv)
    try:
        path = side_by_side(args.before, args.after, args.out)
    except subprocess.CalledProcessError as e:
        raise SystemExit(f"git could not read a figure: {e.stderr.decode().strip()} (is {args.before!r} a commit of "
                         "this repository, with the figure in it?)") from None
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
