import json

import numpy as np
import pytest

from ganlib import metrics


@pytest.fixture(scope="module")
def test_digits(mnist):
    _, (xt, yt) = mnist
    return xt, yt


@pytest.mark.slow
def test_shipped_judge_is_accurate(test_digits):
    xt, yt = test_digits
    _, probs = metrics.judge_outputs(xt)
    assert (probs.argmax(1) == yt).mean() >= 0.993
    recorded = json.loads(metrics.JUDGE_WEIGHTS.with_suffix("").with_suffix(".json").read_text())
    assert recorded["test_accuracy"] >= 0.993 and "train-judge" in recorded["command"]


@pytest.mark.slow
def test_shipped_fashion_judge_scores_clothes_and_sees_digits_are_not(mnist):
    from ganlib.data import load_fashion_mnist

    (f_train, _), (f_test, f_labels) = load_fashion_mnist()
    _, probs = metrics.judge_outputs(f_test[:2000], dataset="fashion_mnist")
    recorded = json.loads(metrics.JUDGES["fashion_mnist"][1].with_suffix("").with_suffix(".json").read_text())
    assert (probs.argmax(1) == f_labels[:2000]).mean() >= 0.88 and recorded["test_accuracy"] >= 0.88
    assert "--dataset fashion_mnist" in recorded["command"]
    clothes = metrics.judge_scores(f_train[-1000:], "fashion_mnist")
    assert clothes["n"] == 1000 and clothes["fid"] < 3 * clothes["real_fid"] + 1
    digits = metrics.judge_scores(mnist[0][0][:1000], "fashion_mnist")
    assert digits["fid"] > 20 * clothes["fid"]
    with pytest.raises(ValueError, match="no judge for 'cifar10'"):
        metrics.judge_outputs(f_test[:2], dataset="cifar10")


def test_frechet_distance_of_known_gaussians():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((20000, 4))
    assert metrics.frechet_distance(a, rng.standard_normal((20000, 4))) < 0.01
    # Shifting the mean by 3 in every one of 4 dimensions adds |mu|^2 = 36.
    assert metrics.frechet_distance(a, rng.standard_normal((20000, 4)) + 3) == pytest.approx(36, rel=0.02)


@pytest.mark.slow
def test_real_vs_real_is_small_and_noise_is_huge(mnist):
    (x, _), (xt, _) = mnist
    real, _ = metrics.judge_outputs(x[:2000])
    test, _ = metrics.judge_outputs(xt[:2000])
    noise = np.random.default_rng(0).integers(0, 256, (2000, 28, 28), dtype=np.uint8)
    fid_real = metrics.frechet_distance(real, test)
    fid_noise = metrics.frechet_distance(metrics.judge_outputs(noise)[0], test)
    # 2,000 samples per side: FID is biased upwards at small n (about 1 at 10,000, about 14 here).
    assert fid_real < 20 and fid_noise > 20 * fid_real, (fid_real, fid_noise)


@pytest.mark.slow
def test_copies_of_training_images_are_flagged_as_memorised(mnist):
    (x, _), _ = mnist
    copies = x[np.random.default_rng(1).choice(len(x), 1000, replace=False)]
    report = metrics.evaluate(copies, n_reference=2000)
    assert report["memorised"] and report["generated"]["copy_fraction"] > 0.99
    assert report["real_baseline"]["copy_fraction"] == pytest.approx(0.01, abs=0.01)
    assert not report["collapsed"]


def test_one_class_set_is_flagged_as_collapsed(test_digits):
    xt, yt = test_digits
    report = metrics.evaluate(xt[yt == 4][:800], n_reference=2000)
    assert report["collapsed"] and report["generated"]["classes_covered"] == 1
    assert report["generated"]["classifier_score"] < 1.5 < 9 < report["real_baseline"]["classifier_score"]
    assert report["generated"]["recall"] < 0.5 * report["real_baseline"]["recall"]
    assert report["generated"]["max_class_deviation_from_real"] > 0.85  # all fours, where 10 % are fours
    assert not report["memorised"]  # unseen test digits are not copies
    table = metrics.format_table(report)
    assert "FID" in table and "collapsed: True" in table


def test_label_agreement_is_the_judges_accuracy_on_true_labels(test_digits):
    xt, yt = test_digits
    _, probs = metrics.judge_outputs(xt[:2000])
    assert metrics.label_agreement(probs, yt[:2000]) >= 0.99
    assert metrics.label_agreement(probs, (yt[:2000] + 1) % 10) < 0.02  # every label wrong
    with pytest.raises(ValueError, match="one label per sample"):
        metrics.label_agreement(probs, yt[:10])


@pytest.mark.slow
def test_evaluate_reports_label_agreement_when_labels_are_given(test_digits):
    xt, yt = test_digits
    report = metrics.evaluate(xt[:500], labels=yt[:500])
    assert report["generated"]["label_agreement"] >= 0.98
    assert report["real_baseline"]["label_agreement"] >= 0.98
    assert "label agreement" in metrics.format_table(report)
    assert "label_agreement" not in metrics.evaluate(xt[:500])["generated"]


