import imageio.v3 as iio
import numpy as np
import pytest

from ganlib import viz


def test_image_grid_tiles_images(mnist):
    (x, _), _ = mnist
    grid = viz.image_grid(x[:10], ncols=5, pad=2)
    assert grid.shape == (2 * 30 + 2, 5 * 30 + 2) and grid.dtype == np.uint8
    np.testing.assert_array_equal(grid[2:30, 2:30], x[0])


def test_gif_is_written_with_every_frame(mnist, tmp_path):
    (x, _), _ = mnist
    frames = [viz.image_grid(x[i:i + 4]) for i in range(5)]
    path = viz.save_gif(frames, tmp_path / "t.gif", fps=5, scale=2, hold_last=3)
    movie = iio.imread(path, index=None)
    assert movie.shape[0] == 5 and movie.shape[1:3] == (frames[0].shape[0] * 2, frames[0].shape[1] * 2)
    np.testing.assert_array_equal(movie[0][::2, ::2, 0] if movie.ndim == 4 else movie[0][::2, ::2], frames[0])
    durations = [iio.immeta(path, index=i)["duration"] for i in (0, 4)]
    assert durations == [200, 800]


def test_loss_plot_and_samples_are_saved(tmp_path, mnist):
    (x, _), _ = mnist
    history = [{"epoch": e, "d_loss": 1.0 / e, "g_loss": e, "real_score": 0.6, "fake_score": 0.4} for e in (1, 2, 3)]
    fig = viz.plot_losses(history, path=tmp_path / "loss.png")
    losses, scores = fig.axes
    assert [line.get_label() for line in losses.lines] == ["d_loss", "D cannot tell: 2 ln 2", "g_loss", "ln 2"]
    assert losses.lines[1].get_ydata()[0] == pytest.approx(2 * np.log(2))
    np.testing.assert_allclose(losses.lines[2].get_ydata(), [1, 2, 3])
    assert [line.get_label() for line in scores.lines][:2] == ["real_score", "fake_score"]
    with_code = viz.plot_losses([{**row, "code_loss": 2.0 / row["epoch"]} for row in history])
    assert len(with_code.axes) == 3 and with_code.axes[2].lines[0].get_ydata()[-1] == pytest.approx(2 / 3)
    viz.plot_samples(x[:8], labels=list(range(8)), path=tmp_path / "s.png")
    assert iio.imread(tmp_path / "loss.png").shape[0] > 100
    assert iio.imread(tmp_path / "s.png").shape[0] > 50
    viz.plot_confusion(np.diag(np.arange(1, 11)), path=tmp_path / "c.png")
    assert iio.imread(tmp_path / "c.png").shape[0] > 100


def test_per_digit_plot_draws_each_group_and_the_floor(tmp_path):
    fig = viz.plot_per_digit({"a": list(range(10)), "b": [5.0] * 10}, "intra-FID", floor=[1.0] * 10,
                             path=tmp_path / "d.png", log=True)
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["a", "b", "real digits (floor)"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), range(10))
    assert ax.get_yscale() == "log" and iio.imread(tmp_path / "d.png").shape[0] > 100
    with pytest.raises(ValueError, match="one per digit"):
        viz.plot_per_digit({"a": [1.0] * 9}, "x")


def test_cell_table_writes_each_run_cell_with_its_range_and_leaves_the_others_blank(tmp_path):
    cells = {("a", "x"): {"median": 20.0, "min": 18.0, "max": 25.0}, ("b", "y"): {"median": 800.0, "min": 700.0,
                                                                                   "max": 900.0}}
    fig = viz.plot_cell_table(cells, ["a", "b"], ["x", "y"], "judge-FID", path=tmp_path / "t.png")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts[:2] == ["20\n[18–25]", "800\n[700–900]"] and texts.count("not run") == 2
    assert sorted(float(t.get_text()) for t in fig.axes[1].get_yticklabels()) == [20, 30, 50, 100, 200, 300, 500]
    assert iio.imread(tmp_path / "t.png").shape[0] > 100
    with pytest.raises(ValueError, match="no cell has a value"):
        viz.plot_cell_table({}, ["a"], ["x"], "FID")


def test_quick_mode_figures_never_touch_the_committed_ones():
    from ganlib.runs import figures_dir

    assert figures_dir().parts[-2:] == ("build", "figures-quick")


def test_single_frame_gif(tmp_path, mnist):
    (x, _), _ = mnist
    path = viz.save_gif([viz.image_grid(x[:4])], tmp_path / "one.gif")
    assert iio.imread(path, index=None).shape[0] == 1


def test_captions_size_and_mp4(tmp_path, mnist):
    (x, _), _ = mnist
    frames = [viz.image_grid(x[i:i + 4]) for i in range(3)]
    captions = [f"epoch {i + 1}  D 1.00  G 0.70" for i in range(3)]
    gif = viz.save_gif(frames, tmp_path / "c.gif", captions=captions, size=240)
    movie = iio.imread(gif, index=None)
    scale = round(240 / frames[0].shape[1])
    assert movie.shape[2] == frames[0].shape[1] * scale and movie.shape[1] > frames[0].shape[0] * scale
    strip = movie[0, : movie.shape[1] - frames[0].shape[0] * scale]
    assert strip.max() > 200  # the caption is drawn in white on the black strip
    with __import__("pytest").raises(ValueError, match="one per frame"):
        viz.save_gif(frames, tmp_path / "bad.gif", captions=captions[:1])
    mp4 = viz.save_gif(frames, tmp_path / "c.mp4", fps=5, captions=captions, hold_last=2)
    video = iio.imread(mp4, plugin="FFMPEG")
    assert video.shape[0] == 5 and video.shape[1] % 16 == 0 and video.shape[2] % 16 == 0


def test_run_captions_read_the_history(tmp_path):
    import json

    (tmp_path / "state.json").write_text(json.dumps({"history": [{"epoch": 1, "d_loss": 1.234, "g_loss": 0.5}]}))
    from ganlib.runs import run_captions

    assert run_captions(tmp_path) == ["epoch 1  D 1.23  G 0.50"]
