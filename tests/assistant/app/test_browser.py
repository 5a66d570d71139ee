"""The app in a real headless browser: Debian's Chromium driven by Playwright (no browser download).

Screenshots go to `test-output/browser/`; with GSFM_UPDATE_SCREENSHOT=1 the chat screenshot is also
copied to `docs/screenshot-chat.png` for the README.
"""

import os
import shutil
from pathlib import Path

import pytest

from assistant.app.launcher import model_env, running_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic",
]
ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "test-output" / "browser"
GENE = "CDK1"  # in the small test model's vocabulary
TIMEOUT_MS = 120_000

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Chromium not installed (scripts/install_browser.sh)")


@pytest.fixture(scope="module")
def page(small_model_dir, small_index_dir):
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    # GSFM_MODEL_DIR / GSFM_INDEX_DIR in the environment (e.g. the default model, for the README screenshot)
    # win over the small test model
    env = {**model_env(small_model_dir, small_index_dir),
           **{k: os.environ[k] for k in ("GSFM_MODEL_DIR", "GSFM_INDEX_DIR") if k in os.environ}}
    with running_app(backend="none", env=env, log_dir=OUT) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1280})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        page.wait_for_selector("#chat-input textarea")
        yield page
        browser.close()


def _wait_idle(page):
    """Wait until no event is running (Gradio marks busy components with the `pending` class)."""
    page.wait_for_function("() => !document.querySelector('.pending, .generating')")


def test_chat(page):
    assert "no-LLM mode" in page.inner_text("#backend-banner")
    page.fill("#chat-input textarea", f"What might {GENE} do?")
    page.press("#chat-input textarea", "Enter")
    step = page.locator("#chatbot").get_by_text("Tool:", exact=False).first
    step.wait_for()
    _wait_idle(page)
    bot = page.locator("#chatbot .bot").last
    assert GENE in bot.inner_text()
    page.locator("#chatbot").get_by_text("Tool: gene_functions").first.click()  # open a step: its table
    page.locator("#chatbot table").first.wait_for()
    page.wait_for_timeout(1000)  # the step's opening animation
    page.evaluate("""() => document.querySelectorAll('#chatbot *').forEach(
        e => { if (e.scrollHeight > e.clientHeight) e.scrollTop = 0; })""")  # show the question first
    shot = OUT / "chat.png"
    page.screenshot(path=str(shot), full_page=True)
    if os.environ.get("GSFM_UPDATE_SCREENSHOT") == "1":
        shutil.copyfile(shot, ROOT / "docs" / "screenshot-chat.png")


def test_gene_tab(page):
    page.get_by_role("tab", name="Gene", exact=True).click()
    box = page.locator("#gene-input input")
    box.click()
    box.fill(GENE.lower())
    box.press("End")  # one key press: one request for suggestions
    option = page.locator(f"li[aria-label^='{GENE} —']").first
    option.wait_for()
    option.click()
    page.wait_for_selector(f"#gene-info h3:has-text('{GENE}')")
    _wait_idle(page)
    assert page.locator("#predictions tbody tr").count() > 0
    page.screenshot(path=str(OUT / "gene.png"), full_page=True)


def _upload_and_run(page, tab: str, prefix: str, path) -> str:
    """Open `tab`, upload `path` to #<prefix>-file, press #<prefix>-run; the summary text once it is done."""
    page.get_by_role("tab", name=tab).click()
    page.set_input_files(f"#{prefix}-file input[type=file]", str(path))
    page.locator(f"#{prefix}-file").get_by_text(path.stem[:8]).first.wait_for()
    page.click(f"#{prefix}-run")
    page.wait_for_selector(f"#{prefix}-summary strong")
    _wait_idle(page)
    return page.inner_text(f"#{prefix}-summary")


def test_gene_set_upload(page, tmp_path):
    genes = tmp_path / "interferon.txt"
    genes.write_text("IFNG\nSTAT1\nIRF1\nCXCL10\nGBP1\nTAP1\nNOTAGENE1\n")
    summary = _upload_and_run(page, "Gene set", "geneset", genes)
    assert "6 of 7 entries mapped" in summary and "NOTAGENE1" in summary
    page.screenshot(path=str(OUT / "gene-set.png"), full_page=True)
    page.get_by_role("button", name="Explain these results in the chat").click()
    page.locator("#chatbot").get_by_text("Attached: the gene list").wait_for()
    _wait_idle(page)
    page.screenshot(path=str(OUT / "chat-explain.png"), full_page=True)


def test_experiment_table_to_plots_to_chat(page, tmp_path):
    """DE-table upload -> dot plot -> GSEA running-score plot -> "Explain these results" in the chat."""
    from tests.assistant.app.test_experiment import de_table

    summary = _upload_and_run(page, "Experiment", "experiment", de_table(tmp_path))
    assert "log2fc = log2FoldChange" in summary
    page.locator("#experiment-dots img").first.wait_for()
    page.locator("#experiment-curve img").first.wait_for()
    page.screenshot(path=str(OUT / "experiment.png"), full_page=True)
    page.click("#experiment-explain")
    page.locator("#chatbot").get_by_text("Attached: the up genes").wait_for()
    _wait_idle(page)
    assert "enrich_genes" in page.locator("#chatbot .bot").last.inner_text()
    page.screenshot(path=str(OUT / "chat-experiment.png"), full_page=True)
