"""tf.distribute: two logical CPU devices (MirroredStrategy) and two worker processes on 127.0.0.1."""
import json
import socket
import textwrap

import numpy as np
import pytest
from conftest import NewProcess

from ganlib.runs import RunState, load_generator

SCRIPT = textwrap.dedent("""
    import json, sys
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    if sys.argv[2] == "mirrored" and not tf.config.get_logical_device_configuration(cpu):  # set once per process
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from ganlib.config import GANConfig
    from ganlib.training import make_strategy, train
    strategy = (tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]) if sys.argv[2] == "mirrored"
                else make_strategy("multiworker"))
    cfg = GANConfig(gen_filters=(32, 16, 8), disc_filters=(8, 16), latent_dim=16, batch_size=32, epochs=1,
                    n_train=256)
    result = train(cfg, sys.argv[1], verbose=0, strategy=strategy)
    print(json.dumps({"replicas": strategy.num_replicas_in_sync, "step": int(result.gan.step.numpy()),
                      "history": result.history}))
""")


@pytest.fixture(scope="module")
def mirrored(tmp_path_factory):
    """One new process with two logical CPU devices (they must be set before TensorFlow runs anything): one
    mirrored step beside one step on one device (SAME_STEP's report), then a mirrored run in a folder (SCRIPT's
    report); the folder and both reports."""
    folder = tmp_path_factory.mktemp("mirrored")
    code, out, err = NewProcess(SAME_STEP + SCRIPT, folder, "mirrored").wait()
    assert code == 0, err
    reports = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    same_step, report = (next(r for r in reports if key in r) for key in ("gap", "replicas"))
    return folder, same_step, report


@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_devices(mirrored):
    folder, _, report = mirrored
    assert report["replicas"] == 2
    assert report["step"] == 256 // 32  # the global batch of 32 is split, not doubled
    assert np.isfinite(report["history"][0]["d_loss"]) and np.isfinite(report["history"][0]["g_loss"])
    assert RunState.load(folder).epoch == 1


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_workers_on_localhost_train_one_model(tmp_path):
    cluster = {"worker": [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]}
    workers = [NewProcess(SCRIPT, tmp_path, "multiworker",
                          env={"TF_CONFIG": json.dumps({"cluster": cluster, "task": {"type": "worker", "index": i}})})
               for i in range(2)]
    ends = [worker.wait() for worker in workers]
    assert [code for code, _, _ in ends] == [0, 0], [err for _, _, err in ends]
    reports = [json.loads(out.strip().splitlines()[-1]) for _, out, _ in ends]
    assert [r["replicas"] for r in reports] == [2, 2] and reports[0]["step"] == 256 // 32
    # The chief writes the run folder; the other worker keeps an identical copy aside.
    assert RunState.load(tmp_path).epoch == 1 and RunState.load(tmp_path / ".worker-1").epoch == 1
    for a, b in zip(load_generator(tmp_path).get_weights(), load_generator(tmp_path / ".worker-1").get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-6)


SAME_STEP = textwrap.dedent("""
    import json, sys
    import numpy as np
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from ganlib.config import GANConfig
    from ganlib.data import training_images
    from ganlib.training import build_gan
    # Dropout off: its masks are drawn per replica, so they cannot match one device's.
    cfg = GANConfig(gen_filters=(32, 16, 8), disc_filters=(8, 16), latent_dim=16, batch_size=32, dropout=0.0)
    batch = training_images(32, seed=3)
    one = build_gan(cfg)
    one.train_step(tf.constant(batch))
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
    with strategy.scope():
        two = build_gan(cfg)  # the same seeded start as `one`
    two.fit(tf.data.Dataset.from_tensors(batch), epochs=1, steps_per_epoch=1, verbose=0)
    gaps = [float(np.abs(a - b).max()) for a, b in zip(one.generator.get_weights() + one.discriminator.get_weights(),
                                                      two.generator.get_weights() + two.discriminator.get_weights())]
    print(json.dumps({"gap": max(gaps), "moved": float(np.abs(one.generator.get_weights()[0] - build_gan(cfg)
                                                              .generator.get_weights()[0]).max())}))
""")


@pytest.mark.slow
def test_one_mirrored_step_on_two_devices_equals_one_step_on_one(mirrored):
    """The same global batch, split over two replicas, updates every weight as one device does."""
    report = mirrored[1]
    assert report["moved"] > 1e-4  # the step did change the weights
    assert report["gap"] < 1e-5, report
