"""The HTML edition of the course (``make site``) in a real browser: every page loads with no console error,
and no image or link inside the site is broken. A screenshot of each page is kept in build/site-shots/.

Runs where the site has been built (``make site`` builds it, then runs this test with GANLIB_REQUIRE_SITE=1);
elsewhere it is skipped.
"""
import functools
import http.server
import json
import os
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urldefrag, urlparse

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
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(HTML))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


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


def browser_draws(page) -> dict:
    """The last draw of each explorer on the page: inputs and outputs as the browser computed them."""
    return page.evaluate("window.ganlibExplorers.map(e => e.last)")


def test_the_explorers_run_the_shipped_generators_in_the_browser_as_keras_does(site):
    """Chapters 5 and 6's explorers, with no kernel: the digit picker, the sliders and the 1 → 7 morph are
    computed in Chromium by ONNX Runtime Web from the exported generators, and match Keras on the same inputs."""
    import time

    import numpy as np
    from playwright.sync_api import sync_playwright

    from ganlib.data import to_uint8
    from ganlib.metrics import judge_outputs
    from ganlib.runs import load_generator

    manifest = json.loads((HTML / "_static" / "ganlib" / "models.json").read_text())["models"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            for name, model in (("05_evaluation.html", "pretrained"), ("06_conditional_gan.html",
                                                                        "pretrained-conditional")):
                page = browser.new_page(viewport={"width": 1300, "height": 900})
                errors = []
                page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
                started = time.perf_counter()
                page.goto(site + name, wait_until="networkidle")
                page.evaluate("Promise.all(window.ganlibExplorers.map(e => e.ready))")
                print(f"{name}: explorers ready {time.perf_counter() - started:.1f} s after the page was asked for")
                picker, morph = browser_draws(page)
                assert picker["model"] == morph["model"] == model and len(morph["images"]) == 10

                # The picker: ask for a 3, then a new draw of ten 3s (the sliders' sample follows).
                page.locator(".ganlib-digit", has_text="3").first.click()
                three = manifest[model].get("code_digits", list(range(10))).index(3)
                page.wait_for_function(f"window.ganlibExplorers[0].last.labels[0][{three}] === 1")
                page.locator(".ganlib-slider").first.fill("2.5")
                page.wait_for_function("window.ganlibExplorers[0].last.noise.length === 1")
                nudged = browser_draws(page)[0]

                # The browser's images are Keras's, for the browser's own inputs.
                generator = load_generator(model)
                for draw in (picker, morph, nudged):
                    inputs = [np.array(draw["noise"], "float32"), np.array(draw["labels"], "float32")]
                    expected = generator(inputs, training=False).numpy().reshape(len(draw["images"]), -1)
                    assert np.abs(np.array(draw["images"]) - expected).max() < 1e-3, (name, draw["labels"][0])
                judged = judge_outputs(to_uint8(np.array(morph["images"]).reshape(-1, 28, 28)))[1].argmax(1)
                if model == "pretrained-conditional":
                    assert list(judged[[0, -1]]) == [1, 7], judged  # a 1 becomes a 7
                page.screenshot(path=str(SHOTS / f"{Path(name).stem}-explorer.png"), full_page=True)
                assert not errors, f"{name}: {errors}"
                page.close()
        finally:
            browser.close()
