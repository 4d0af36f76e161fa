"""A student's first minutes: the Setup cell and a first training print no scary noise, and hide nothing real."""
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import NewProcess

from ganlib.runtime import HARMLESS, is_harmless, quiet_native_logs

SCRIPT = textwrap.dedent("""
    import os
    import ganlib
    ganlib.setup()
    from ganlib.config import Conditioning, GANConfig
    from ganlib.data import training_images
    from ganlib.runtime import quiet_native_logs
    from ganlib.training import train
    cfg = GANConfig(gen_filters=(16, 8), disc_filters=(8,), latent_dim=8, batch_size=64, epochs=1, n_train=256,
                    conditioning=Conditioning())
    train(cfg, os.environ["RUN"], x=training_images(256), verbose=0)
    with quiet_native_logs():
        os.write(2, b"E0000 12:00:00 something.cc:1] a real problem\\n")
    import tensorflow as tf
    from ganlib.runtime import usable_cores
    threading = tf.config.threading
    print("pools", len(tf.config.list_physical_devices("GPU")), usable_cores(),
          threading.get_intra_op_parallelism_threads(), threading.get_inter_op_parallelism_threads())
""")


@pytest.mark.slow
def test_setup_and_a_first_training_keep_stderr_free_of_harmless_noise_and_size_the_pools(tmp_path):
    """A student's first process: no known-harmless noise on stderr, anything else kept, and (with no
    GANLIB_THREADS) the thread pools sized by ganlib's rule for this machine's cores."""
    from ganlib.runtime import cpu_threads

    env = {k: v for k, v in os.environ.items()
           if k not in ("TF_CPP_MIN_LOG_LEVEL", "GANLIB_VERBOSE", "GANLIB_THREADS")}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300,
                          env={**env, "RUN": str(tmp_path / "run")})
    assert proc.returncode == 0, proc.stderr[-3000:]
    noise = [line for line in proc.stderr.splitlines() if is_harmless(line)]
    assert not noise, noise
    assert "a real problem" in proc.stderr  # anything not known to be harmless still reaches the student
    assert "device: the CPU" in proc.stdout or "device: " in proc.stdout
    gpus, cores, intra, inter = (int(n) for n in proc.stdout.split("pools")[-1].split())
    assert gpus or (intra, inter) == cpu_threads(cores)  # with a GPU TensorFlow keeps its own pools


def test_the_filter_keeps_unknown_lines_and_drops_known_ones(capfd):
    with quiet_native_logs():
        os.write(2, (HARMLESS[1] + " (sic)\n").encode())
        os.write(2, b"W0000 a new warning\n")
    err = capfd.readouterr().err
    assert "a new warning" in err and HARMLESS[1] not in err


def test_tensorflows_logger_drops_the_retracing_warning_and_keeps_others():
    import logging

    from ganlib.runtime import start_tensorflow

    start_tensorflow()
    start_tensorflow()  # twice: one filter, not two
    import tensorflow as tf

    def record(message):
        return logging.LogRecord("tensorflow", logging.WARNING, __file__, 1, message, None, None)

    logger = tf.get_logger()
    assert not logger.filter(record("5 out of the last 12 calls to <function f> triggered tf.function retracing."))
    assert logger.filter(record("something new went wrong"))
    assert sum(getattr(f, "__name__", "") == "_not_retracing" for f in logger.filters) == 1


def test_cpu_threads_runs_two_operations_at_once_on_half_the_cores_each():
    from ganlib.runtime import cpu_threads

    assert cpu_threads(2) == (1, 2)
    assert cpu_threads(1) == (1, 2)
    assert cpu_threads(8) == (4, 2)
    assert cpu_threads(2, "3,1") == (3, 1)
    assert cpu_threads(2, " TF ") is None


@pytest.mark.parametrize("setting", ["2", "0,2", "one,two", "1,2,3"])
def test_a_bad_threads_setting_says_what_to_write(setting):
    from ganlib.runtime import cpu_threads

    with pytest.raises(ValueError, match=r"GANLIB_THREADS=.*'intra,inter'.*'tf'"):
        cpu_threads(2, setting)


@pytest.mark.slow
@pytest.mark.parametrize("setting, expected", [("3,1", (3, 1)), ("tf", (0, 0))])
def test_start_tensorflow_sizes_the_thread_pools(setting, expected):
    # A new process: the pools can only be set before TensorFlow runs anything. Without GANLIB_THREADS, the
    # rule sizes them: test_setup_and_a_first_training_keep_stderr_free_of_harmless_noise_and_size_the_pools.
    code = ("import tensorflow as tf; from ganlib.runtime import start_tensorflow; "
            "gpus = start_tensorflow(); tf.constant(1.0) + 1; "
            "print(len(gpus), tf.config.threading.get_intra_op_parallelism_threads(), "
            "tf.config.threading.get_inter_op_parallelism_threads())")
    exitcode, out, err = NewProcess(code, env={"GANLIB_THREADS": setting}).wait()
    assert exitcode == 0, err
    gpus, intra, inter = (int(n) for n in out.split())
    if gpus:
        pytest.skip("with a GPU TensorFlow keeps its own thread pools")
    assert (intra, inter) == expected


@pytest.mark.parametrize("value, on", [("1", True), ("True", True), (" yes ", True), ("ON", True), ("0", False),
                                       ("", False), ("no", False)])
def test_every_switch_reads_its_variable_the_same_way(monkeypatch, value, on):
    from ganlib import checks, exercises
    from ganlib.config import env_flag, quick_mode

    for name in ("GANLIB_QUICK", "GANLIB_STRICT", "GANLIB_GRADING", "GANLIB_VERBOSE"):
        monkeypatch.setenv(name, value)
    assert env_flag("GANLIB_VERBOSE") is on and quick_mode() is on and exercises.grading() is on
    assert checks.strict() is on
