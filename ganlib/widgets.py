"""Interactive explorers for the notebooks. Each function takes its state as arguments and returns a widget.

The returned box also carries its parts as attributes (``controls``, ``image``, buttons…), so a test or a
curious student can drive it from Python: set a value, then read the output.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path

import ipywidgets as widgets
import numpy as np

from .config import CODE, LOSSES, NONE, GANConfig
from .data import to_uint8
from .models import conditioning_of, latent_size
from .training import generator_inputs
from .viz import png_bytes


def _draw(generator, noise: np.ndarray, labels=None) -> np.ndarray:
    """Noise (n, latent_dim), and for a conditional generator labels (n,) or (n, classes) -> uint8 (n, 28, 28)."""
    return to_uint8(generator(generator_inputs(generator, noise, labels), training=False))


def _digit_picker(generator, value: int, description: str) -> widgets.ToggleButtons:
    # An InfoGAN code picks whatever the GAN learnt to make of it, so it is called a code, not a digit.
    conditioning = conditioning_of(generator)
    if conditioning.kind == CODE:
        description = description.replace("digit", "code")
    return widgets.ToggleButtons(options=list(range(conditioning.size)), value=value, description=description,
                                 style={"button_width": "2.2em"})


def seed_noise(seed: int, latent_dim: int) -> np.ndarray:
    """The noise vector float32 (latent_dim,) that stands for ``seed`` in the explorers."""
    return np.random.default_rng(seed).standard_normal(latent_dim).astype("float32")


def slerp(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Spherical interpolation between noise vectors (D,): stays at the typical radius of Gaussian noise,
    where a straight line would pass through unlikely, too-short vectors."""
    cos = np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b))
    omega = np.arccos(np.clip(cos, -1, 1))
    if omega < 1e-6:
        return (1 - t) * a + t * b
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def latent_explorer(generator, seed: int = 0, n_sliders: int = 6, scale: int = 6, digit: int = 7) -> widgets.VBox:
    """A seed picker plus sliders that nudge the first ``n_sliders`` numbers of the noise vector.

    Watch which strokes each direction of the latent space changes. For a conditional generator a digit
    picker chooses what to draw, and the sliders change its style. Returns a VBox with ``.controls``
    (``seed``, ``z0``…, and ``digit`` when conditional), ``.image`` (the digit as PNG) and ``.current()``
    (the uint8 (28, 28) image).

    Args:
        generator: a generator model.
        seed: the starting noise's seed.
        n_sliders: how many noise numbers get a slider.
        scale: the image's enlargement.
        digit: the starting digit (or code).

    Returns:
        ipywidgets.VBox: the explorer, its parts as attributes.
    """
    latent_dim = latent_size(generator)
    picker = _digit_picker(generator, digit, "digit") if conditioning_of(generator).kind != NONE else None
    seed_box = widgets.IntSlider(value=seed, min=0, max=999, description="seed", continuous_update=False)
    sliders = [widgets.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.1, description=f"z[{i}] +",
                                   continuous_update=False) for i in range(min(n_sliders, latent_dim))]
    image = widgets.Image(format="png", width=28 * scale, height=28 * scale)
    state = {}

    def noise():
        z = seed_noise(seed_box.value, latent_dim)
        z[: len(sliders)] += [s.value for s in sliders]
        return z

    def update(_=None):
        labels = None if picker is None else [picker.value]
        state["image"] = _draw(generator, noise()[None], labels)[0]
        image.value = png_bytes(state["image"], scale)

    extra = [] if picker is None else [picker]
    for control in [seed_box, *sliders, *extra]:
        control.observe(update, names="value")
    update()
    box = widgets.VBox([*extra, widgets.HBox([image, widgets.VBox([seed_box, *sliders])])])
    box.controls = {"seed": seed_box, **{f"z{i}": s for i, s in enumerate(sliders)},
                    **({"digit": picker} if picker else {})}
    box.image = image
    box.current = lambda: state["image"]
    return box


