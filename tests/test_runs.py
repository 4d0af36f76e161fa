"""The run folder: damaged checkpoints cost one epoch at most, one trainer per folder, and resume says so."""
import dataclasses
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from conftest import NewProcess

from ganlib import runs
from ganlib.config import GANConfig
from ganlib.data import training_images
from ganlib.training import train


@pytest.fixture
def three_epochs(tiny_config):
    return dataclasses.replace(tiny_config, epochs=3)


def damage(path, how):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if how == "truncate" else b"\0" * 64 + data[64:])


@pytest.mark.slow
@pytest.mark.parametrize("how", ["truncate", "corrupt"])
def test_a_damaged_checkpoint_is_set_aside_and_the_run_resumes_from_the_one_before(three_epochs, small_x, tmp_path,
                                                                                     how, capsys):
    two = dataclasses.replace(three_epochs, epochs=2)
    train(two, tmp_path, x=small_x, verbose=0)
    state = runs.RunState.load(tmp_path)
    assert state.checkpoint == "ckpt-0002.weights.h5" and state.previous["checkpoint"] == "ckpt-0001.weights.h5"
    assert (tmp_path / "ckpt-0001.weights.h5").exists()  # the previous epoch's checkpoint is kept
    damage(tmp_path / "ckpt-0002.weights.h5", how)

    result = train(three_epochs, tmp_path, x=small_x, verbose=0)
    out = capsys.readouterr().out
    assert "ckpt-0002.weights.h5 could not be loaded" in out and "Going back to epoch 1" in out
    assert (tmp_path / "ckpt-0002.weights.h5.damaged").exists()  # set aside, never deleted
    assert [row["epoch"] for row in result.history] == [1, 2, 3]
    assert runs.RunState.load(tmp_path).checkpoint == "ckpt-0003.weights.h5"
    assert not (tmp_path / "ckpt-0001.weights.h5").exists()  # only the last two are kept


@pytest.mark.slow
def test_no_loadable_checkpoint_is_one_clear_error(tiny_config, small_x, tmp_path):
    one = dataclasses.replace(tiny_config, epochs=1)
    train(one, tmp_path, x=small_x, verbose=0)
    damage(tmp_path / "ckpt-0001.weights.h5", "truncate")
    with pytest.raises(ValueError, match="no earlier checkpoint is left.*Delete the run folder"):
        train(dataclasses.replace(one, epochs=2), tmp_path, x=small_x, verbose=0)


