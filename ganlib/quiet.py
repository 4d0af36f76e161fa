"""Keep TensorFlow's known-harmless start-up messages out of a student's way, and let everything else through.

TensorFlow's C++ core writes straight to the process's standard error (file descriptor 2) before its own
log settings apply, so ``TF_CPP_MIN_LOG_LEVEL`` does not silence it: on a machine without a GPU every
chapter would open with red lines about CUDA drivers and oneDNN, and training with a grappler "remapper
failed" error, none of which is a problem. While TensorFlow starts (and while the first training step is
compiled), ``quiet_native_logs`` sends descriptor 2 to a temporary file; afterwards it writes back every
line that is not on the known-harmless list, so a real warning or error is still shown, a moment later.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile

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
        if self.saved is not None or os.environ.get("GANLIB_VERBOSE", "").strip() in {"1", "true", "yes"}:
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


def start_tensorflow():
    """Import TensorFlow and look for GPUs with the harmless start-up messages hidden (and TensorFlow's
    warning that a new model's predict function was traced); returns the GPUs."""
    with quiet_native_logs():
        import tensorflow as tf

        if _not_retracing not in tf.get_logger().filters:
            tf.get_logger().addFilter(_not_retracing)
        return tf.config.list_physical_devices("GPU")
