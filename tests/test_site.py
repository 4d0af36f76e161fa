"""The HTML edition of the course (``make site``) in a real browser: every page loads with no console error,
and no image or link inside the site is broken. A screenshot of each page is kept in build/site-shots/.

Runs where the site has been built (``make site`` builds it, then runs this test with GANLIB_REQUIRE_SITE=1);
elsewhere it is skipped.
"""
import contextlib
import functools
import http.server
import json
import math
import os
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urlparse

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
HTML = ROOT / "build" / "site" / "_build" / "html"
SHOTS = ROOT / "build" / "site-shots"
CHROMIUM = Path(os.environ.get("GANLIB_CHROMIUM", "/usr/bin/chromium"))
PAGES = ["index.html", "01_data.html", "02_generator.html", "03_discriminator.html", "04_training.html",
         "05_evaluation.html", "06_conditional_gan.html", "07_custom_data.html",
         "08_failures.html"]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def site():
    if not (HTML / "index.html").exists() or not CHROMIUM.exists():
        message = "no built site (run `make site`) or no Chromium"
        if os.environ.get("GANLIB_REQUIRE_SITE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    pytest.importorskip("playwright.sync_api")
    with serve(HTML) as url:
        yield url


# The red channel of a canvas, one value per pixel.
PIXELS = "c => Array.from(c.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, k) => k % 4 === 0))"


@contextlib.contextmanager
def serve(folder: Path):
    """A static file server for ``folder`` on a free local port; yields its address."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


AXE = "axe-core@4.14.1"


@functools.lru_cache(maxsize=1)
def axe() -> Path:
    """axe-core's browser script, from the npm registry through npm itself (the site's own ``npm_folder``), kept
    in build/site-cache."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("site_build", ROOT / "site" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build.npm_folder(AXE, "", only=("axe.min.js",)) / "axe.min.js"