def interpolation_explorer(generator, seed_a: int = 0, seed_b: int = 1, steps: int = 10, gif_path=None,
                           scale: int = 4, digit_a: int = 1, digit_b: int = 7) -> widgets.VBox:
    """Walk the latent space from seed A to seed B: a slider for the position, a strip of the whole path,
    and a button that exports the walk (there and back) as a GIF to ``gif_path``.

    For a conditional generator the walk also goes from digit A to digit B: the one-hot labels are mixed in
    the same proportion, so a 1 morphs into a 7. Returns a VBox with ``.controls`` (``a``, ``b``, ``t``, and
    ``digit_a``, ``digit_b`` when conditional), ``.image``, ``.strip``, ``.export_button``, ``.status`` and
    ``.path_images()`` (uint8 (steps, 28, 28)).

    Args:
        generator: a generator model.
        seed_a, seed_b: the seeds at the walk's two ends.
        steps: images in the strip.
        scale: the image's enlargement.
        digit_a, digit_b: the digits (or codes) at the two ends.
        gif_path: where Export GIF writes.

    Returns:
        ipywidgets.VBox: the explorer, its parts as attributes.
    """
    from .runs import figures_dir
    from .viz import image_grid, save_gif

    latent_dim = latent_size(generator)
    pickers = ([_digit_picker(generator, digit_a, "digit A"), _digit_picker(generator, digit_b, "digit B")]
               if conditioning_of(generator).kind != NONE else [])
    gif_path = Path(gif_path) if gif_path else figures_dir() / "interpolation.gif"
    a = widgets.IntSlider(value=seed_a, min=0, max=999, description="seed A", continuous_update=False)
    b = widgets.IntSlider(value=seed_b, min=0, max=999, description="seed B", continuous_update=False)
    t = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.05, description="A → B", continuous_update=False)
    image = widgets.Image(format="png", width=28 * scale * 2, height=28 * scale * 2)
    strip = widgets.Image(format="png")
    export = widgets.Button(description="Export GIF", icon="film")
    status = widgets.HTML()

    def walk(positions):
        za, zb = seed_noise(a.value, latent_dim), seed_noise(b.value, latent_dim)
        noise = np.stack([slerp(za, zb, s) for s in positions])
        if not pickers:
            return _draw(generator, noise)
        one_hot = conditioning_of(generator).one_hot
        n = len(positions)
        start, end = one_hot(np.full(n, pickers[0].value), n), one_hot(np.full(n, pickers[1].value), n)
        mix = np.asarray(positions, dtype="float32")[:, None]
        return _draw(generator, noise, (1 - mix) * start + mix * end)

    def path_images(n=steps):
        return walk(np.linspace(0, 1, n))

    def update_point(_=None):
        image.value = png_bytes(walk([t.value])[0], scale * 2)

    def update_all(_=None):
        strip.value = png_bytes(image_grid(path_images(), ncols=steps), 2)
        update_point()

    def export_gif(_=None):
        frames = list(path_images(24))
        there_and_back = frames + frames[-2:0:-1]  # no repeated frame at either turn
        save_gif(there_and_back, gif_path, fps=12, scale=4, hold_last=0)
        status.value = f"Saved <code>{gif_path}</code> ({len(there_and_back)} frames)."

    for control in [a, b, *pickers]:
        control.observe(update_all, names="value")
    t.observe(update_point, names="value")
    export.on_click(export_gif)
    update_all()
    box = widgets.VBox([*pickers, widgets.HBox([a, b]), t, widgets.HBox([image, strip]),
                        widgets.HBox([export, status])])
    box.controls = {"a": a, "b": b, "t": t, **dict(zip(("digit_a", "digit_b"), pickers))}
    box.image, box.strip, box.export_button, box.status = image, strip, export, status
    box.path_images = path_images
    return box


