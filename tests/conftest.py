import os

import numpy as np
import pytest

os.environ.setdefault("GANLIB_QUICK", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

# make test builds the wheel itself and runs every chapter from it, top to bottom, each in an empty folder (nbval
# in build/away), and says so with this variable: the tests leave to those runs what they would repeat.
CHAPTERS_FROM_WHEEL = os.environ.get("GANLIB_WHEEL_CHAPTERS") == "1"


@pytest.fixture(scope="session")
def mnist():
    """The real MNIST arrays, fetched once per test session (into data/ when Keras cannot download)."""
    from ganlib.data import load_mnist

    return load_mnist()


@pytest.fixture(scope="session")
def small_x(mnist):
    """512 real training digits, float32 (512, 28, 28, 1) in [-1, 1]."""
    from ganlib.data import to_model_range

    (x, _), _ = mnist
    return to_model_range(x[np.random.default_rng(0).choice(len(x), 512, replace=False)])


def tiny():
    """A config small enough for a few-second run on a laptop CPU (the ``tiny_config`` fixture's)."""
    from ganlib.config import GANConfig

    return GANConfig(gen_filters=(32, 16, 8), disc_filters=(8, 16), latent_dim=16, batch_size=64, epochs=2)


@pytest.fixture
def tiny_config():
    """A config small enough for a few-second run on a laptop CPU."""
    return tiny()


@pytest.fixture
def textbook_config(tiny_config):
    """The tiny networks without ganlib's extras, one step per call (so a kill can land mid-epoch)."""
    import dataclasses

    from ganlib.config import Conditioning

    return dataclasses.replace(tiny_config, ema=0.0, label_smoothing=0.0, conditioning=Conditioning(), epochs=3,
                               steps_per_execution=1)


@pytest.fixture(scope="module")
def tiny_run(small_x, tmp_path_factory):
    """``tiny_config`` trained on ``small_x`` once per test module, for the tests that only read a finished run
    or compare another run with it (never write into its folder): its folder and ``train``'s result."""
    from ganlib.training import train

    folder = tmp_path_factory.mktemp("tiny-run")
    return folder, train(tiny(), folder, x=small_x, verbose=0)


@pytest.fixture(scope="session")
def chapter_4():
    """Chapter 4's own code, as a student runs it: its shown-code and drift-setup cells executed in order (the
    classes TextbookGAN to CodeGAN and AlternatingGAN, and make_gan), as a dict of names."""
    import json
    from pathlib import Path

    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "04_training.ipynb"
    namespace = {}
    for cell in json.loads(notebook.read_text())["cells"]:
        if {"shown-code", "drift-setup"} & set(cell["metadata"].get("tags", [])):
            exec(compile("".join(cell["source"]), f"04_training.ipynb:{cell['id']}", "exec"), namespace)
    return namespace


def _run_script(code: str, argv: list, env: dict, logs: tuple) -> None:
    import os
    import sys

    for fd, log in zip((1, 2), logs):  # the script's stdout and stderr, for the test to read
        os.dup2(os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC), fd)
    os.environ.update(env)
    sys.argv = ["-c", *argv]
    exec(compile(code, "<script>", "exec"), {"__name__": "__main__"})


class NewProcess:
    """The script ``code``, with ``sys.argv[1:] = argv`` and ``env`` added to its environment, started in a
    process of its own, forked from a server that has already imported TensorFlow and ganlib (multiprocessing's
    forkserver, started once per test process): a process a test may kill at any moment, or run beside another,
    as ``python -c code`` would be, without paying for the import each time. ``wait()`` returns its exit code
    (-9: killed by SIGKILL), its stdout and the end of its stderr."""

    def __init__(self, code: str, *argv, env: dict | None = None):
        import multiprocessing
        import tempfile
        from pathlib import Path

        context = multiprocessing.get_context("forkserver")
        # Importing TensorFlow starts none of its threads (only OpenBLAS's pool, which survives a fork; make test
        # runs one BLAS thread, so none): forking the importing process is safe until TensorFlow runs something,
        # and a child may still choose its thread pools, logical devices or cluster.
        context.set_forkserver_preload(["tensorflow", "keras", "ganlib.training", "ganlib.runs", "ganlib.data"])
        self._folder = tempfile.TemporaryDirectory()
        self._logs = tuple(str(Path(self._folder.name) / name) for name in ("stdout", "stderr"))
        self.process = context.Process(target=_run_script, args=(code, [str(a) for a in argv], env or {},
                                                                 self._logs))
        self.process.start()

    def wait(self, timeout: float = 300) -> tuple[int, str, str]:
        from pathlib import Path

        self.process.join(timeout)
        if self.process.exitcode is None:
            self.process.kill()
            self.process.join()
        out, err = (Path(log).read_text() if Path(log).exists() else "" for log in self._logs)
        self._folder.cleanup()
        return self.process.exitcode, out, err[-3000:]