def visit(browser, site, name) -> set:
    """Open one page; check it loaded, with its images and no console error; keep a screenshot. Returns the
    links it holds to pages of the site."""
    page = browser.new_page(viewport={"width": 1300, "height": 900})
    problems = []
    page.on("console", lambda m: problems.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("requestfailed", lambda r: problems.append(f"failed: {r.url}"))
    page.on("response", lambda r: problems.append(f"{r.status}: {r.url}") if r.status >= 400 else None)
    response = page.goto(site + name, wait_until="networkidle")
    assert response.status == 200, name
    assert page.title() and page.locator("main h1").count() >= 1, name
    broken = page.evaluate("Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
                           ".map(i => i.src)")
    assert not broken, f"{name}: broken images {broken}"
    links = {urldefrag(h)[0] for h in page.evaluate("Array.from(document.querySelectorAll('a[href]'))"
                                                    ".map(a => a.href)") if h.startswith(site)}
    page.screenshot(path=str(SHOTS / f"{Path(name).stem}.png"), full_page=True)
    assert not problems, f"{name}: {problems}"
    # The course's own content (the article, not the theme around it): every image says what it shows, and its
    # text has enough contrast, by axe-core's rules.
    page.add_script_tag(path=str(axe()))
    found = page.evaluate("axe.run(document.querySelector('article'), {runOnly: ['image-alt', 'color-contrast']})"
                          ".then(r => r.violations.map(v => [v.id, v.nodes.length, v.nodes[0].html.slice(0, 120)]))")
    assert not found, f"{name}: accessibility {found}"
    alts = page.evaluate("Array.from(document.querySelectorAll('article img')).map(i => [i.alt, i.src])")
    assert all(alt and Path(urlparse(src).path).name not in alt for alt, src in alts), f"{name}: {alts}"
    page.close()
    return links


def test_every_page_loads_with_its_images_and_links_and_no_console_error(site):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    internal = set()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            for name in PAGES:
                internal |= visit(browser, site, name)
        finally:
            browser.close()
    for url in sorted(internal):
        try:
            with urllib.request.urlopen(url) as response:
                assert response.status == 200, url
        except urllib.error.HTTPError as e:
            raise AssertionError(f"a link inside the site is broken: {urlparse(url).path} ({e.code})") from None
    assert {site + p for p in PAGES[1:]} <= internal  # every chapter is in the table of contents


def test_chapter_pages_carry_their_outputs_and_the_animation():
    if not (HTML / "04_training.html").exists():
        pytest.skip("no built site")
    page = (HTML / "04_training.html").read_text()
    assert "data:image/gif" in page or ".gif" in page  # the training animation
    assert "✓ your TextbookGAN and ganlib&#8217;s GAN" in page or "✓ your TextbookGAN and ganlib's GAN" in page
    assert "live widget" in page  # the training panel's note


EXPLORERS = ROOT / "build" / "explorers"  # the explorers alone (python site/build.py --explorers)


def js_normals(seed: int, n: int) -> np.ndarray:
    """explorer.js's seeded noise (mulberry32, then Box-Muller), in Python: the test picks the seed."""
    a, out = seed & 0xFFFFFFFF, []

    def uniform():
        nonlocal a
        a = (a + 0x6D2B79F5) & 0xFFFFFFFF
        t = ((a ^ (a >> 15)) * (1 | a)) & 0xFFFFFFFF
        t = ((t + ((t ^ (t >> 7)) * (61 | t))) & 0xFFFFFFFF) ^ t
        return ((t ^ (t >> 14)) & 0xFFFFFFFF) / 4294967296

    for _ in range(n):
        u, v = uniform(), uniform()
        out.append(math.sqrt(-2 * math.log(1 - u)) * math.cos(2 * math.pi * v))
    return np.array(out, "float32")


def explorer_pages():
    """(folder, page) pairs that hold explorers: the site's chapters 5 and 6 where the site is built, and the
    page of explorers alone where it is built."""
    pages = [(HTML, name) for name in ("05_evaluation.html", "06_conditional_gan.html") if (HTML / name).exists()]
    return pages + ([(EXPLORERS, "index.html")] if (EXPLORERS / "index.html").exists() else [])


def test_the_explorers_run_the_shipped_generators_in_the_browser_as_keras_does():
    """Chapters 5 and 6's explorers, with no kernel: the digit picker, the sliders and the 1 → 7 morph are
    computed in Chromium by ONNX Runtime Web from the exported generators. For a seed and slider values this
    test picks at run time (so no precomputed image can pass), the browser's digit equals Keras's to 1e-3 per
    pixel, and so do the picker's and the morph's digits for the inputs the browser drew."""
    if not explorer_pages() or not CHROMIUM.exists():
        message = "no page with explorers (make test-explorers or make site builds one) or no Chromium"
        if os.environ.get("GANLIB_REQUIRE_EXPLORERS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    from ganlib.data import to_uint8
    from ganlib.metrics import judge_outputs
    from ganlib.runs import load_generator

    rng = np.random.default_rng()  # fresh each run, on purpose
    generators = {}

    def keras_images(model, noise, labels):
        generators[model] = generators.get(model) or load_generator(model)
        inputs = [np.asarray(noise, "float32"), np.asarray(labels, "float32")]
        return generators[model](inputs, training=False).numpy().reshape(len(inputs[0]), -1)

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            for folder, name in explorer_pages():
                with serve(folder) as url:
                    page = browser.new_page(viewport={"width": 1300, "height": 900})
                    errors, away = [], []
                    page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                    # Everything comes from the site itself: the page works with the network off.
                    page.on("request", lambda r, away=away, url=url: away.append(r.url)
                            if not r.url.startswith((url, "data:", "blob:")) else None)
                    started = time.perf_counter()
                    page.goto(url + name, wait_until="networkidle")
                    page.evaluate("Promise.all(window.ganlibExplorers.map(e => e.ready))")
                    print(f"{name}: explorers ready {time.perf_counter() - started:.1f} s after the page was asked for")
                    explorers = page.evaluate("window.ganlibExplorers.map(e => [e.model, e.parts])")
                    for i, (model, parts) in enumerate(explorers):
                        root = page.locator(".ganlib-explorer").nth(i)
                        record = f"window.ganlibExplorers[{i}]"
                        if "picker" in parts:
                            digit, seed = int(rng.integers(10)), int(rng.integers(1000))
                            offsets = np.round(rng.uniform(-3, 3, 6), 1)
                            before = root.locator("canvas").first.evaluate(PIXELS)
                            root.locator(".ganlib-digit", has_text=str(digit)).click()  # ten new samples
                            page.wait_for_function(f"{record}.drawn.length >= 4")
                            root.locator(".ganlib-seed").evaluate(f"e => {{ e.value = {seed}; }}")
                            root.locator(".ganlib-slider").evaluate_all(
                                "(all, v) => all.forEach((e, k) => { e.value = v[k]; })", offsets.tolist())
                            done = page.evaluate(f"{record}.drawn.length")
                            root.locator(".ganlib-seed").dispatch_event("change")
                            page.wait_for_function(f"{record}.drawn.length > {done}")
                            drawn = page.evaluate(f"{record}.drawn")
                            # The picker's last draw (ten samples of the digit) and the sliders' (the test's seed).
                            ten, one = [d for d in drawn if len(d["images"]) == 10][-1], drawn[-1]
                            assert root.locator("canvas").first.evaluate(PIXELS) != before  # a click redraws
                            asked = np.argmax(ten["labels"][0])
                            models = json.loads((folder / "_static" / "ganlib" / "models.json").read_text())["models"]
                            slot = models[model].get("code_digits", list(range(10))).index(digit)
                            assert len(ten["images"]) == 10 and asked == slot, (name, digit, ten["labels"][0])
                            noise = js_normals(seed + 1, 100)
                            noise[:6] += offsets.astype("float32")
                            np.testing.assert_allclose(one["noise"][0], noise, atol=1e-5)  # the test's own noise
                            expected = keras_images(model, [noise], one["labels"])
                            assert np.abs(np.array(one["images"]) - expected).max() < 1e-3, (name, seed, offsets)
                            shown = np.array(root.locator("canvas").nth(10).evaluate(PIXELS))
                            assert np.abs(shown - to_uint8(expected.reshape(28, 28)).ravel().astype(int)).max() <= 1
                            assert np.abs(np.array(ten["images"]) - keras_images(model, ten["noise"],
                                                                                 ten["labels"])).max() < 1e-3
                        if "morph" in parts:
                            walk = page.evaluate(f"{record}.last")
                            assert np.abs(np.array(walk["images"]) - keras_images(model, walk["noise"],
                                                                                  walk["labels"])).max() < 1e-3
                            if model == "pretrained-conditional":
                                judged = judge_outputs(to_uint8(np.array(walk["images"]).reshape(-1, 28, 28)))[1]
                                assert list(judged.argmax(1)[[0, -1]]) == [1, 7]  # a 1 becomes a 7
                    page.screenshot(path=str(SHOTS / f"{Path(name).stem}-explorer.png"), full_page=True)
                    assert not errors, f"{name}: {errors}"
                    assert not away, f"{name} asked for something outside the site: {away}"
                    page.close()
        finally:
            browser.close()
