"""The widgets in a real browser: JupyterLab on 127.0.0.1, driven through Debian's Chromium by Playwright.

Opens a copy of notebook 06, runs its Setup cell, the cell that loads the pretrained conditional generator and
the digit-picker cell; then picks another digit and drags a style slider, and checks that the picture in the
page changes each time. Then opens a copy of notebook 08, runs its Setup cell and the failure lab's cell,
clicks Train once, and checks that the first epoch's plots appear. Screenshots are kept in build/browser/.

`make browser` installs Chromium (Debian package `chromium`) where apt-get can. Without Chromium this test is
skipped, unless GANLIB_REQUIRE_BROWSER=1 (as in CI), where it fails instead.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "06_conditional_gan.ipynb"
FAILURES_NOTEBOOK = ROOT / "notebooks" / "08_failures.ipynb"
CHROMIUM = Path(os.environ.get("GANLIB_CHROMIUM", "/usr/bin/chromium"))
SHOTS = ROOT / "build" / "browser"
# Keep the browser quiet and local: no GPU, no sandbox (containers), nothing fetched in the background.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-default-apps", "--disable-sync", "--no-first-run",
                 "--metrics-recording-only", "--mute-audio"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving a folder with copies of notebooks 06 and 08; yields a function
    from a notebook's name to its URL."""
    if not CHROMIUM.exists():
        message = (f"no Chromium at {CHROMIUM}: install Debian's package (`apt-get install chromium`, which "
                   "`make browser` does where it can) or point GANLIB_CHROMIUM at a Chromium binary.")
        if os.environ.get("GANLIB_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    pytest.importorskip("playwright.sync_api")
    home = tmp_path_factory.mktemp("lab")
    work = home / "work"
    work.mkdir()
    shutil.copy(NOTEBOOK, work / NOTEBOOK.name)
    shutil.copy(FAILURES_NOTEBOOK, work / FAILURES_NOTEBOOK.name)
    # Fresh JupyterLab settings: no news or update checks (the machine may be offline), no restored layout.
    notification = home / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = dict(os.environ, GANLIB_QUICK="1", TF_CPP_MIN_LOG_LEVEL="2", JUPYTER_CONFIG_DIR=str(home / "config"),
               GANLIB_RUNS_DIR=str(home / "runs"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"))
    port, token = _free_port(), secrets.token_hex(16)
    log = open(home / "lab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--ServerApp.root_dir={work}", f"--IdentityProvider.token={token}",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.extension_manager=readonly",
         *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not start; its log:\n{(home / 'lab.log').read_text()[-3000:]}")
            time.sleep(0.5)
        # One workspace per notebook: a page opened for one notebook does not restore another test's tabs.
        yield lambda name: f"{base}/lab/workspaces/{Path(name).stem}/tree/{name}?reset&token={token}"
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _run_cell(page, text: str, timeout_s: float = 240):
    """Select the notebook cell whose code contains ``text``, run it with Shift+Enter, wait until it is done."""
    # Only the notebook on show: an earlier test's notebook may still be open, hidden, in another tab.
    cell = page.locator(".jp-Notebook .jp-CodeCell:visible", has_text=text).first
    cell.scroll_into_view_if_needed()
    prompt = cell.locator(".jp-InputArea-prompt")
    deadline = time.monotonic() + timeout_s
    started, pressed = False, 0.0
    # The prompt reads "[ ]:" before, "[*]:" while running and "[N]:" when done.
    while not any(ch.isdigit() for ch in prompt.inner_text()):
        if not started or ("*" not in prompt.inner_text() and time.monotonic() - pressed > 5):
            _accept_dialog(page)
            # A key press right after the page loads can be lost while the editor starts: press again.
            cell.locator(".jp-InputArea-editor").click()
            page.keyboard.press("Shift+Enter")
            started, pressed = True, time.monotonic()
        if time.monotonic() > deadline:
            page.screenshot(path=str(SHOTS / "failed.png"), full_page=True)
            raise AssertionError(f"the cell with {text!r} did not finish in {timeout_s} s; see {SHOTS / 'failed.png'}")
        page.wait_for_timeout(250)
    errors = [t for t in cell.locator(".jp-OutputArea-output").all_inner_texts() if "Traceback" in t]
    assert not errors, f"the cell with {text!r} failed:\n{errors[-1]}"
    return cell


def _accept_dialog(page) -> None:
    # On a slow start JupyterLab may show a dialog (a kernel to choose, a notice) over the notebook, which would
    # catch the click meant for a cell: take its default answer.
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    if accept.count():
        accept.first.click()
        page.wait_for_timeout(500)


def _wait_for_change(page, image, before: bytes, what: str, timeout_s: float = 30) -> bytes:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        page.wait_for_timeout(250)
        now = image.screenshot()
        if now != before:
            return now
    raise AssertionError(f"the digit's picture did not change after {what}")


def _open(page, url: str) -> None:
    page.goto(url)
    page.locator(".jp-Notebook .jp-CodeCell:visible").first.wait_for(timeout=90_000)
    # Wait for the kernel before running cells: the toolbar shows it idle.
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(timeout=120_000)


def test_explorer_in_jupyterlab_redraws_when_the_student_moves_it(lab):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _open(page, lab(NOTEBOOK.name))
            _run_cell(page, "ganlib.setup(")
            _run_cell(page, 'run_folder("pretrained-conditional")')
            cell = _run_cell(page, "latent_explorer(cgen")

            image = cell.locator(".jp-OutputArea-output img").first
            image.wait_for(timeout=60_000)
            first = image.screenshot()
            page.screenshot(path=str(SHOTS / "explorer-before.png"), full_page=True)

            # The digit picker: ask for a 3 instead of the 7.
            cell.locator("button", has_text="3").first.click()
            picked = _wait_for_change(page, image, first, "picking the digit 3")

            # A style slider (the first z slider): drag its handle to the right, as a student would.
            slider = cell.locator(".widget-hslider", has_text="z[0]").first
            handle = slider.locator(".noUi-handle").first
            box = handle.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] / 2 + 60, box["y"] + box["height"] / 2, steps=8)
            page.mouse.up()
            _wait_for_change(page, image, picked, "dragging the z[0] slider")
            readout = slider.locator(".widget-readout").inner_text()
            assert float(readout) > 0, f"the slider did not move (readout {readout!r})"
            page.screenshot(path=str(SHOTS / "explorer.png"), full_page=True)
        finally:
            browser.close()
    assert (SHOTS / "explorer.png").stat().st_size > 10_000


def test_failure_lab_in_jupyterlab_plots_the_first_epoch_after_one_click(lab):
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            _open(page, lab(FAILURES_NOTEBOOK.name))
            _run_cell(page, "ganlib.setup(")
            cell = _run_cell(page, "failure_lab(runs_dir()")
            status = cell.locator(".widget-html", has_text="press").first
            status.wait_for(timeout=60_000)
            cell.locator("button", has_text="Train").first.click()
            # The lab trains in a thread; after the first epoch it draws the five panels and names the epoch.
            cell.locator(".widget-html", has_text="epoch 1").first.wait_for(timeout=240_000)
            plot = cell.locator(".jp-OutputArea-output img").first
            plot.wait_for(timeout=30_000)
            box = plot.bounding_box()
            assert box and box["width"] > 300 and box["height"] > 50, box
            page.screenshot(path=str(SHOTS / "failure-lab.png"), full_page=True)
        finally:
            browser.close()
    assert (SHOTS / "failure-lab.png").stat().st_size > 10_000