class TrainingPanel(widgets.VBox):
    """Hyperparameter controls, Train and Stop buttons, a live preview after each epoch, and GIF export.

    Each combination of settings trains in its own sub-folder of ``runs_dir``, so pressing Train again with
    the same settings resumes (or extends) that run: Stop, then Train, carries on where it stopped. Its
    parts are attributes: ``controls`` (a dict of widgets by GANConfig field), ``train_button``,
    ``stop_button``, ``export_button``, ``preview``, ``progress``, ``status``; after a run, ``run_dir`` and
    ``result`` (the last ``TrainResult``).

    With ``make_gan`` (a function from a ``GANConfig`` to your compiled GAN model), the panel trains your model
    instead of ganlib's ``GAN``; its runs go in sub-folders named after your class, and the loss menu is left
    out (your ``train_step`` has its own loss).
    """

    def __init__(self, runs_dir, x=None, config: GANConfig | None = None, gif_path=None, background: bool = True,
                 make_gan=None):
        from .runs import figures_dir

        self.runs_dir, self.x, self.background, self.make_gan = Path(runs_dir), x, background, make_gan
        self.start_config = config or GANConfig().for_mode()
        self.gif_path = Path(gif_path) if gif_path else figures_dir() / "training_panel.gif"
        self.controls = self._make_controls(self.start_config)
        if make_gan is not None:
            del self.controls["loss"]
        self.train_button = widgets.Button(description="Train", button_style="primary", icon="play")
        self.stop_button = widgets.Button(description="Stop", icon="stop", disabled=True,
                                          tooltip="stop after the current epoch; Train resumes from there")
        self.export_button = widgets.Button(description="Export GIF", icon="film", disabled=True)
        self.preview = widgets.Image(format="png", width=300, height=300)
        self.progress = widgets.IntProgress(min=0, max=1, description="epoch")
        self.status = widgets.HTML("Choose settings, then press <b>Train</b>.")
        self.run_dir, self.result, self.thread = None, None, None
        self._stop_requested = threading.Event()
        self.train_button.on_click(self.on_train)
        self.stop_button.on_click(self.on_stop)
        self.export_button.on_click(self.on_export)
        super().__init__([widgets.HBox([widgets.VBox(list(self.controls.values())), self.preview]),
                          widgets.HBox([self.train_button, self.stop_button, self.export_button, self.progress]),
                          self.status])

    @staticmethod
    def _make_controls(config: GANConfig) -> dict:
        style = {"description_width": "110px"}

        def lr_slider(value, label):
            return widgets.FloatLogSlider(value=value, base=10, min=-5, max=-2, step=0.1, description=label,
                                          readout_format=".1e", style=style, continuous_update=False)

        def choice(options, value, label):
            return widgets.Dropdown(options=sorted({*options, value}), value=value, description=label, style=style)

        return {
            "g_lr": lr_slider(config.g_lr, "generator lr"),
            "d_lr": lr_slider(config.d_lr, "discrim. lr"),
            "batch_size": choice({32, 64, 128, 256, 512}, config.batch_size, "batch size"),
            "latent_dim": choice({2, 8, 32, 64, 100, 128}, config.latent_dim, "latent size"),
            "epochs": widgets.IntSlider(value=config.epochs, min=1, max=max(50, config.epochs), description="epochs",
                                        style=style, continuous_update=False),
            "loss": widgets.Dropdown(options=LOSSES, value=config.loss, description="loss", style=style),
            "spectral_norm": widgets.Checkbox(value=config.spectral_norm, description="spectral norm in D",
                                              style=style),
        }

    def chosen_config(self) -> GANConfig:
        """The starting config with the controls' values; raises ``ValueError`` for an out-of-range value."""
        return dataclasses.replace(self.start_config, **{name: c.value for name, c in self.controls.items()})

    def on_train(self, _=None):
        """Train (or resume) the chosen settings' run, in a thread when ``background``."""
        try:
            config = self.chosen_config()
        except ValueError as e:
            self.status.value = f"<span style='color:#b00'>{e}</span>"
            return
        name = f"g{config.g_lr:.0e}_d{config.d_lr:.0e}_b{config.batch_size}_z{config.latent_dim}"
        name += (f"_{config.loss}" if config.loss != "bce" else "") + ("_sn" if config.spectral_norm else "")
        try:
            gan = None if self.make_gan is None else self.make_gan(config)
        except Exception as e:  # noqa: BLE001 - your make_gan's error, shown in the panel
            self.status.value = f"<span style='color:#b00'>make_gan: {type(e).__name__}: {e}</span>"
            return
        self.run_dir = self.runs_dir / (name if gan is None else f"{type(gan).__name__}_{name}")
        self.progress.max, self.progress.value = config.epochs, 0
        self.train_button.disabled, self.stop_button.disabled = True, False
        self._stop_requested.clear()
        self.status.value = f"training in <code>{self.run_dir}</code> …"
        if self.background:
            self.thread = threading.Thread(target=self._run, args=(config, gan), daemon=True)
            self.thread.start()
        else:
            self._run(config, gan)

    def on_stop(self, _=None):
        """Ask the training to stop after the current epoch."""
        self._stop_requested.set()
        self.status.value += " stopping after this epoch …"

    def on_export(self, _=None):
        """Write the run's training animation to ``gif_path``."""
        from .runs import save_run_gif

        save_run_gif(self.run_dir, self.gif_path)
        self.status.value = f"Saved <code>{self.gif_path}</code>."

    def join(self, timeout=None):
        """Wait for a background training to end."""
        if self.thread is not None:
            self.thread.join(timeout)

    def _on_epoch_end(self, model, epoch: int, logs: dict):
        from .runs import last_frame

        self.progress.value = epoch + 1
        self.preview.value = png_bytes(last_frame(self.run_dir), 2)
        scores = (f", D(real) {logs['real_score']:.2f}, D(fake) {logs['fake_score']:.2f}"
                  if "real_score" in logs and "fake_score" in logs else "")
        self.status.value = f"epoch {epoch + 1}: d_loss {logs['d_loss']:.3f}, g_loss {logs['g_loss']:.3f}{scores}"
        if self._stop_requested.is_set():
            model.stop_training = True

    def _run(self, config: GANConfig, gan=None):
        import keras

        from .training import train

        panel = self

        class Live(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                panel._on_epoch_end(self.model, epoch, logs or {})

        try:
            self.result = train(config, self.run_dir, x=self.x, verbose=0, callbacks=[Live()], gan=gan)
            done = len(self.result.history)
            why = ("stopped by you: press Train to resume" if done < config.epochs and self._stop_requested.is_set()
                   else f"stopped by the {self.result.stopped}" if self.result.stopped != "epochs" else "done")
            self.status.value += (f" — {done} of {config.epochs} epochs, {why}; "
                                  f"{self.result.seconds:.0f} s of training in this folder.")
            self.export_button.disabled = False
        except Exception as e:  # noqa: BLE001 - show the reason in the panel; the checkpoint is kept
            self.status.value = f"<span style='color:#b00'>{type(e).__name__}: {e}</span>"
        finally:
            self.train_button.disabled, self.stop_button.disabled = False, True


def training_panel(runs_dir, x=None, config: GANConfig | None = None, gif_path=None,
                   background: bool = True, make_gan=None) -> TrainingPanel:
    """The training panel (see ``TrainingPanel``): ``runs_dir`` holds one sub-folder per combination of
    settings; ``x``: training images float32 (N, 28, 28, 1) in [-1, 1] (default: the config's MNIST subset);
    ``config``: the starting settings; ``background``: train in a thread so the notebook stays responsive
    (and Stop can be pressed), ``.join()`` waits for it; ``make_gan``: a function from a ``GANConfig`` to your
    compiled GAN model, to train it instead of ganlib's ``GAN``.

    Args:
        runs_dir: the folder of the panel's runs.
        x: training images float32 (N, 28, 28, 1) in [-1, 1], or None.
        config: the starting settings.
        gif_path: where Export GIF writes.
        background: train in a thread.
        make_gan: a function ``config -> compiled GAN model``, or None for ganlib's ``GAN``.

    Returns:
        TrainingPanel: the panel.
    """
    return TrainingPanel(runs_dir, x=x, config=config, gif_path=gif_path, background=background, make_gan=make_gan)


class FailureLab(widgets.VBox):
    """Choose a failure and a fix, press Train, and watch the symptoms after each epoch, side by side: the
    samples, the judge's class histogram, D(real) and D(fake), the generator's gradient norm, and the FID.

    Each failure and fix trains in its own folder under ``runs_dir``, so pressing Train again returns the
    finished run at once. Parts: ``failure``, ``fix`` (dropdowns), ``train_button``, ``plot`` (the five panels
    as an image), ``status``; after a run, ``record`` (``failures.LabRun``) and ``report`` (its
    ``failures.lab_report``).
    """

    def __init__(self, runs_dir, budget: dict | None = None, failure: str = "mode collapse", fix: str = "none",
                 background: bool = True):
        from .failures import FAILURES, FIXES

        self.runs_dir, self.budget, self.background = Path(runs_dir), budget, background
        style = {"description_width": "60px"}
        self.failure = widgets.Dropdown(options=list(FAILURES), value=failure, description="failure", style=style)
        self.fix = widgets.Dropdown(options=list(FIXES), value=fix, description="fix", style=style)
        self.train_button = widgets.Button(description="Train", button_style="primary", icon="play")
        self.plot = widgets.Image(format="png", width=1000)
        self.status = widgets.HTML("Choose a failure and a fix, then press <b>Train</b>.")
        self.record, self.report, self.thread = None, None, None
        self.train_button.on_click(self.on_train)
        super().__init__([widgets.HBox([self.failure, self.fix, self.train_button]), self.status, self.plot])

    def on_train(self, _=None):
        """Train (or return) the chosen failure and fix, in a thread when ``background``."""
        failure, fix = self.failure.value, self.fix.value
        out = self.runs_dir / failure.replace(" ", "-") / fix.replace(" ", "-")
        self.train_button.disabled = True
        self.status.value = f"training <b>{failure}</b> with fix <b>{fix}</b> in <code>{out}</code> …"
        if self.background:
            self.thread = threading.Thread(target=self._run, args=(failure, fix, out), daemon=True)
            self.thread.start()
        else:
            self._run(failure, fix, out)

    def join(self, timeout=None):
        """Wait for a background training to end."""
        if self.thread is not None:
            self.thread.join(timeout)

    def _draw(self, record, model=None):
        import io

        from .failures import plot_lab

        buffer = io.BytesIO()
        plot_lab(record).savefig(buffer, format="png", dpi=72)
        self.plot.value = buffer.getvalue()
        last = record.history[-1] if record.history else {}
        if last:
            self.status.value = (f"<b>{record.failure}</b>, fix <b>{record.fix}</b>, epoch {last['epoch']}: "
                                 f"D(real) {last['real_score']:.2f}, D(fake) {last['fake_score']:.2f}, "
                                 f"generator gradient norm {last['g_grad_norm']:.3g}, FID {last['fid']:.0f}, "
                                 f"{last['classes_covered']:.0f} of 10 digits")

    def _run(self, failure: str, fix: str, out: Path):
        from .failures import lab_report, run_lab

        try:
            self.record = run_lab(failure, fix, out, budget=self.budget, on_epoch=self._draw)
            self._draw(self.record)
            self.report = lab_report(self.record, n=1000)
            self.status.value += (f" — done in {self.record.seconds:.0f} s: recall {self.report['recall']:.2f}, "
                                  f"{self.report['copy_share']:.0%} near-copies of training digits.")
        except Exception as e:  # noqa: BLE001 - show the reason in the lab; the checkpoint is kept
            self.status.value = f"<span style='color:#b00'>{type(e).__name__}: {e}</span>"
        finally:
            self.train_button.disabled = False


def failure_lab(runs_dir, budget: dict | None = None, failure: str = "mode collapse", fix: str = "none",
                background: bool = True) -> FailureLab:
    """The failure lab (see ``FailureLab``): pick a failure and a fix from ``failures.FAILURES`` and
    ``failures.FIXES``, press Train, watch each epoch's symptoms.

    Args:
        runs_dir: the folder of the lab's runs.
        budget: ``{"epochs", "n_train"}`` of each run, or None for the lab's default.
        failure: the failure chosen at first.
        fix: the fix chosen at first.
        background: train in a thread so the notebook stays responsive; ``.join()`` waits for it.

    Returns:
        FailureLab: the lab.
    """
    return FailureLab(runs_dir, budget=budget, failure=failure, fix=fix, background=background)
