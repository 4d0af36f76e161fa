"""TensorFlow's runtime as the course starts it: its thread pools sized for a GAN on a CPU, and its
known-harmless start-up messages kept out of a student's way, with everything else let through.

TensorFlow's C++ core writes straight to the process's standard error (file descriptor 2) before its own
log settings apply, so ``TF_CPP_MIN_LOG_LEVEL`` does not silence it: on a machine without a GPU every
chapter would open with red lines about CUDA drivers and oneDNN, and training with a grappler "remapper
failed" error, none of which is a problem. While TensorFlow starts (and while the first training step is
compiled), ``quiet_native_logs`` sends descriptor 2 to a temporary file; afterwards it writes back every
line that is not on the known-harmless list, so a real warning or error is still shown, a moment later.

``start_tensorflow`` also sets TensorFlow's thread pools for a GAN on a CPU (``cpu_threads``).
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

from .config import env_flag

# Each is printed on every machine without a GPU, or on every CPU, and says nothing about the course's code.
HARMLESS = (
    "All log messages before absl::InitializeLog() is called are written to STDERR",
    "oneDNN custom operations are on",
    "Could not find cuda drivers on your machine",
    "failed call to cuInit",
    "remapper failed: INVALID_ARGUMENT: Mutation::Apply error: fanout",
    "TF-TRT Warning: Could not find TensorRT",
    "Unable to register cuDNN factory",
    "Unable to register cuFFT factory",
    "Unable to register cuBLAS factory",
    "computation placer already registered",
    "This TensorFlow binary is optimized to use available CPU instructions",
    "To enable the following instructions",
)


def is_harmless(line: str) -> bool:
    """True for a line of TensorFlow's start-up output that the course hides (see ``HARMLESS``)."""
    return any(pattern in line for pattern in HARMLESS)


class NativeStderrFilter:
    """Redirects file descriptor 2 to a temporary file from ``start()`` to ``stop()``, then writes the lines
    that are not harmless back to it. ``GANLIB_VERBOSE=1`` turns it off."""

    def __init__(self):
        self.saved = None
        self.buffer = None

    def start(self) -> None:
        if self.saved is not None or env_flag("GANLIB_VERBOSE"):
            return
        sys.stderr.flush()
        self.buffer = tempfile.TemporaryFile()
        self.saved = os.dup(2)
        os.dup2(self.buffer.fileno(), 2)

    def stop(self) -> None:
        if self.saved is None:
            return
        os.dup2(self.saved, 2)
        os.close(self.saved)
        self.saved = None
        self.buffer.seek(0)
        kept = [line for line in self.buffer.read().decode(errors="replace").splitlines(keepends=True)
                if not is_harmless(line)]
        self.buffer.close()
        if kept:
            os.write(2, "".join(kept).encode())


@contextlib.contextmanager
def quiet_native_logs():
    """Hide TensorFlow's known-harmless native messages inside the ``with`` block; show all the others."""
    muffler = NativeStderrFilter()
    muffler.start()
    try:
        yield
    finally:
        muffler.stop()


def _not_retracing(record) -> bool:
    # Each new model traces its predict function once; a chapter that trains several models in a row makes
    # TensorFlow warn that "tf.function retracing" may be slow, which is expected here and harmless.
    return "triggered tf.function retracing" not in record.getMessage()


def cpu_threads(cores: int, setting: str | None = None) -> tuple[int, int] | None:
    """The thread pools ``(intra_op, inter_op)`` for training on a CPU with ``cores`` cores, or None to keep
    TensorFlow's own (as many threads as cores in both pools).

    A training step at batch 32 is many small operations, and most come in independent pairs (the
    discriminator on real and on fake images, then each network's gradients): two pools' worth of operations
    side by side, each on half the cores, keep the cores busier than every small operation split across all
    of them. On a 2-core CPU that is one thread per operation and two at once: 20 to 45 % more images per
    second (``benchmarks/threads.py``); large-batch work such as drawing 10,000 samples runs a little slower.

    Args:
        cores: the number of CPU cores.
        setting: ``GANLIB_THREADS`` if set: ``"intra,inter"`` (e.g. ``"2,2"``) or ``"tf"`` for TensorFlow's own.

    Returns:
        tuple[int, int] | None: the two pool sizes, or None.
    """
    setting = (setting or "").strip().lower()
    if setting == "tf":
        return None
    if setting:
        try:
            intra, inter = (int(n) for n in setting.split(","))
            if intra < 1 or inter < 1:
                raise ValueError
        except ValueError:
            raise ValueError(f"GANLIB_THREADS={setting!r}: give two positive integers 'intra,inter' "
                             "(e.g. '1,2'), or 'tf' for TensorFlow's own thread pools.") from None
        return intra, inter
    return max(1, cores // 2), 2


def usable_cores() -> int:
    """The CPU cores this process may run on (a container or ``taskset`` may allow fewer than the machine has)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def start_tensorflow():
    """Import TensorFlow and look for GPUs with the harmless start-up messages hidden (and TensorFlow's
    warning that a new model's predict function was traced); returns the GPUs.

    Without a GPU it also sizes TensorFlow's thread pools by ``cpu_threads`` (``GANLIB_THREADS`` overrides),
    unless TensorFlow has already run something in this process, when they can no longer change."""
    with quiet_native_logs():
        import tensorflow as tf

        if _not_retracing not in tf.get_logger().filters:
            tf.get_logger().addFilter(_not_retracing)
        gpus = tf.config.list_physical_devices("GPU")
        threads = None if gpus else cpu_threads(usable_cores(), os.environ.get("GANLIB_THREADS"))
        if threads is not None:
            try:
                tf.config.threading.set_intra_op_parallelism_threads(threads[0])
                tf.config.threading.set_inter_op_parallelism_threads(threads[1])
            except RuntimeError:  # TensorFlow already started: its pools are fixed for this process
                pass
        return gpus
