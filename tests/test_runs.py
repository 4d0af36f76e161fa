"""The run folder: damaged checkpoints cost one epoch at most, one trainer per folder, and resume says so."""
import dataclasses
import subprocess
import sys
import textwrap
import time

import pytest

from ganlib import runs
from ganlib.training import train


@pytest.fixture
def three_epochs(tiny_config):
    return dataclasses.replace(tiny_config, epochs=3)


def damage(path, how):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2] if how == "truncate" else b"\0" * 64 + data[64:])


@pytest.mark.parametrize("how", ["truncate", "corrupt"])
def test_a_damaged_checkpoint_is_set_aside_and_the_run_resumes_from_the_one_before(three_epochs, small_x, tmp_path,
                                                                                     how, capsys):
    two = dataclasses.replace(three_epochs, epochs=2)
    train(two, tmp_path, x=small_x, verbose=0)
    state = runs.read_state(tmp_path)
    assert state["checkpoint"] == "ckpt-0002.weights.h5" and state["previous"]["checkpoint"] == "ckpt-0001.weights.h5"
    assert (tmp_path / "ckpt-0001.weights.h5").exists()  # the previous epoch's checkpoint is kept
    damage(tmp_path / "ckpt-0002.weights.h5", how)

    result = train(three_epochs, tmp_path, x=small_x, verbose=0)
    out = capsys.readouterr().out
    assert "ckpt-0002.weights.h5 could not be loaded" in out and "Going back to epoch 1" in out
    assert (tmp_path / "ckpt-0002.weights.h5.damaged").exists()  # set aside, never deleted
    assert [row["epoch"] for row in result.history] == [1, 2, 3]
    assert runs.read_state(tmp_path)["checkpoint"] == "ckpt-0003.weights.h5"
    assert not (tmp_path / "ckpt-0001.weights.h5").exists()  # only the last two are kept


def test_no_loadable_checkpoint_is_one_clear_error(tiny_config, small_x, tmp_path):
    one = dataclasses.replace(tiny_config, epochs=1)
    train(one, tmp_path, x=small_x, verbose=0)
    damage(tmp_path / "ckpt-0001.weights.h5", "truncate")
    with pytest.raises(ValueError, match="no earlier checkpoint is left.*Delete the run folder"):
        train(dataclasses.replace(one, epochs=2), tmp_path, x=small_x, verbose=0)


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


def test_resuming_and_returning_a_finished_run_say_so(tiny_config, small_x, tmp_path, capsys):
    one = dataclasses.replace(tiny_config, epochs=1)
    train(one, tmp_path, x=small_x, verbose=0)
    capsys.readouterr()
    train(dataclasses.replace(one, epochs=2), tmp_path, x=small_x, verbose=2)
    assert f"resuming {tmp_path} from epoch 1 of 2, saved " in capsys.readouterr().out
    train(dataclasses.replace(one, epochs=2), tmp_path, x=small_x, verbose=2)
    assert f"{tmp_path} is already trained (2 epochs" in capsys.readouterr().out


def test_old_run_folders_still_load(tmp_path):
    """A config.json written before conditioning was one field, with the options in 'extra'."""
    old = {"latent_dim": 100, "gen_filters": [128, 64, 32], "gen_dense": [], "disc_filters": [64, 128],
           "disc_dense": [], "kernel_size": 4, "dropout": 0.3, "conditional": True, "num_classes": 10, "extra": {}}
    runs.write_json(tmp_path / "config.json", old)
    config = runs.load_config(tmp_path)
    assert config.labelled and config.conditioning.size == 10 and not config.jit_compile
    (tmp_path / "config.json").write_text("{ not json")
    with pytest.raises(ValueError, match="config.json is not valid JSON"):
        runs.load_config(tmp_path)
