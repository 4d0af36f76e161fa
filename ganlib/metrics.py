"""Measuring generated digits with a small MNIST classifier, the judge (``judge.py``).

All metrics work in the judge's penultimate features (128 numbers per image), the MNIST counterpart of
the Inception features behind FID and IS. Each comes with its real-vs-real baseline: the same metric for
real training digits, which is what "perfect" looks like.

Images in: uint8 (N, 28, 28) in [0, 255], the format of ``load_mnist`` and ``training.generate``.
"""

from __future__ import annotations

import functools

import keras
import numpy as np

from .data import load_mnist

# The judge has a module of its own; its names stay importable from here, where the chapters look for them.
from .judge import FEATURES as FEATURES
from .judge import JUDGE_WEIGHTS as JUDGE_WEIGHTS
from .judge import JUDGES as JUDGES
from .judge import _judge_of, judge_outputs
from .judge import build_judge as build_judge
from .judge import load_judge as load_judge
from .judge import train_judge as train_judge
from .models import conditioning_of
from .sampling import generate, sampler_of

# A class counts as covered when it gets at least a quarter of its fair share (10 %) of the samples.
COVERED_SHARE = 0.025
# Samples closer to a training image than 99 % of real test digits are counted as possible copies.
COPY_QUANTILE = 0.01
# The judge is under 90 % sure of about 1 % of real test digits; of a GAN's in-between digits, far more.
UNSURE_BELOW = 0.9


