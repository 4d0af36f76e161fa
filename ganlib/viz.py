"""Pictures: sample grids, loss curves and the training GIF, saved under ``figures/``."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .data import to_uint8
from .files import atomic_write


def _as_uint8(images) -> np.ndarray:
    x = np.asarray(images)
    if x.dtype != np.uint8:
        x = to_uint8(x)  # model outputs in [-1, 1]
    if x.ndim == 4:
        x = x[..., 0]
    return x


def image_grid(images, ncols: int | None = None, pad: int = 2) -> np.ndarray:
    """Tile images (N, H, W) or (N, H, W, 1), uint8 or floats in [-1, 1], into one uint8 (rows·H, cols·W) array.

    Args:
        images: (N, H, W) or (N, H, W, 1), uint8 or floats in [-1, 1].
        ncols: images per row (default: a square).
        pad: black pixels between images.

    Returns:
        numpy.ndarray: uint8 (rows·(H+pad)+pad, cols·(W+pad)+pad).
    """
    x = _as_uint8(images)
    n, h, w = x.shape
    ncols = ncols or math.ceil(math.sqrt(n))
    nrows = math.ceil(n / ncols)
    grid = np.zeros((nrows * (h + pad) + pad, ncols * (w + pad) + pad), dtype="uint8")
    for i, im in enumerate(x):
        r, c = divmod(i, ncols)
        grid[pad + r * (h + pad): pad + r * (h + pad) + h, pad + c * (w + pad): pad + c * (w + pad) + w] = im
    return grid


def enlarge(image, scale: int) -> np.ndarray:
    """A uint8 image (H, W) with each pixel repeated ``scale``×``scale`` times: (H·scale, W·scale), still sharp."""
    return np.kron(np.asarray(image, dtype="uint8"), np.ones((scale, scale), dtype="uint8"))


def png_bytes(array: np.ndarray, scale: int = 1) -> bytes:
    """A uint8 image (H, W) or (H, W, 3) as PNG bytes, each pixel enlarged ``scale`` times (2-D images only)."""
    import imageio.v3 as iio

    return iio.imwrite("<bytes>", enlarge(array, scale) if scale > 1 else np.asarray(array), extension=".png")


def save_png(array: np.ndarray, path) -> Path:
    """Write a uint8 array (H, W) or (H, W, 3) to a PNG file, atomically.

    Args:
        array: uint8 (H, W) or (H, W, 3).
        path: the file.

    Returns:
        Path: the file written.
    """
    return atomic_write(path, png_bytes(array))


def plot_samples(images, title: str = "", ncols: int | None = None, labels=None, path=None, scale: float = 0.6):
    """Show images (N, 28, 28) in a matplotlib grid, with optional per-image labels; save to ``path`` if given.

    Returns the figure.

    Args:
        images: (N, 28, 28) or (N, 28, 28, 1), uint8 or floats in [-1, 1].
        title: above the grid.
        ncols: images per row.
        labels: a text per image, or None.
        path: where to save the PNG, or None.
        scale: inches per image.

    Returns:
        matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    x = _as_uint8(images)
    ncols = ncols or math.ceil(math.sqrt(len(x)))
    nrows = math.ceil(len(x) / ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(ncols * scale + 0.2, nrows * scale + (0.5 if title else 0.2)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i < len(x):
            ax.imshow(x[i], cmap="gray", vmin=0, vmax=255)
            if labels is not None:
                ax.set_title(str(labels[i]), fontsize=8, pad=2)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig


def plot_losses(history, path=None, keys=("d_loss", "g_loss")):
    """Plot loss curves from a training history (one dict per epoch) or from a ``StepLog``'s rows (finer: one
    per Keras call or step, their ``epoch`` fractional).

    Dashed lines mark the losses of a discriminator that cannot tell real from fake (D = 0.5 everywhere):
    2·ln 2 for ``d_loss`` (a cross-entropy on the real half plus one on the fake half) and ln 2 for
    ``g_loss``. Scores ``real_score`` / ``fake_score`` and an InfoGAN ``code_loss`` get panels of their own
    when present. Returns the figure.

    Args:
        history: dicts with ``epoch`` and the ``keys`` (and the scores and code loss), in training order.
        path: where to save the PNG, or None.
        keys: the losses to plot.

    Returns:
        matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    if not history:
        raise ValueError("the history is empty: train at least one epoch first.")
    epochs = [row["epoch"] for row in history]
    marker = dict(marker="o", ms=3) if len(history) <= 30 else {}  # dots for epochs, a plain line for steps
    scores = [k for k in ("real_score", "fake_score") if k in history[0]]
    code = "code_loss" in history[0]
    panels = 1 + bool(scores) + code
    fig, axes = plt.subplots(1, panels, figsize=(4.5 * panels + 0.5, 3.2), squeeze=False)
    axes = list(axes[0])
    reference = {"d_loss": (2 * math.log(2), "D cannot tell: 2 ln 2"), "g_loss": (math.log(2), "ln 2")}
    for k in keys:
        line, = axes[0].plot(epochs, [row[k] for row in history], label=k, **marker)
        if k in reference:
            value, text = reference[k]
            axes[0].axhline(value, color=line.get_color(), lw=0.9, ls="--", alpha=0.7, label=text)
    axes[0].set(xlabel="epoch", ylabel="loss", title="Adversarial losses")
    axes[0].legend(fontsize=8)
    if scores:
        ax = axes[1]
        for k in scores:
            ax.plot(epochs, [row[k] for row in history], label=k, **marker)
        ax.axhline(0.5, color="gray", lw=0.8, ls="--")
        ax.set(xlabel="epoch", ylabel="mean D(x)", ylim=(0, 1), title="Discriminator's scores")
        ax.legend(fontsize=8)
    if code:
        ax = axes[-1]
        ax.plot(epochs, [row["code_loss"] for row in history], color="tab:green", **marker)
        ax.axhline(0, color="gray", lw=0.8, ls="--")
        ax.set(xlabel="epoch", ylabel="cross-entropy", title="Code loss (0: every code read back)")
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig


def plot_confusion(matrix, path=None, title: str = "Asked for vs judged", ylabel: str = "asked for"):
    """Show a confusion matrix (classes, classes) of counts, rows normalised to shares; save to ``path``.

    Rows are what was asked for (a digit, or an InfoGAN code: say which with ``ylabel``), columns what the
    judge saw. Returns the figure.

    Args:
        matrix: counts (classes, classes).
        path: where to save the PNG, or None.
        title, ylabel: the plot's title and row label.

    Returns:
        matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm

    m = np.asarray(matrix, dtype="float64")
    shares = m / np.maximum(m.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(4.6, 4))
    # A log colour scale: on a linear one a 2 % miss is as dark as 0 % and only the diagonal shows.
    im = ax.imshow(np.clip(shares, 1e-3, 1), cmap="viridis", norm=LogNorm(1e-3, 1))
    for (i, j), v in np.ndenumerate(shares):
        if v >= 0.005:  # percent of the row, at least 1 so that rare mistakes stay visible
            ax.text(j, i, str(max(1, int(100 * v + 0.5))), ha="center", va="center", fontsize=7,
                    color="black" if v > 0.1 else "white")
    ax.set(xlabel="judged as", ylabel=ylabel, xticks=range(len(m)), yticks=range(len(m)),
           title=f"{title} (% of each row)")
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig


def _strip(width: int, height: int, texts) -> np.ndarray:
    """A black strip (height, width) with white ``texts``: (x, text) pairs, x the left edge or, for a
    negative x, the centre at -x."""
    from PIL import Image, ImageDraw, ImageFont

    strip = Image.new("L", (width, height), 0)
    font = ImageFont.load_default(size=max(8, height - 8))
    draw = ImageDraw.Draw(strip)
    for x, text in texts:
        anchor = "mm" if x < 0 else "lm"
        draw.text((abs(x), height / 2), text, fill=255, font=font, anchor=anchor)
    return np.asarray(strip)


def _caption(frame: np.ndarray, text: str) -> np.ndarray:
    """The frame (H, W) with a black strip above it holding ``text`` in white, a margin all round."""
    height = max(18, frame.shape[1] // 22)
    return np.concatenate([_strip(frame.shape[1], height, [(max(6, frame.shape[1] // 60), text)]), frame])


def _column_header(frame: np.ndarray, labels, scale: int, pad: int = 2) -> np.ndarray:
    """The frame (H, W), a grid of ``len(labels)`` columns made by ``image_grid`` and enlarged ``scale`` times,
    with each column's label above it."""
    cell = (frame.shape[1] - pad * scale) / len(labels)
    centres = [-(pad * scale + cell * (c + 0.5) - pad * scale / 2) for c in range(len(labels))]
    height = max(14, min(24, int(cell * 0.32)))
    return np.concatenate([_strip(frame.shape[1], height, zip(centres, labels)), frame])


def save_gif(frames, path, fps: float = 4.0, scale: int = 2, hold_last: int = 4, captions=None,
             size: int | None = None, column_labels=None) -> Path:
    """Write frames (each uint8 (H, W), all alike) as a looping animation; the last frame is shown
    ``1 + hold_last`` times as long.

    ``scale`` enlarges each pixel (nearest neighbour, so digits stay sharp); ``size`` instead picks the
    scale that brings the width closest to ``size`` pixels. ``captions``: one text per frame, drawn above it
    (``runs.run_captions(run_dir)`` gives epoch and losses; ``runs.save_run_gif`` does it all for a run
    folder). ``column_labels``: one text per column of a grid
    made by ``image_grid``, drawn above the columns. A path ending in ``.mp4`` writes an H.264 video
    through imageio-ffmpeg; anything else a GIF.

    Args:
        frames: uint8 arrays (H, W), all alike.
        path: a .gif, or .mp4 for a video.
        fps: frames per second.
        scale, size: the enlargement, or the width to aim for.
        hold_last: how many extra frames' time the last one stays.
        captions: a text per frame, or None.
        column_labels: a text per grid column, or None.

    Returns:
        Path: the file written.
    """
    import imageio.v3 as iio

    if len(frames) == 0:
        raise ValueError("no frames to write: train at least one epoch first.")
    if captions is not None and len(captions) != len(frames):
        raise ValueError(f"{len(captions)} captions for {len(frames)} frames: give one per frame.")
    if size is not None:
        scale = max(1, round(size / np.asarray(frames[0]).shape[1]))
    big = [enlarge(f, scale) for f in frames]
    if column_labels is not None:
        big = [_column_header(f, column_labels, scale) for f in big]
    if captions is not None:
        big = [_caption(f, text) for f, text in zip(big, captions)]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".mp4":
        try:
            import imageio_ffmpeg  # noqa: F401 - only to give a clear message when it is missing
        except ImportError:
            raise RuntimeError("MP4 export needs imageio-ffmpeg: pip install imageio-ffmpeg "
                               "(or save a .gif).") from None
        # H.264 players want sizes in 16-pixel blocks; the held last frame is repeated, as video frames
        # share one rate.
        h, w = (-(-big[0].shape[0] // 16) * 16), (-(-big[0].shape[1] // 16) * 16)
        video = np.zeros((len(big) + hold_last, h, w), dtype="uint8")
        for i, f in enumerate(big + [big[-1]] * hold_last):
            video[i, : f.shape[0], : f.shape[1]] = f
        iio.imwrite(path, np.repeat(video[..., None], 3, axis=-1), plugin="FFMPEG", fps=fps)
        return path
    durations = [1000.0 / fps] * len(big)
    durations[-1] *= 1 + hold_last  # linger on the result before the loop restarts
    # Pillow takes a list of durations only for several frames.
    iio.imwrite(path, np.stack(big), extension=".gif", duration=durations if len(big) > 1 else durations[0], loop=0)
    return path


def figure_frames(draw, count: int, ncols: int = 1, figsize=(4.0, 3.4), dpi: int = 80) -> list:
    """Render ``count`` matplotlib frames: ``draw(axes, i)`` draws frame i on a row of ``ncols`` cleared axes.

    Args:
        draw: a function ``(axes, i)`` that draws frame ``i``.
        count: how many frames.
        ncols: axes side by side.
        figsize, dpi: the figure's size in inches and its resolution.

    Returns:
        list: uint8 RGB arrays (height, width, 3), one per frame.
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, ncols, figsize=figsize, dpi=dpi)
    axes = np.atleast_1d(axes)
    frames = []
    for i in range(count):
        for ax in axes:
            ax.clear()
        draw(axes, i)
        fig.canvas.draw()
        frames.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].copy())
    plt.close(fig)
    return frames


def save_rgb_gif(frames, path, fps: float = 8.0) -> Path:
    """Write RGB frames uint8 (H, W, 3) as a looping GIF, the last frame held a second longer.

    Args:
        frames: uint8 arrays (H, W, 3), all alike.
        path: the GIF's path.
        fps: frames per second.

    Returns:
        Path: the file written.
    """
    import imageio.v3 as iio

    durations = [1000 / fps] * (len(frames) - 1) + [1000 / fps + 1000]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    iio.imwrite(path, np.stack(frames), duration=durations, loop=0)
    return path


def plot_seed_bars(groups: dict, xlabel: str, title: str = "", path=None, highlight: str | None = None,
                   log: bool = False):
    """One horizontal bar per group at the median of its values, with each value (one per seed) as a dot: a
    comparison over seeds that shows its spread.

    Args:
        groups: ``{name: [value per seed, ...]}``, drawn top to bottom in order.
        xlabel: what the values are.
        title: above the plot.
        path: where to save the PNG, or None.
        highlight: the group drawn in green (the others gray), or None.
        log: a logarithmic axis, for values of very different sizes.

    Returns:
        matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 0.45 * len(groups) + 1.2))
    for i, (name, values) in enumerate(groups.items()):
        ax.barh(i, float(np.median(values)), color="tab:green" if name == highlight else "tab:gray", alpha=0.6)
        ax.scatter(values, [i] * len(values), color="black", s=12, zorder=3)
    ax.set_yticks(range(len(groups)), list(groups))
    ax.invert_yaxis()
    ax.set(xlabel=xlabel, title=title, xscale="log" if log else "linear")
    if path is not None:
        fig.savefig(path, bbox_inches="tight")
    return fig


def plot_per_digit(curves: dict, ylabel: str, floor=None, title: str = "", path=None, log: bool = False):
    """One line per group across the ten digits, e.g. each conditioning variant's intra-FID per digit, with
    the real digits' floor dashed beneath: where a group fails, digit by digit.

    Args:
        curves: ``{name: [value for digit 0, …, digit 9]}``.
        ylabel: what the values are.
        floor: ten values that a perfect generator would score (drawn dashed), or None.
        title: above the plot.
        path: where to save the PNG, or None.
        log: a logarithmic axis, for values of very different sizes.

    Returns:
        matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 3.2))
    for name, values in curves.items():
        if len(values) != 10:
            raise ValueError(f"{name}: {len(values)} values; give one per digit 0–9.")
        ax.plot(range(10), values, marker="o", ms=4, label=name)
    if floor is not None:
        ax.plot(range(10), floor, color="gray", ls="--", lw=1, label="real digits (floor)")
    ax.set_xticks(range(10))
    ax.set(xlabel="digit asked for", ylabel=ylabel, title=title, yscale="log" if log else "linear")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5))  # beside the lines, never over them
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig


def plot_cell_table(cells: dict, rows, columns, label: str, title: str = "", path=None, log: bool = True,
                    fmt: str = ".0f"):
    """A table of measurements over seeds as a coloured grid: each cell's median written with its range
    (lowest–highest over the seeds; none for a single run) and coloured on a colour-blind-safe scale (cividis)
    with its colour bar; a cell that was not run stays blank. Lower values are darker.

    Args:
        cells: ``{(row, column): {"median", "min", "max"}}`` for the cells that were run.
        rows, columns: the names along each side, in order.
        label: what the values are (the colour bar's label).
        title: above the grid.
        path: where to save the PNG, or None.
        log: colour on a logarithmic scale, for values of very different sizes.
        fmt: how each number is written.

    Returns:
        matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.ticker import FuncFormatter, NullFormatter

    grid = np.full((len(rows), len(columns)), np.nan)
    for (row, column), value in cells.items():
        grid[list(rows).index(row), list(columns).index(column)] = value["median"]
    known = grid[np.isfinite(grid)]
    if not known.size:
        raise ValueError("no cell has a value: give at least one run cell.")
    norm = (LogNorm if log else Normalize)(vmin=known.min(), vmax=known.max())
    fig, ax = plt.subplots(figsize=(1.55 * len(columns) + 2.8, 0.62 * len(rows) + 1.4))
    image = ax.imshow(np.ma.masked_invalid(grid), cmap="cividis", norm=norm, aspect="auto")
    ax.set_facecolor("white")
    for (row, column), value in cells.items():
        i, j = list(rows).index(row), list(columns).index(column)
        dark = norm(value["median"]) < 0.5  # light text on the dark end of the scale
        spread = f"\n[{value['min']:{fmt}}–{value['max']:{fmt}}]" if value["min"] != value["max"] else ""
        ax.text(j, i, f"{value['median']:{fmt}}{spread}", ha="center", va="center", fontsize=8,
                color="white" if dark else "black")
    for i, j in zip(*np.nonzero(~np.isfinite(grid))):
        ax.text(j, i, "not run", ha="center", va="center", fontsize=7, color="0.6")
    ax.set(xticks=range(len(columns)), xticklabels=list(columns), yticks=range(len(rows)),
           yticklabels=list(rows), title=title)
    plt.setp(ax.get_xticklabels(), rotation=20, ha="right")
    bar = fig.colorbar(image, ax=ax, label=label)
    if log:  # ticks at 1, 2, 3, 5 × 10ⁿ, written plainly (300, not 3×10²)
        bar.set_ticks([t for t in np.outer([1, 2, 3, 5], 10.0 ** np.arange(-3, 6)).ravel()
                       if known.min() <= t <= known.max()])
        bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        bar.ax.yaxis.set_minor_formatter(NullFormatter())
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=100, bbox_inches="tight")
    return fig