def test_confusion_matrix_rows_are_asked_columns_are_judged():
    probs = np.eye(10)[[1, 1, 7, 3]]
    m = metrics.confusion_matrix(probs, [1, 7, 7, 3])
    assert m.sum() == 4 and m[1, 1] == 1 and m[7, 1] == 1 and m[7, 7] == 1 and m[3, 3] == 1


def test_blends_of_two_digits_are_counted_as_unsure(test_digits):
    xt, yt = test_digits
    real = metrics.judge_outputs(xt[:1000])[1]
    fours, nines = xt[yt == 4][:300].astype("float32"), xt[yt == 9][:300].astype("float32")
    blends = ((fours + nines) / 2).astype("uint8")  # half a 4, half a 9: an in-between digit
    assert metrics.unsure_fraction(real) < 0.03
    assert metrics.unsure_fraction(metrics.judge_outputs(blends)[1]) > 0.3


@pytest.mark.slow
def test_class_gap_against_uniform_and_against_real_shares(test_digits):
    xt, yt = test_digits
    probs = metrics.judge_outputs(xt)[1]
    balanced = np.concatenate([np.flatnonzero(yt == k)[:800] for k in range(10)])
    # 800 of each digit: uniform, up to the judge's few mistakes, and 1.35 % short of MNIST's 11.35 % ones.
    assert metrics.class_gap(probs[balanced]) < 0.005
    assert metrics.class_gap(probs[balanced], probs) > 0.01
    # Half the test digits share out like all of them (within 1 %), while MNIST's own shares are over 1 % from
    # uniform: the "within 1 % of uniform" is a bar that real digits miss.
    assert metrics.class_gap(probs[:5000], probs) < 0.01 < metrics.class_gap(probs)