def frechet_distance(feats_a, feats_b) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N, D) and (M, D): FID's formula.

    Args:
        feats_a, feats_b: features (N, D) and (M, D).

    Returns:
        float: FID, 0 for identical Gaussians.
    """
    mu_a, mu_b = feats_a.mean(0), feats_b.mean(0)
    cov_a, cov_b = np.cov(feats_a, rowvar=False), np.cov(feats_b, rowvar=False)
    # tr(sqrt(A B)) = sum of sqrt eigenvalues of sqrt(A) B sqrt(A), which is symmetric: no complex sqrtm needed.
    w, v = np.linalg.eigh(cov_a)
    root_a = (v * np.sqrt(np.clip(w, 0, None))) @ v.T
    cross = np.linalg.eigvalsh(root_a @ cov_b @ root_a)
    trace_sqrt = np.sqrt(np.clip(cross, 0, None)).sum()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * trace_sqrt)


def fid_by_sample_count(feats, real_feats, counts, rounds: int = 20, seed: int = 0) -> dict:
    """FID at several sample counts, each with the spread of its draws: how FID depends on how many samples
    score it, and how far apart two FIDs must be before the difference means anything.

    For each count n, ``rounds`` times: draw n of ``feats`` without replacement, score them against all of
    ``real_feats``. Give a pool larger than the largest n (twice as large leaves room for the draws to
    differ). FID is biased upwards at small n (a covariance from few samples looks wider), so FIDs are
    comparable only at the same n.

    Args:
        feats: features (N, D) of a pool of samples (e.g. ``judge_outputs(images)[0]``).
        real_feats: features (M, D) of the real reference set.
        counts: the sample counts n to try, each at most N.
        rounds: draws per count.
        seed: the draws' seed.

    Returns:
        dict: n → ``{"median", "low", "high"}``, the median FID and its 5th and 95th percentiles.
    """
    feats = np.asarray(feats)
    rng = np.random.default_rng(seed)
    out = {}
    for n in counts:
        if not 2 <= n <= len(feats):
            raise ValueError(f"sample count {n}: choose counts from 2 to the {len(feats)} samples given.")
        fids = [frechet_distance(feats[rng.choice(len(feats), n, replace=False)], real_feats) for _ in range(rounds)]
        low, median, high = np.percentile(fids, [5, 50, 95])
        out[int(n)] = {"median": float(median), "low": float(low), "high": float(high)}
    return out


def classifier_score(probs) -> float:
    """Inception-Score-style exp(E[KL(p(y|x) || p(y))]) for probabilities (N, 10): 10 is perfect, 1 is worst.

    Args:
        probs: class probabilities (N, 10).

    Returns:
        float: from 1 (worst) to 10 (best).
    """
    p = np.clip(probs, 1e-12, 1)
    marginal = p.mean(0, keepdims=True)
    return float(np.exp((p * (np.log(p) - np.log(marginal))).sum(1).mean()))


def label_agreement(probs, labels) -> float:
    """Share of samples whose judged class (argmax of probs (N, 10)) is the label (N,) they were drawn for:
    how often a conditional GAN draws the digit it is asked for."""
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(probs):
        raise ValueError(f"{len(labels)} labels for {len(probs)} samples: give one label per sample.")
    return float((np.asarray(probs).argmax(1) == labels).mean())


def confusion_matrix(probs, labels, classes: int = 10) -> np.ndarray:
    """Counts int64 (classes, classes): row = the digit asked for (labels (N,)), column = the digit the judge
    sees (argmax of probs (N, classes)). A perfect conditional GAN puts everything on the diagonal.

    Args:
        probs: class probabilities (N, classes).
        labels: int (N,) what each sample was asked to be.
        classes: how many classes.

    Returns:
        numpy.ndarray: int counts (classes, classes), rows asked, columns judged.
    """
    labels = np.asarray(labels).reshape(-1).astype("int64")
    matrix = np.zeros((classes, classes), dtype="int64")
    np.add.at(matrix, (labels, np.asarray(probs).argmax(1)), 1)
    return matrix


def unsure_fraction(probs, below: float = UNSURE_BELOW) -> float:
    """Share of samples whose most likely class has judge probability under ``below`` (probs (N, 10)): the
    in-between digits, neither quite a 4 nor quite a 9, that pull the classifier score down."""
    return float((np.asarray(probs).max(1) < below).mean())


def class_histogram(probs) -> np.ndarray:
    """Share of samples the judge assigns to each digit: float (10,), sums to 1."""
    return np.bincount(np.asarray(probs).argmax(1), minlength=10) / len(probs)


def class_gap(probs, reference=None) -> float:
    """Largest gap between the share of samples (probs (N, 10)) the judge gives a digit and that digit's share
    in ``reference`` (probs (M, 10)), or 10 % each when there is none. Uniform is not what MNIST is: its
    test digits are 1.35 % from uniform (11.35 % ones), and a generator that matches MNIST exactly is too."""
    target = 0.1 if reference is None else class_histogram(reference)
    return float(np.abs(class_histogram(probs) - target).max())


def _pairwise_sq(a, b, chunk: int = 2048):
    """Yield (start, squared distances (chunk, M)) between rows of a (N, D) and b (M, D)."""
    b_sq = (b ** 2).sum(1)
    for start in range(0, len(a), chunk):
        block = a[start:start + chunk]
        # In place, in the order |a|² + |b|² - 2 a·b: against 60,000 training digits a block's distances fill a
        # large array, and each temporary copy of it costs about as much as the product itself.
        d = block @ b.T
        d *= -2
        d += np.add.outer((block ** 2).sum(1), b_sq)
        yield start, np.maximum(d, 0, out=d)


# The k of precision and recall's k-NN manifolds (Kynkäänniemi et al. 2019 use 3).
MANIFOLD_K = 3


def _knn_radii(feats, k: int) -> np.ndarray:
    radii = np.empty(len(feats))
    for start, d in _pairwise_sq(feats, feats):
        radii[start:start + len(d)] = np.partition(d, k, axis=1)[:, k]  # index 0 is the point itself
    return radii


def _inside(query, ref, ref_radii) -> np.ndarray:
    out = np.empty(len(query), bool)
    for start, d in _pairwise_sq(query, ref):
        out[start:start + len(d)] = (d <= ref_radii[None, :]).any(1)
    return out


def precision_recall(fake_feats, real_feats, k: int = MANIFOLD_K, real_radii=None) -> tuple[float, float]:
    """Kynkäänniemi et al. (2019): precision = share of fakes inside the real k-NN manifold (quality),
    recall = share of reals inside the fake manifold (coverage). Features (N, D) and (M, D).

    ``real_radii`` (M,): the real features' k-NN radii when already known (``evaluate`` computes those of its
    reference set once per process)."""
    real_radii = _knn_radii(real_feats, k) if real_radii is None else real_radii
    precision = _inside(fake_feats, real_feats, real_radii).mean()
    recall = _inside(real_feats, fake_feats, _knn_radii(fake_feats, k)).mean()
    return float(precision), float(recall)


def judge_scores(images, dataset: str = "fashion_mnist", seed: int = 0) -> dict:
    """FID and classifier score of generated images uint8 (N, 28, 28) by a data set's own judge, against N of its
    test images, beside the same two figures for N of its real training images (the floor a perfect generator
    would reach at this N). For data sets other than the digits, which ``evaluate`` scores.

    Args:
        images: uint8 (N, 28, 28), N at most 10,000.
        dataset: "fashion_mnist" or "mnist".
        seed: which real images.

    Returns:
        dict: ``{"n", "fid", "classifier_score", "real_fid", "real_classifier_score"}``.
    """
    load = _judge_of(dataset)[0]
    (x, _), (xt, _) = load()
    n = len(images)
    if not 2 <= n <= len(xt):
        raise ValueError(f"{n} images: score from 2 to {len(xt):,} at a time.")
    rng = np.random.default_rng(seed)
    test = judge_outputs(xt[rng.permutation(len(xt))[:n]], dataset=dataset)[0]
    feats, probs = judge_outputs(images, dataset=dataset)
    real_feats, real_probs = judge_outputs(x[rng.choice(len(x), n, replace=False)], dataset=dataset)
    return {"n": n, "fid": frechet_distance(feats, test), "classifier_score": classifier_score(probs),
            "real_fid": frechet_distance(real_feats, test), "real_classifier_score": classifier_score(real_probs)}


def per_class_scores(images, labels, seed: int = 0) -> list[dict]:
    """A conditional generator measured one digit at a time: for each digit k, the samples asked for k against
    the real test digits of k. Collapse *within* a digit (every 3 the same 3) hides from the overall FID and
    from label agreement; it shows here as a high intra-FID and a low recall for that digit.

    For each k: ``n`` (samples asked for k), ``fid`` (their judge-FID against the ~1,000 test digits of k: the
    intra-FID of Miyato & Koyama 2018), ``floor`` (the same for ``n`` real training digits of k: what a perfect
    generator scores with that many samples), ``recall`` (the share of real k's with a sample nearby) and
    ``agreement`` (the share of the samples the judge calls k).

    Args:
        images: uint8 (N, 28, 28), drawn for ``labels``.
        labels: int (N,), the digit each sample was asked for.
        seed: which training digits make the floor.

    Returns:
        list: one dict per digit 0–9, ``{"digit", "n", "fid", "floor", "recall", "agreement"}``.
    """
    labels = np.asarray(labels).reshape(-1)
    if len(labels) != len(images):
        raise ValueError(f"{len(labels)} labels for {len(images)} samples: give one label per sample.")
    feats, probs = judge_outputs(images)
    (_, _), (x_test, y_test) = load_mnist()
    test_feats = _test_outputs(len(x_test), 0)[0]
    test_labels = y_test[_test_order(0)]
    train_feats, _, train_labels = _train_outputs(10000, seed)
    rows = []
    for k in range(10):
        mine, real, floor = feats[labels == k], test_feats[test_labels == k], train_feats[train_labels == k]
        if len(mine) < 2:
            raise ValueError(f"only {len(mine)} samples were asked for digit {k}: ask for each digit at least twice "
                             "(e.g. Conditioning.default_values).")
        n = min(len(mine), len(floor))
        rows.append({"digit": k, "n": int(len(mine)), "fid": frechet_distance(mine, real),
                     "floor": frechet_distance(floor[:n], real), "recall": precision_recall(mine, real)[1],
                     "agreement": label_agreement(probs[labels == k], labels[labels == k])})
    return rows


def nearest_train_distance(images, train_images) -> tuple[np.ndarray, np.ndarray]:
    """Pixel-space L2 distance (in [0, 1] units) from each image (N, 28, 28) to its nearest training image.

    Returns ``(distances (N,), index of the nearest training image (N,))``.

    Args:
        images: uint8 (N, 28, 28).
        train_images: uint8 (M, 28, 28).

    Returns:
        tuple: distances float (N,) and indices int (N,) of the nearest training images.
    """
    a = np.asarray(images, "float32").reshape(len(images), -1) / 255.0
    b = np.asarray(train_images, "float32").reshape(len(train_images), -1) / 255.0
    dist = np.empty(len(a), "float32")
    idx = np.empty(len(a), "int64")
    for start, d in _pairwise_sq(a, b, chunk=256):  # blocks of 256 rows keep each block's array small
        idx[start:start + len(d)] = d.argmin(1)
        dist[start:start + len(d)] = np.sqrt(d[np.arange(len(d)), idx[start:start + len(d)]])
    return dist, idx


@functools.lru_cache(maxsize=4)
def _test_order(seed: int) -> np.ndarray:
    """The order in which ``_test_outputs`` takes the 10,000 test digits, int (10000,)."""
    return np.random.default_rng(seed).permutation(len(load_mnist()[1][0]))


# Below this many reference digits, judging them takes a moment and they are not kept on disk.
KEPT_FROM = 1000


@functools.lru_cache(maxsize=4)
def _test_outputs(n: int, seed: int):
    """Judge features and probabilities of ``n`` test digits: the reference set of every metric. Kept after the
    first call (every epoch's FID and every report compare with the same digits), read-only so that no caller
    can change what the next one reads; from ``KEPT_FROM`` digits on, also kept beside the data (judging
    10,000 digits takes seconds in every new process), under a name that holds a hash of the digits and the
    judge's weights."""
    _, (xt, _) = load_mnist()

    return _read_only(_kept(f"judge_test_outputs-{_reference_digest()}-{n}-{seed}.npz", [(n, FEATURES), (n, 10)],
                            lambda: judge_outputs(xt[_test_order(seed)[:n]]), keep=n >= KEPT_FROM))


def _digest(*parts) -> str:
    """A short hash of arrays and bytes, for the names of files computed from them."""
    import hashlib

    data = b"".join(p if isinstance(p, bytes) else np.ascontiguousarray(p).tobytes() for p in parts)
    return hashlib.sha256(data).hexdigest()[:16]


@functools.lru_cache(maxsize=1)
def _reference_digest() -> str:
    """A hash of the test digits and the judge's weights file: what ``_test_outputs`` depends on."""
    return _digest(load_mnist()[1][0], JUDGE_WEIGHTS.read_bytes())


def _kept(name: str, shapes: list, compute, shipped: bool = False, keep: bool = True) -> tuple:
    """``compute()``'s arrays of ``shapes``, kept in the data folder under ``name`` (``files.kept_arrays``); with
    ``shipped``, ganlib's ``assets/`` is looked in first; without ``keep``, computed and not kept."""
    from .data import data_dir
    from .files import ASSETS, kept_arrays

    if not keep:
        return tuple(compute())
    return kept_arrays(data_dir() / name, shapes, compute, also=(ASSETS / name,) if shipped else ())


def _read_only(arrays: tuple) -> tuple:
    for a in arrays:
        a.flags.writeable = False
    return arrays


@functools.lru_cache(maxsize=4)
def _train_outputs(n: int, seed: int):
    """Judge features, probabilities and true labels of ``n`` training digits: the real-vs-real baseline's
    "generated" set."""
    (x, y), _ = load_mnist()
    pick = np.random.default_rng(seed + 1).choice(len(x), n, replace=False)
    return _read_only((*judge_outputs(x[pick]), y[pick]))


@functools.lru_cache(maxsize=1)
def _test_nn_distances() -> np.ndarray:
    """How close each of the 10,000 real test digits comes to a training digit (pixel space), float32 (10000,).

    Computing it compares 10,000 × 60,000 images (15 to 30 seconds on a laptop CPU), so it is kept under a
    name that holds a hash of the digits it was computed from: ganlib ships MNIST's (in ``assets/``, as this
    function computes it), and any other data set's is computed once and kept beside the data."""
    (x, _), (xt, _) = load_mnist()
    return _kept(f"test_nn_distances-{_digest(x, xt)}.npy", [(len(xt),)], lambda: nearest_train_distance(xt, x)[:1],
                 shipped=True)[0]


@functools.lru_cache(maxsize=4)
def reference(n: int = 10000, seed: int = 0) -> tuple:
    """The ``n`` test digits (at most 10,000, in ``seed``'s order) every report compares with: their judge
    features float (n, 128) and probabilities (n, 10), and their k-NN radii (n,) (k = ``MANIFOLD_K``: the real
    manifold of precision), each judged once and kept beside the data from ``KEPT_FROM`` digits on (``python -m
    ganlib data`` does it, so that no report waits for it). Returns ((features, probs), radii)."""
    n = min(n, 10000)
    radii = _kept(f"judge_test_radii-{_reference_digest()}-{n}-{seed}.npy", [(n,)],
                  lambda: (_knn_radii(_test_outputs(n, seed)[0], MANIFOLD_K),), keep=n >= KEPT_FROM)[0]
    return _test_outputs(n, seed), radii


def _figures(feats, probs, test_out, nn=None, threshold=None, labels=None, radii=None) -> dict:
    hist = class_histogram(probs)
    precision, recall = precision_recall(feats, test_out[0], real_radii=radii)
    row = {
        "fid": frechet_distance(feats, test_out[0]),
        "classifier_score": classifier_score(probs),
        "unsure_fraction": unsure_fraction(probs),
        "max_class_deviation": class_gap(probs),
        # MNIST itself is not uniform (11 % ones), so a faithful generator is judged against the real shares.
        "max_class_deviation_from_real": class_gap(probs, test_out[1]),
        "classes_covered": int((hist >= COVERED_SHARE).sum()),
        "precision": precision,
        "recall": recall,
        "class_histogram": [round(float(h), 4) for h in hist],
    }
    if labels is not None:
        row["label_agreement"] = label_agreement(probs, labels)
    if nn is not None:
        row["median_nn_distance"] = float(np.median(nn))
        row["copy_fraction"] = float((nn < threshold).mean())
    return row


def evaluate(images, n_reference: int = 10000, seed: int = 0, labels=None) -> dict:
    """All figures for generated digits uint8 (N, 28, 28), each beside its real-vs-real baseline.

    ``labels`` int (N,): the digit each sample was asked to be (conditional GAN). Then both rows also hold
    ``label_agreement``: how often the judge sees the asked-for digit (for real digits: the judge's accuracy).

    Returns ``{"n": N, "generated": {...}, "real_baseline": {...}, "collapsed": bool, "memorised": bool}``.
    ``generated`` and ``real_baseline`` hold fid, classifier_score, max_class_deviation (from 10 % each),
    max_class_deviation_from_real (from the test digits' own class shares), classes_covered,
    unsure_fraction, precision, recall, class_histogram, median_nn_distance and copy_fraction. The baseline
    scores ``N`` real training digits (test digits for the nearest-neighbour figures, since training digits are
    their own nearest neighbours) against ``n_reference`` test digits.

    Args:
        images: uint8 (N, 28, 28), N at least 10.
        n_reference: how many real digits the baseline uses.
        seed: which real digits.
        labels: int (N,) digits the samples were asked to be, or None.
    """
    images = np.asarray(images)
    if len(images) < 10:
        raise ValueError(f"evaluate needs at least 10 images, got {len(images)}; 10,000 give stable figures.")
    test_out, radii = reference(n_reference, seed)
    test_nn = _test_nn_distances()
    threshold = float(np.quantile(test_nn, COPY_QUANTILE))
    feats, probs = judge_outputs(images)
    (x_train, _), _ = load_mnist()
    nn, _ = nearest_train_distance(images, x_train)
    generated = _figures(feats, probs, test_out, nn, threshold, labels, radii)
    n = min(len(images), 10000)
    train_feats, train_probs, train_labels = _train_outputs(n, seed)
    baseline = _figures(train_feats, train_probs, test_out, test_nn[:n], threshold,
                        None if labels is None else train_labels, radii)
    return {
        "n": len(images),
        "generated": generated,
        "real_baseline": baseline,
        # Collapse: some digit gets less than a quarter of its fair share.
        "collapsed": generated["classes_covered"] < 10,
        # Memorisation: clearly more near-copies than real unseen digits have (1 % by construction).
        "memorised": generated["copy_fraction"] > 5 * COPY_QUANTILE,
    }


def format_table(report: dict) -> str:
    """The ``evaluate`` report as a plain-text table, generated beside real-vs-real.

    Args:
        report: what ``evaluate`` returned.

    Returns:
        str: the table, one metric a line.
    """
    rows = [("FID (judge features)", "fid", "{:.2f}", "lower is better"),
            ("classifier score", "classifier_score", "{:.3f}", "10 is perfect"),
            ("judge unsure (< 90 %)", "unsure_fraction", "{:.2%}", "in-between digits"),
            ("max class deviation", "max_class_deviation", "{:.2%}", "0 % is uniform"),
            ("  from real shares", "max_class_deviation_from_real", "{:.2%}", "0 % matches MNIST"),
            ("classes covered", "classes_covered", "{}", "of 10"),
            ("precision", "precision", "{:.3f}", "quality"),
            ("recall", "recall", "{:.3f}", "coverage"),
            ("median NN distance", "median_nn_distance", "{:.3f}", "to a training image"),
            ("near-copies", "copy_fraction", "{:.2%}", "real test digits: 1 %")]
    g, b = report["generated"], report["real_baseline"]
    if "label_agreement" in g:
        rows.insert(2, ("label agreement", "label_agreement", "{:.2%}", "judge sees the asked-for digit"))
    lines = [f"{'metric':<22}{'generated':>12}{'real':>12}   note", "-" * 62]
    for label, key, fmt, note in rows:
        lines.append(f"{label:<22}{fmt.format(g[key]):>12}{fmt.format(b[key]):>12}   {note}")
    lines.append(f"n = {report['n']}   collapsed: {report['collapsed']}   memorised: {report['memorised']}")
    return "\n".join(lines)


class FIDCallback(keras.callbacks.Callback):
    """After each epoch, scores ``n`` samples from the GAN's sampler with the judge, against ``n`` test digits,
    or against held-out training digits when the run holds some out (``GANConfig.validation``: ``train`` then
    calls ``use_reference``).

    Adds ``fid``, ``classifier_score`` and ``classes_covered`` to the epoch's logs, so the run's history has a
    quality curve beside the loss curves, and keeps each epoch's class histogram float (10,) in
    ``histograms``. Costs about a second per epoch for n = 2000 on a laptop CPU.
    """

    def __init__(self, n: int = 2000, seed: int = 0):
        super().__init__()
        self.n = n
        self.seed = seed
        self.histograms: list[np.ndarray] = []
        self.reference = None  # the judge's features of the digits FID compares with; None: the test digits

    def use_reference(self, images) -> None:
        """Score against ``n`` of these digits uint8 (N, 28, 28) (a run's held-out training digits) instead
        of the test digits."""
        images = np.asarray(images)
        pick = np.random.default_rng(self.seed).permutation(len(images))[:self.n]
        self.reference = judge_outputs(images[pick])[0]

    def on_epoch_end(self, epoch, logs=None):
        # Labels (a conditional GAN) are asked for equally often and checked; a latent code is not a label.
        sampler = sampler_of(self.model)
        asked = conditioning_of(sampler)
        labels = asked.labels_to_ask(self.n)
        feats, probs = judge_outputs(generate(sampler, self.n, seed=self.seed, labels=labels))
        self.histograms.append(class_histogram(probs))
        if logs is not None:
            if labels is not None:
                logs["label_agreement"] = label_agreement(probs, labels)
            reference = self.reference
            if reference is None:
                reference = _test_outputs(min(self.n, 10000), self.seed)[0]
            logs["fid"] = frechet_distance(feats, reference)
            logs["classifier_score"] = classifier_score(probs)
            logs["classes_covered"] = float((self.histograms[-1] >= COVERED_SHARE).sum())
