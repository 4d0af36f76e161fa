import json
import re

import numpy as np
import pytest

from ganlib.cli import main


def refused(capsys, match, argv):
    """The command line refuses ``argv`` with one line on stderr matching ``match`` and exit status 2."""
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert re.search(match, err) and err.startswith("error: ") and len(err.strip().splitlines()) == 1, err


@pytest.mark.slow
def test_train_generate_evaluate_round_trip(tmp_path, capsys, mnist):
    run = tmp_path / "run"
    assert main(["train", "--out", str(run), "--epochs", "1", "--n-train", "256", "--batch-size", "64",
                 "--set", "label_smoothing=0", "--set", "disc_filters=[8,16]", "--fid", "200", "--keep-best"]) == 0
    config = json.loads((run / "config.json").read_text())
    assert config["label_smoothing"] == 0 and config["disc_filters"] == [8, 16]
    assert config["validation"] == 10_000  # --keep-best chooses on held-out training digits, recorded
    assert (run / "training.gif").exists() and (run / "generator.weights.h5").exists()
    summary = json.loads((run / "train_summary.json").read_text())
    assert summary["epochs_done"] == 1 and "--epochs 1" in summary["command"]
    assert summary["generator"].startswith("epoch 1 of 1: the lowest per-epoch FID")
    assert summary["generator"].endswith("on 10,000 held-out training digits")

    out = tmp_path / "s.npz"
    assert main(["generate", "--checkpoint", str(run), "--n", "12", "--seed", "5", "--out", str(out), "--png"]) == 0
    images = np.load(out)["images"]
    assert images.shape == (12, 28, 28) and images.dtype == np.uint8
    assert out.with_suffix(".png").exists()
    assert set(np.load(out)) == {"images"}  # the default's latent codes are not labels: none are saved
    refused(capsys, "code k is not digit k",
            ["generate", "--checkpoint", str(run), "--digit", "3", "--out", str(out)])

    assert main(["evaluate", str(out), "--json", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n"] == 12 and report["generated"]["fid"] > report["real_baseline"]["fid"]
    assert "classifier score" in capsys.readouterr().out

    assert main(["evaluate", "--checkpoint", str(run), "--n", "50", "--record"]) == 0
    recorded = json.loads((run / "train_summary.json").read_text())
    assert recorded["evaluation"]["n"] == 50 and recorded["epochs_done"] == 1


def test_bad_settings_are_refused_with_the_reason(tmp_path, capsys):
    refused(capsys, "g_lr=7 is out of range", ["train", "--out", str(tmp_path), "--set", "g_lr=7"])
    refused(capsys, "must be JSON", ["train", "--out", str(tmp_path), "--set", "gen_filters=(1,2"])
    refused(capsys, "--keep-best needs --fid", ["train", "--out", str(tmp_path), "--keep-best"])


def test_pretrained_checkpoint_draws_recognisable_digits(tmp_path):
    from ganlib.metrics import judge_outputs

    out = tmp_path / "p.npz"
    assert main(["generate", "--checkpoint", "pretrained", "--n", "500", "--out", str(out)]) == 0
    _, probs = judge_outputs(np.load(out)["images"])
    assert np.median(probs.max(1)) > 0.9  # the judge is confident: these look like digits
    assert len(set(probs.argmax(1))) == 10


def test_pretrained_conditional_draws_the_asked_digit(tmp_path, capsys):
    from ganlib.metrics import judge_outputs

    out = tmp_path / "c.npz"
    assert main(["generate", "--checkpoint", "pretrained-conditional", "--n", "200", "--out", str(out)]) == 0
    with np.load(out) as f:
        images, labels = f["images"], f["labels"]
    assert images.shape == (200, 28, 28) and np.bincount(labels).tolist() == [20] * 10
    assert (judge_outputs(images)[1].argmax(1) == labels).mean() >= 0.95

    sevens = tmp_path / "7.npz"
    assert main(["generate", "--checkpoint", "pretrained-conditional", "--n", "200", "--digit", "7",
                 "--out", str(sevens)]) == 0
    with np.load(sevens) as f:
        assert set(f["labels"].tolist()) == {7}
        # 7 is its hardest digit (97 % of 1,000 sevens agree); a generator ignoring --digit scores about 10 %.
        assert (judge_outputs(f["images"])[1].argmax(1) == 7).mean() >= 0.9

    assert main(["evaluate", str(out), "--json", str(tmp_path / "r.json")]) == 0
    assert "label agreement" in capsys.readouterr().out
    assert json.loads((tmp_path / "r.json").read_text())["generated"]["label_agreement"] >= 0.95


def test_digit_is_refused_where_it_cannot_be_honoured(tmp_path, capsys):
    out = str(tmp_path / "x.npz")
    # The shipped generator's codes were learnt without labels.
    refused(capsys, "code k is not digit k", ["generate", "--checkpoint", "pretrained", "--digit", "3", "--out", out])
    refused(capsys, "from 0 to 9",
            ["generate", "--checkpoint", "pretrained-conditional", "--digit", "12", "--out", out])
    refused(capsys, "not a training run folder", ["generate", "--checkpoint", str(tmp_path / "nothing"), "--out", out])


@pytest.mark.slow
def test_a_run_without_codes_refuses_digit(tmp_path, capsys):
    run = tmp_path / "plain"
    assert main(["train", "--out", str(run), "--quick", "--epochs", "1", "--n-train", "256", "--batch-size", "64",
                 "--set", "conditioning=none", "--set", "disc_filters=[8,16]", "--set", "loss=hinge",
                 "--set", "spectral_norm=true"]) == 0
    saved = json.loads((run / "config.json").read_text())
    assert (saved["loss"], saved["spectral_norm"]) == ("hinge", True)
    out = tmp_path / "s.npz"
    assert main(["generate", "--checkpoint", str(run), "--n", "20", "--out", str(out)]) == 0
    assert np.load(out)["images"].shape == (20, 28, 28)
    refused(capsys, "unconditional generator",
            ["generate", "--checkpoint", str(run), "--digit", "3", "--out", str(out)])


@pytest.fixture
def bad_inputs(tmp_path):
    """Files a student might hand the command line by mistake."""
    np.savez(tmp_path / "floats.npz", images=np.zeros((12, 28, 28), "float32"))
    np.savez(tmp_path / "shape.npz", images=np.zeros((12, 32, 32), "uint8"))
    np.savez(tmp_path / "nothing.npz", pixels=np.zeros((4, 28, 28), "uint8"))
    (tmp_path / "notes.txt").write_text("not an npz")
    broken = tmp_path / "broken-run"
    broken.mkdir()
    (broken / "config.json").write_text("{ half a config")
    return tmp_path


CASES = [  # (arguments, what the one line must say)
    (["generate", "--checkpoint", "pretrained", "--n", "-5", "--out", "{tmp}/x.npz"], "--n: -5: give at least 1"),
    (["generate", "--checkpoint", "pretrained", "--n", "many", "--out", "{tmp}/x.npz"], "is not a whole number"),
    (["evaluate", "{tmp}/floats.npz"], "expected uint8 images of shape \\(N, 28, 28\\), got float32"),
    (["evaluate", "{tmp}/shape.npz"], "expected uint8 images of shape \\(N, 28, 28\\), got uint8 \\(12, 32, 32\\)"),
    (["evaluate", "{tmp}/nothing.npz"], "has no 'images' array"),
    (["evaluate", "{tmp}/notes.txt"], "notes.txt is not an .npz file"),
    (["evaluate", "{tmp}/missing.npz"], "missing.npz not found"),
    (["evaluate"], "give SAMPLES.npz or --checkpoint DIR"),
    (["generate", "--checkpoint", "{tmp}/broken-run", "--out", "{tmp}/x.npz"],
     "config.json is not valid JSON"),
    (["train", "--out", "{tmp}/r", "--set", "nosuch=1"],
     "GANConfig has no field 'nosuch'; the fields are .*batch_size"),
    (["train", "--out", "{tmp}/r", "--set", "batch_size=0"], "GANConfig.batch_size=0 is out of range"),
    (["train", "--out", "{tmp}/r", "--set", "conditioning=digits"], "use 'none', 'labels' or 'code'"),
    (["train", "--out", "{tmp}/r", "--set", "loss=lsgan"], "GANConfig.loss='lsgan' is out of range: use one of 'bce'"),
    (["gif", "{tmp}/nowhere", "--out", "{tmp}/a.gif"], "no frames in .*train at least one epoch first"),
]


@pytest.mark.parametrize("argv, message", CASES, ids=[" ".join(c[0][:2]) + f" #{i}" for i, c in enumerate(CASES)])
def test_every_user_error_is_one_line_and_exit_status_2(bad_inputs, capsys, argv, message):
    argv = [a.replace("{tmp}", str(bad_inputs)) for a in argv]
    # argparse's own errors: the usage, then the reason
    if "--n" in argv and argv[argv.index("--n") + 1] in ("-5", "many"):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2 and re.search(message, capsys.readouterr().err)
        return
    refused(capsys, message, argv)


def test_debug_shows_the_traceback(bad_inputs):
    with pytest.raises(ValueError, match="expected uint8 images"):
        main(["--debug", "evaluate", str(bad_inputs / "floats.npz")])


def test_train_on_your_own_images_from_the_command_line(tmp_path, mnist, capsys):
    (x, y), _ = mnist
    np.savez(tmp_path / "mine.npz", images=x[:256], labels=y[:256])
    run = tmp_path / "mine"
    assert main(["train", "--out", str(run), "--data", str(tmp_path / "mine.npz"), "--epochs", "1",
                 "--batch-size", "64", "--set", "disc_filters=[8,16]"]) == 0
    assert json.loads((run / "state.json").read_text())["history"][0]["epoch"] == 1
    (tmp_path / "loose").mkdir()
    (tmp_path / "loose" / "a.png").write_bytes(b"not a png")
    refused(capsys, "a.png: not a readable image", ["train", "--out", str(tmp_path / "r2"), "--data",
                                                     str(tmp_path / "loose")])


def generate_one(tmp_path) -> list[str]:
    """A command that starts TensorFlow before it finds out that its checkpoint is missing."""
    return ["generate", "--checkpoint", str(tmp_path / "none"), "--n", "1", "--out", str(tmp_path / "x.npz")]


def test_a_bad_thread_pool_setting_is_one_line(capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("GANLIB_THREADS", "fast")
    refused(capsys, r"GANLIB_THREADS='fast': give two positive integers", generate_one(tmp_path))


def test_data_is_in_place_before_tensorflow_starts_and_then_the_judges_reference_is_kept(monkeypatch, mnist, capsys):
    from ganlib import runtime
    from ganlib.data import data_dir

    start = runtime.start_tensorflow

    def refuse():
        raise AssertionError("started TensorFlow")

    monkeypatch.setattr(runtime, "start_tensorflow", refuse)
    with pytest.raises(AssertionError, match="started TensorFlow"):
        main(["data"])
    assert "MNIST ready" in capsys.readouterr().out  # fetched and checked first
    monkeypatch.setattr(runtime, "start_tensorflow", start)
    assert main(["data"]) == 0 and "the metrics' reference" in capsys.readouterr().out
    assert list(data_dir().glob("judge_test_outputs-*-10000-0.npz")) and list(
        data_dir().glob("judge_test_radii-*-10000-0.npy"))