def exactly(cov_diagonal, n=400, seed=0):
    """n points (n, D) whose sample mean is exactly 0 and sample covariance exactly diag(cov_diagonal)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, len(cov_diagonal)))
    q, _ = np.linalg.qr(x - x.mean(0))  # orthonormal columns, each orthogonal to the all-ones vector
    return q * np.sqrt(n - 1) * np.sqrt(cov_diagonal)


def test_frechet_distance_covariance_term_matches_the_closed_form():
    """Equal means, covariances diag(a) and diag(b): FID = sum (sqrt(a) - sqrt(b))^2."""
    a, b = np.array([1.0, 4.0, 9.0, 0.25]), np.array([4.0, 1.0, 9.0, 1.0])
    expected = np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)  # 1 + 1 + 0 + 0.25
    assert metrics.frechet_distance(exactly(a), exactly(b, seed=1)) == pytest.approx(expected, rel=1e-9)
    assert metrics.frechet_distance(exactly(a), exactly(a, seed=2)) == pytest.approx(0, abs=1e-9)


def test_fid_by_sample_count_falls_towards_the_large_sample_value_with_its_spread():
    rng = np.random.default_rng(0)
    real, same = rng.standard_normal((20000, 8)), rng.standard_normal((8000, 8))
    curve = metrics.fid_by_sample_count(same, real, [50, 500, 4000], rounds=30)
    # the same Gaussian: FID ≈ 0 with many samples, biased upwards with few
    assert curve[50]["median"] > curve[500]["median"] > curve[4000]["median"] and curve[4000]["median"] < 0.05
    assert curve[50]["median"] > 10 * curve[4000]["median"]
    width = {n: c["high"] - c["low"] for n, c in curve.items()}
    assert width[50] > width[500] > 0 and all(c["low"] <= c["median"] <= c["high"] for c in curve.values())
    with pytest.raises(ValueError, match="sample count 9000"):
        metrics.fid_by_sample_count(same, real, [9000])


@pytest.mark.slow
def test_per_class_scores_see_collapse_within_a_digit(mnist):
    (x, y), _ = mnist
    pick = np.random.default_rng(5).choice(len(x), 3000, replace=False)
    real = metrics.per_class_scores(x[pick], y[pick])
    assert [r["digit"] for r in real] == list(range(10)) and sum(r["n"] for r in real) == 3000
    assert all(r["agreement"] > 0.95 and r["fid"] < 3 * r["floor"] + 1 and r["recall"] > 0.5 for r in real)
    # every sample asked for k is the same drawing of k: agreement stays perfect, intra-FID and recall do not
    one_each = np.stack([x[np.flatnonzero(y == k)[0]] for k in range(10)])
    labels = np.repeat(np.arange(10), 100)
    collapsed = metrics.per_class_scores(one_each[labels], labels)
    assert sum(c["agreement"] == 1.0 for c in collapsed) >= 9  # the judge still sees the digit asked for
    assert all(c["fid"] > 5 * r["fid"] and c["recall"] < 0.05 for c, r in zip(collapsed, real))
    with pytest.raises(ValueError, match="only 0 samples were asked for digit 1"):
        metrics.per_class_scores(x[:20], np.zeros(20, int))


def test_precision_and_recall_on_sets_with_known_overlap():
    """Real: clusters A and B. Fake: the same points of A, and a cluster C far from both. Half the fakes are
    real-like (precision 0.5), and half the real points are covered (recall 0.5)."""
    rng = np.random.default_rng(0)

    def cluster(centre, n=200):
        return centre + 0.1 * rng.standard_normal((n, 8))

    a, b, c = np.zeros(8), np.full(8, 10.0), np.full(8, -10.0)
    real_a = cluster(a)
    real = np.concatenate([real_a, cluster(b)])
    precision, recall = metrics.precision_recall(np.concatenate([real_a, cluster(c)]), real)
    assert precision == pytest.approx(0.5) and recall == pytest.approx(0.5)
    precision, recall = metrics.precision_recall(real_a, real)  # only A: all real-like, half the variety
    assert precision == pytest.approx(1.0) and recall == pytest.approx(0.5)
    precision, recall = metrics.precision_recall(cluster(c), real)  # far from everything real
    assert precision == 0 and recall == 0


def test_the_test_digits_nearest_neighbour_distances_are_kept_and_a_damaged_copy_is_recomputed(mnist, monkeypatch):
    from ganlib.data import data_dir

    (x, y), (xt, yt) = mnist
    small = (x[:300], y[:300]), (xt[:50], yt[:50])  # another data set: a cache file of its own
    monkeypatch.setattr(metrics, "load_mnist", lambda: small)
    before = set(data_dir().glob("test_nn_distances-*.npy"))
    metrics._test_nn_distances.cache_clear()
    first = metrics._test_nn_distances()
    (cache,) = set(data_dir().glob("test_nn_distances-*.npy")) - before
    assert first.shape == (50,) and np.array_equal(np.load(cache), first)
    cache.write_bytes(b"not an array")
    metrics._test_nn_distances.cache_clear()
    assert np.array_equal(metrics._test_nn_distances(), first) and np.array_equal(np.load(cache), first)
    cache.unlink()
    metrics._test_nn_distances.cache_clear()


def test_the_shipped_nearest_neighbour_distances_are_mnists_as_computed_here(mnist):
    from ganlib.files import ASSETS

    (x, _), (xt, _) = mnist
    shipped = np.load(ASSETS / f"test_nn_distances-{metrics._digest(x, xt)}.npy")  # named by these digits' hash
    metrics._test_nn_distances.cache_clear()
    assert np.array_equal(metrics._test_nn_distances(), shipped)
    pick = np.random.default_rng(0).choice(len(xt), 200, replace=False)
    np.testing.assert_allclose(metrics.nearest_train_distance(xt[pick], x)[0], shipped[pick], rtol=1e-5)


def test_the_judged_reference_digits_are_kept_beside_the_data_and_a_damaged_copy_is_judged_again(mnist, monkeypatch):
    from ganlib.data import data_dir

    monkeypatch.setattr(metrics, "KEPT_FROM", 20)  # keep 25 digits on disk, as 10,000 are
    _, (xt, _) = mnist
    judged = metrics.judge_outputs(xt[metrics._test_order(0)[:25]])
    before = set(data_dir().glob("judge_test_*"))

    def forget():  # what this process keeps in memory, so that the next call reads the disk or judges again
        for cached in (metrics._test_outputs, metrics.reference):
            cached.cache_clear()

    try:
        forget()
        first, radii = metrics._test_outputs(25, 0), metrics.reference(25, 0)[1]
        kept = set(data_dir().glob("judge_test_*")) - before
        assert sorted(p.name.split("-")[0] for p in kept) == ["judge_test_outputs", "judge_test_radii"]
        np.testing.assert_allclose(first[0], judged[0], rtol=1e-6)
        for path in kept:
            path.write_bytes(b"damaged")
        forget()
        again, radii_again = metrics._test_outputs(25, 0), metrics.reference(25, 0)[1]  # judged again, kept again
        assert np.array_equal(again[0], first[0]) and np.array_equal(radii_again, radii)
        forget()
        assert np.array_equal(metrics._test_outputs(25, 0)[1], first[1])  # read back from the kept copy
    finally:
        for path in set(data_dir().glob("judge_test_*")) - before:
            path.unlink()
        forget()


def test_the_reference_digits_are_judged_once_and_nobody_can_change_them(mnist):
    # Every epoch's FID and every report compare with the same test digits: judged once per process.
    first = metrics._test_outputs(30, 0)
    assert metrics._test_outputs(30, 0) is first
    feats, probs = first
    assert feats.shape == (30, 128) and probs.shape == (30, 10)
    with pytest.raises(ValueError, match="read-only"):
        feats[0, 0] = 0.0
    _, (xt, _) = mnist
    assert np.array_equal(feats, metrics.judge_outputs(xt[metrics._test_order(0)[:30]])[0])
