import json

import numpy as np
import pytest

from ganlib.cli import main


def test_train_generate_evaluate_round_trip(tmp_path, capsys, mnist):
    run = tmp_path / "run"
    assert main(["train", "--out", str(run), "--epochs", "1", "--n-train", "256", "--batch-size", "64",
                 "--set", "label_smoothing=0", "--set", "disc_filters=[8,16]", "--fid", "200", "--keep-best"]) == 0
    config = json.loads((run / "config.json").read_text())
    assert config["label_smoothing"] == 0 and config["disc_filters"] == [8, 16]
    assert (run / "training.gif").exists() and (run / "generator.weights.h5").exists()
    summary = json.loads((run / "train_summary.json").read_text())
    assert summary["epochs_done"] == 1 and "--epochs 1" in summary["command"]
    assert summary["generator"].startswith("epoch 1 of 1: the lowest per-epoch FID")

    out = tmp_path / "s.npz"
    assert main(["generate", "--checkpoint", str(run), "--n", "12", "--seed", "5", "--out", str(out), "--png"]) == 0
    images = np.load(out)["images"]
    assert images.shape == (12, 28, 28) and images.dtype == np.uint8
    assert out.with_suffix(".png").exists()
    assert set(np.load(out)) == {"images"}  # the default's latent codes are not labels: none are saved
    with pytest.raises(SystemExit, match="code k is not digit k"):
        main(["generate", "--checkpoint", str(run), "--digit", "3", "--out", str(out)])

    assert main(["evaluate", str(out), "--json", str(tmp_path / "r.json")]) == 0
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["n"] == 12 and report["generated"]["fid"] > report["real_baseline"]["fid"]
    assert "classifier score" in capsys.readouterr().out

    assert main(["evaluate", "--checkpoint", str(run), "--n", "50", "--record"]) == 0
    recorded = json.loads((run / "train_summary.json").read_text())
    assert recorded["evaluation"]["n"] == 50 and recorded["epochs_done"] == 1


def test_bad_settings_are_refused_with_the_reason(tmp_path):
    import pytest

    with pytest.raises(SystemExit, match="g_lr=7 is out of range"):
        main(["train", "--out", str(tmp_path), "--set", "g_lr=7"])
    with pytest.raises(SystemExit, match="must be JSON"):
        main(["train", "--out", str(tmp_path), "--set", "gen_filters=(1,2"])
    with pytest.raises(SystemExit, match="--keep-best needs --fid"):
        main(["train", "--out", str(tmp_path), "--keep-best"])


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


def test_digit_is_refused_where_it_cannot_be_honoured(tmp_path):
    import pytest

    with pytest.raises(SystemExit, match="code k is not digit k"):  # its codes were learnt without labels
        main(["generate", "--checkpoint", "pretrained", "--digit", "3", "--out", str(tmp_path / "x.npz")])
    with pytest.raises(SystemExit, match="from 0 to 9"):
        main(["generate", "--checkpoint", "pretrained-conditional", "--digit", "12", "--out", str(tmp_path / "x.npz")])
    with pytest.raises(SystemExit, match="not a training run folder"):
        main(["generate", "--checkpoint", str(tmp_path / "nothing"), "--out", str(tmp_path / "x.npz")])


def test_a_run_without_codes_refuses_digit(tmp_path):
    run = tmp_path / "plain"
    assert main(["train", "--out", str(run), "--quick", "--epochs", "1", "--n-train", "256", "--batch-size", "64",
                 "--set", "conditioning=none", "--set", "disc_filters=[8,16]"]) == 0
    out = tmp_path / "s.npz"
    assert main(["generate", "--checkpoint", str(run), "--n", "20", "--out", str(out)]) == 0
    assert np.load(out)["images"].shape == (20, 28, 28)
    with pytest.raises(SystemExit, match="unconditional generator"):
        main(["generate", "--checkpoint", str(run), "--digit", "3", "--out", str(out)])