@pytest.mark.slow
def test_a_second_trainer_on_the_same_folder_stops_at_once(tiny_config, small_x, tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from ganlib.runs import RunLock
        with RunLock({str(tmp_path)!r}):
            print("locked", flush=True)
            time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        with pytest.raises(runs.RunInUse, match=f"already being trained by process {holder.pid}"):
            train(tiny_config, tmp_path, x=small_x, verbose=0)
        assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()
    # The holder died without unlocking: the system released its lock, so training goes ahead.
    assert len(train(dataclasses.replace(tiny_config, epochs=1), tmp_path, x=small_x, verbose=0).history) == 1


def test_the_same_process_cannot_train_one_folder_twice(tiny_config, small_x, tmp_path):
    with runs.RunLock(tmp_path):  # e.g. the training panel's thread, while a cell trains the same settings
        with pytest.raises(runs.RunInUse):
            train(tiny_config, tmp_path, x=small_x, verbose=0)


@pytest.mark.slow
def test_resuming_and_returning_a_finished_run_say_so(tiny_config, small_x, tmp_path, capsys):
    one = dataclasses.replace(tiny_config, epochs=1)
    train(one, tmp_path, x=small_x, verbose=0)
    capsys.readouterr()
    train(dataclasses.replace(one, epochs=2), tmp_path, x=small_x, verbose=2)
    assert f"resuming {tmp_path} from epoch 1 of 2, saved " in capsys.readouterr().out
    train(dataclasses.replace(one, epochs=2), tmp_path, x=small_x, verbose=2)
    assert f"{tmp_path} is already trained (2 epochs" in capsys.readouterr().out


def test_a_run_folder_in_an_older_format_is_one_clear_line(tmp_path, small_x, tiny_config, capsys):
    """A config.json of an older ganlib (conditioning in three fields, options in 'extra') is refused, never
    guessed at, with what to do, by load_config, by resuming training and by the command line."""
    from ganlib.cli import main

    old = {"latent_dim": 100, "gen_filters": [128, 64, 32], "gen_dense": [], "disc_filters": [64, 128],
           "disc_dense": [], "kernel_size": 4, "dropout": 0.3, "conditional": True, "num_classes": 10, "extra": {}}
    runs.write_json(tmp_path / "config.json", old)
    with pytest.raises(ValueError, match=r"older ganlib \(conditional, extra, num_classes\).*train again in a new "
                                         r"folder, or continue .* with the ganlib that started it"):
        runs.load_config(tmp_path)
    runs.write_json(tmp_path / "config.json", {"seed": 1})  # before the conditioning existed at all
    with pytest.raises(ValueError, match=r"older ganlib \(no 'conditioning'\)"):
        runs.load_config(tmp_path)
    runs.RunState(epoch=1, checkpoint="ckpt-0001.weights.h5").save(tmp_path)
    with pytest.raises(ValueError, match="older ganlib"):
        train(tiny_config, tmp_path, x=small_x, verbose=0)
    capsys.readouterr()
    assert main(["generate", "--checkpoint", str(tmp_path), "--n", "4", "--out", str(tmp_path / "s.npz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "train again in a new folder" in err
    (tmp_path / "config.json").write_text("{ not json")
    with pytest.raises(ValueError, match="config.json is not valid JSON"):
        runs.load_config(tmp_path)


# The killable run's settings (one step per Keras call, so that it can be killed after any step), its digits
# training_images(256, seed=1).
KILLED_RUN = dict(gen_filters=(16, 8), disc_filters=(8,), latent_dim=8, batch_size=64, epochs=3, n_train=256,
                  steps_per_execution=1)
KILLABLE = textwrap.dedent(f"""
    import os, signal, sys
    import keras
    import ganlib.runs as runs
    from ganlib.config import Conditioning, GANConfig
    from ganlib.data import training_images
    from ganlib.training import train

    cfg = GANConfig(**{KILLED_RUN!r})
    where, at = sys.argv[2], int(sys.argv[3])


    def die():
        os.kill(os.getpid(), signal.SIGKILL)


    class KillAtStep(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if where == "step" and int(self.model.step.numpy()) == at:
                die()


    save_weights, save_state = runs.atomic_save_weights, runs.RunState.save

    def saving(model, path):
        if where == "write" and path.name == runs.checkpoint_name(at):  # as the checkpoint starts to be written
            die()
        if where == "generator" and path.name == runs.GENERATOR and runs.RunState.load(path.parent).epoch == at:
            die()  # with state.json switched to the new checkpoint, as the generator starts to be written
        return save_weights(model, path)

    def switching(state, run):  # with the new checkpoint written but state.json not yet switched to it
        if where == "switch" and state.checkpoint == runs.checkpoint_name(at):
            die()
        return save_state(state, run)

    runs.atomic_save_weights, runs.RunState.save = saving, switching
    train(cfg, sys.argv[1], x=training_images(256, seed=1), verbose=0, callbacks=[KillAtStep()])
""")


@pytest.mark.slow
def test_killed_at_five_moments_the_run_still_ends_where_an_uninterrupted_one_does(tmp_path):
    """SIGKILL at five random moments of one run (mid-epoch, as a checkpoint starts to be written, between
    writing it and switching state.json to it, and between that switch and the generator's write), restarting
    after each: the final weights are the same. Killed between the switch and the generator's write, the
    generator is the previous epoch's (behind the state, never ahead), and opening the run mends it."""
    import random

    # The run's timeline: 3 epochs of 4 steps, each epoch ending with a checkpoint write, a state switch and the
    # generator's write.
    timeline = [m for e in range(1, 4) for m in [("step", s) for s in range(4 * e - 3, 4 * e + 1)] +
                [("write", e), ("switch", e), ("generator", e)]]
    moments = [timeline[i] for i in sorted(random.Random(16).sample(range(len(timeline)), 5))]
    assert {where for where, _ in moments} == {"step", "write", "switch", "generator"}, moments  # all four kinds
    assert ("generator", 2) in moments  # the moment whose folder the generator's checks below read

    killed, cfg, x = tmp_path / "killed", GANConfig(**KILLED_RUN), training_images(256, seed=1)
    for where, at in moments:
        code, _, stderr = NewProcess(KILLABLE, killed, where, at).wait()
        assert code == -9, (where, at, stderr)
        if (where, at) == ("generator", 2):
            generator_behind_never_ahead(killed, cfg, x)
    # Each restart is a new process above; the last one, which finishes the run, and the uninterrupted run need
    # none of their own (starting one is most of their time): trained here.
    train(cfg, killed, x=x, verbose=0)
    train(cfg, tmp_path / "straight", x=x, verbose=0)
    assert runs.RunState.load(killed).epoch == 3
    finished, straight = runs.load_generator(killed), runs.load_generator(tmp_path / "straight")
    for a, b in zip(finished.get_weights(), straight.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def generator_behind_never_ahead(run, config, x):
    """state.json is the commit; generator.weights.h5 is written after it. Killed in between (after epoch 2),
    the generator is the previous epoch's, never one the state has not committed, and the next train() call,
    with nothing left to train, mends it."""
    from ganlib.gan import build_gan

    state = runs.RunState.load(run)
    assert state.epoch == 2 and state.checkpoint == runs.checkpoint_name(2)

    def sampler_of_checkpoint(epoch):
        gan = build_gan(config)
        gan.load_weights(run / runs.checkpoint_name(epoch))
        return gan.sampler.get_weights()

    def generator_file():
        generator = build_gan(config).sampler
        generator.load_weights(run / runs.GENERATOR)
        return generator.get_weights()

    def same(a, b):
        return all(np.array_equal(u, v) for u, v in zip(a, b))

    one, two = sampler_of_checkpoint(1), sampler_of_checkpoint(2)
    assert not same(one, two)
    assert same(generator_file(), one)  # behind, not ahead
    train(dataclasses.replace(config, epochs=2), run, x=x, verbose=0)  # already done: opens the run, mends
    assert same(generator_file(), two)


# Loads each .keras file given (with the inputs file and the output file after it) and draws from it, in a
# process that never imports ganlib.
WITHOUT_GANLIB = textwrap.dedent("""
    import sys
    import keras
    import numpy as np
    for path, inputs, out in zip(*[iter(sys.argv[1:])] * 3):
        model = keras.saving.load_model(path, safe_mode=True)  # safe mode: no code from the file runs
        fed = dict(np.load(inputs))
        np.save(out, np.asarray(model([fed[name] for name in ("noise", "labels", "code") if name in fed],
                                      training=False)))
    assert "ganlib" not in sys.modules
""")
SHIPPED_RUNS = ["pretrained", "pretrained-conditional"]


@pytest.fixture(scope="module")
def drawn_without_ganlib(tmp_path_factory):
    """What each shipped generator.keras draws in a process without ganlib (one process for both: starting
    it is most of the time), beside what ganlib's generator draws from the same inputs: name → (drawn, expected)."""
    from ganlib.models import conditioning_of
    from ganlib.training import fixed_noise, generator_inputs

    folder, expected, jobs = tmp_path_factory.mktemp("without-ganlib"), {}, []
    for name in SHIPPED_RUNS:
        generator = runs.load_generator(name)
        kind = conditioning_of(generator).kind
        noise = fixed_noise(generator.inputs[0].shape[-1], 20)
        fed = generator_inputs(generator, noise)
        np.savez(folder / f"{name}.npz", **({"noise": noise} if kind == "none" else {"noise": noise, kind: fed[1]}))
        expected[name] = generator(fed, training=False)
        jobs += [str(runs.run_folder(name) / "generator.keras"), str(folder / f"{name}.npz"), str(folder / name)]
    proc = subprocess.run([sys.executable, "-c", WITHOUT_GANLIB, *jobs], capture_output=True, text=True, timeout=300,
                          cwd=folder)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return {name: (np.load(folder / f"{name}.npy"), expected[name]) for name in SHIPPED_RUNS}


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED_RUNS)
def test_the_shipped_keras_files_draw_what_ganlib_draws_without_ganlib(name, drawn_without_ganlib):
    drawn, expected = drawn_without_ganlib[name]
    np.testing.assert_allclose(drawn, expected, atol=1e-5)


@pytest.mark.slow
def test_export_writes_a_keras_file_of_any_run(tiny_config, small_x, tmp_path):
    import keras

    train(dataclasses.replace(tiny_config, epochs=1), tmp_path / "run", x=small_x, verbose=0)
    path = runs.export_generator(tmp_path / "run", tmp_path / "g.keras")
    loaded = keras.saving.load_model(path, safe_mode=True)
    noise = np.random.default_rng(0).standard_normal((3, tiny_config.latent_dim)).astype("float32")
    codes = np.eye(10, dtype="float32")[[0, 1, 2]]
    np.testing.assert_allclose(loaded([noise, codes]), runs.load_generator(tmp_path / "run")([noise, codes]),
                               atol=1e-6)
    with pytest.raises(ValueError, match="must end in .keras"):
        runs.export_generator(tmp_path / "run", tmp_path / "g.h5")


@pytest.mark.slow
@pytest.mark.parametrize("name", SHIPPED_RUNS)
def test_the_shipped_model_cards_are_what_the_card_command_writes(name):
    """A card's figures come from the run's records and the judge: a stale card fails here."""
    from tools.cards import CARD, model_card

    card = (runs.run_folder(name) / CARD).read_text()
    assert card == model_card(name), f"run `python -m tools.cards {name}`"
    summary = runs.read_summary(name)
    assert f"| judge-FID (lower is better) | {summary['evaluation']['generated']['fid']:.2f} |" in card
    assert card.startswith("---\nlicense: mit\nlibrary_name: keras")


@pytest.mark.parametrize("name", SHIPPED_RUNS)
def test_a_shipped_generator_is_the_course_recipe(name):
    """What the chapters teach is what the shipped generator is: every model and optimisation field equals
    GANConfig()'s (its conditional form for the conditional one); only the run's own fields may differ."""
    config = runs.load_config(name)
    assert config.recipe_changes() == {}, f"{name} differs from the course's recipe in {config.recipe_changes()}"
    assert config.labelled == (name == "pretrained-conditional")
    assert config.validation > 0, "the kept epoch is chosen on held-out training digits, not the test digits"
    raw = (runs.run_folder(name) / "config.json").read_text()
    assert raw == config.to_json(), "config.json is not in the format write_config writes"


def test_a_long_run_s_gif_keeps_evenly_spread_frames_with_their_captions(tmp_path):
    import imageio.v3 as iio

    from ganlib.config import GANConfig
    from ganlib.runs import RunState, save_frame, save_run_gif, write_config

    write_config(tmp_path, GANConfig())
    RunState(history=[{"epoch": e, "d_loss": 1.0, "g_loss": float(e)} for e in range(1, 10)]).save(tmp_path)
    for epoch in range(10):  # each frame a different grey, so the kept ones can be told apart
        save_frame(tmp_path, epoch, np.full((40, 302), 20 * epoch, dtype="uint8"))
    every = iio.imread(save_run_gif(tmp_path, tmp_path / "all.gif", captions=False, scale=1), index=None)
    four = iio.imread(save_run_gif(tmp_path, tmp_path / "four.gif", captions=False, scale=1, max_frames=4),
                      index=None)
    assert len(every) == 10 and len(four) == 4
    greys = [int(np.median(frame[-10:, :, 0])) for frame in four]  # below the column labels
    assert greys == [0, 60, 120, 180]  # epochs 0, 3, 6, 9: the first and last kept, evenly between
    captioned = iio.imread(save_run_gif(tmp_path, tmp_path / "c.gif", scale=1, max_frames=4), index=None)
    assert len(captioned) == 4
    with pytest.raises(ValueError, match="at least 2"):
        save_run_gif(tmp_path, tmp_path / "one.gif", max_frames=1)


# ------------------------------------------------------------------- your own GAN, killed mid-run

KILLED_MID_RUN = """
import os, signal, sys
import keras, numpy as np
sys.path.insert(0, {tests!r})
from ganlib.config import GANConfig
from ganlib.training import train
from own_gan import textbook_gan

config = GANConfig.from_dict({config!r})

class Kill(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if self.params and self.model.g_optimizer.iterations.numpy() > 1.5 * self.params["steps"]:
            os.kill(os.getpid(), signal.SIGKILL)  # mid-way through the second epoch, before its checkpoint

train(config, {run!r}, x=np.load({x!r}), verbose=0, callbacks=[Kill()], gan=textbook_gan(config))
"""


@pytest.mark.slow
def test_your_own_gan_killed_mid_run_resumes_with_no_epoch_lost_or_repeated(textbook_config, small_x, tmp_path):
    from pathlib import Path

    from own_gan import textbook_gan

    np.save(tmp_path / "x.npy", small_x)
    script = KILLED_MID_RUN.format(tests=str(Path(__file__).parent), config=dataclasses.asdict(textbook_config),
                                   run=str(tmp_path / "killed"), x=str(tmp_path / "x.npy"))
    code, _, stderr = NewProcess(script).wait()
    assert code == -9, stderr
    assert runs.RunState.load(tmp_path / "killed").epoch == 1  # the second epoch was cut short: not saved

    resumed = train(textbook_config, tmp_path / "killed", x=small_x, verbose=0, gan=textbook_gan(textbook_config))
    whole = train(textbook_config, tmp_path / "whole", x=small_x, verbose=0, gan=textbook_gan(textbook_config))
    assert [row["epoch"] for row in resumed.history] == [1, 2, 3]
    assert runs.RunState.load(tmp_path / "killed").model == "own_gan.TextbookGAN"
    # Its noise is drawn from (seed, step), the contract's seeded way: the resumed run is the uninterrupted one (up
    # to float32 rounding: its first epoch ran in another process, whose thread pools may add in another order, and
    # two epochs of Adam carry that rounding to about 1e-5; one lost or repeated epoch moves weights by about 1e-2).
    for a, b in zip(resumed.gan.get_weights(), whole.gan.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose([r["d_loss"] for r in resumed.history], [r["d_loss"] for r in whole.history], rtol=1e-4)
    assert len(list((tmp_path / "killed" / "frames").glob("*.png"))) == 4
    np.testing.assert_array_equal(runs.load_generator(tmp_path / "killed").get_weights()[0],
                                  resumed.gan.generator.get_weights()[0])
