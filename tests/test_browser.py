"""End to end: Debian's headless chromium, driven by Playwright, against the real server.

``search-serve`` runs in a subprocess on a free loopback port over the seeds (it builds
their index on first start, as a new user's would). Screenshots go to test-output/.
Without chromium or Playwright these tests skip, unless REQUIRE_BROWSER=1 (CI), where
they fail. Playwright's own browsers are never downloaded: we launch /usr/bin/chromium.
"""

from __future__ import annotations

import importlib.util
import os
import re
import select
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS_DIR, write_config

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUTPUT = ROOT / "test-output"
SYNONYMS = {"groups": [["la Ceinture et la Route", "Une ceinture, une route", "Belt and Road"]]}
START_TIMEOUT = 60  # seconds for the server to build the seeds' index and listen


def browser_unavailable() -> str | None:
    """Why the browser tests cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "Playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser():
    reason = browser_unavailable()
    if reason and os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1 but {reason}")
    if reason:
        pytest.skip(f"browser tests skipped: {reason}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(browser, tmp_path_factory):
    """The base URL of ``search-serve`` running over the seeds on a free port."""
    folder = tmp_path_factory.mktemp("browser")
    config = write_config(folder, SEEDS_DIR, synonyms=SYNONYMS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SEARCH_")}
    command = "from service.cli.serve import serve_cmd; serve_cmd()"
    args = [sys.executable, "-c", command, "--config", str(config), "--port", "0"]
    process = subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        yield wait_for_address(process)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def wait_for_address(process: subprocess.Popen) -> str:
    """Read the server's stdout until it prints the address to open."""
    ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT)
    line = process.stdout.readline() if ready else ""
    found = re.search(r"Service prêt : (http://\S+)", line)
    if not found:
        process.kill()
        raise AssertionError(f"search-serve did not start: {line!r} {process.stderr.read()}")
    return found.group(1)


@pytest.fixture
def page(browser):
    """A fresh page; a console error (a CSP violation, a failed load) fails the test.

    Only a 400 is expected: the page that shows a query error beside the search box.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "of 400" not in m.text else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    yield page
    context.close()
    assert not problems, problems


def search(page, server: str, q: str, path: str = "") -> None:
    page.goto(server + path)
    page.fill("#q", q)
    page.press("#q", "Enter")
    page.wait_for_selector("#summary")


def summary(page) -> str:
    return " ".join(page.inner_text("#summary").split())


def screenshot(page, name: str) -> None:
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / name), full_page=True)


def test_type_a_query_and_see_highlighted_results(page, server):
    search(page, server, "Ceinture et la Route")
    assert summary(page) == "4 résultats pour « Ceinture et la Route »"
    assert page.input_value("#q") == "Ceinture et la Route"
    assert page.locator(".hit").count() == 4
    marks = page.locator(".passage mark").all_inner_texts()
    assert {"Ceinture", "Route", "ceinture", "route", "Belt", "Road"} <= set(marks)
    assert page.locator("svg.timeline-chart rect.bar").count() == 3
    screenshot(page, "search.png")


def test_click_a_country_facet_then_remove_its_chip(page, server):
    search(page, server, "Ceinture et la Route")
    page.locator(".facet-link", has_text="Taïwan").click()
    chip = page.locator(".chip", has_text="Pays : Taïwan")
    chip.wait_for()
    assert summary(page) == "2 résultats pour « Ceinture et la Route »"
    assert page.get_attribute(".facet-link.is-active", "aria-current") == "true"
    chip.click()
    page.wait_for_selector(".chip", state="detached")
    assert summary(page) == "4 résultats pour « Ceinture et la Route »"


def test_choose_a_year_and_see_months(page, server):
    search(page, server, "Azerbaïdjan")
    page.locator("#facet-year ~ ul .facet-link", has_text="2021").click()
    page.wait_for_selector("#facet-month")
    assert page.inner_text("figure.timeline figcaption").startswith("Résultats par mois en 2021")
    assert page.locator(".chip", has_text="Période : 2021").count() == 1


def test_page_through_the_results(page, server):
    search(page, server, "Chine", path="/?per_page=2")
    assert page.inner_text(".pagination [aria-current=page]") == "1"
    first = page.locator(".hit-title").all_inner_texts()
    page.click("text=Suivante ›")
    page.wait_for_url(re.compile(r"page=2"))
    assert page.inner_text(".pagination [aria-current=page]") == "2"
    assert not set(first) & set(page.locator(".hit-title").all_inner_texts())
    page.click(".pagination >> text=1")
    page.wait_for_url(re.compile(r"per_page=2$"))
    assert page.locator(".hit-title").all_inner_texts() == first


def test_open_an_article_and_see_its_marks(page, server):
    search(page, server, "Kirghizistan")
    title = page.inner_text("#hit-1")
    page.click("#hit-1")
    page.wait_for_url(re.compile(r"/documents/004_39aa6ed02c1f3f44\.txt\?q="))
    assert page.inner_text("h1") == title
    assert page.locator(".document-body mark").count() >= 2
    assert page.locator(".doc-meta .tag", has_text="Kirghizstan").count() == 1
    screenshot(page, "document.png")
    page.click("text=Retour aux résultats")
    page.wait_for_selector("#summary")
    assert page.input_value("#q") == "Kirghizistan"


def test_a_date_range_and_a_bad_date(page, server):
    page.goto(server)
    page.fill("#from", "2025")
    page.click("text=Appliquer la période")
    page.wait_for_selector(".chip")
    assert summary(page) == "2 résultats"
    page.goto(server + "/?from=2021-13")
    assert "date invalide" in page.inner_text("#period-error")
    assert page.input_value("#from") == "2021-13"


def test_keyboard_users_get_a_visible_skip_link(page, server):
    page.goto(server)
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    box = page.locator(".skip-link").bounding_box()
    assert box and box["y"] >= 0
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"


def test_a_phone_screen_has_no_sideways_scrolling(browser, server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(server + "/?q=Chine")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "phone.png")
    context.close()


def test_type_a_prefix_and_choose_a_completion_with_the_keyboard(page, server):
    page.goto(server)
    box = page.locator("#q")
    assert box.get_attribute("role") == "combobox"
    assert box.get_attribute("aria-expanded") == "false"
    box.press_sequentially("relations bilat", delay=30)
    listbox = page.locator("#q-suggestions[role=listbox]")
    listbox.wait_for(state="visible")
    assert box.get_attribute("aria-expanded") == "true"
    assert box.get_attribute("aria-controls") == "q-suggestions"
    options = listbox.locator("[role=option]")
    assert options.first.inner_text().startswith("relations bilat")
    box.press("ArrowDown")
    assert box.get_attribute("aria-activedescendant") == "q-suggestions-0"
    assert options.first.get_attribute("aria-selected") == "true"
    chosen = options.first.inner_text()
    screenshot(page, "suggest.png")
    box.press("Enter")
    page.wait_for_url(re.compile(r"\?q=relations\+bilat"))
    assert page.input_value("#q") == chosen
    assert summary(page).endswith(f"pour « {chosen} »")


def test_arrow_keys_wrap_and_escape_closes_but_keeps_the_text(page, server):
    page.goto(server)
    box = page.locator("#q")
    box.press_sequentially("azer", delay=30)
    page.locator("#q-suggestions").wait_for(state="visible")
    count = page.locator("#q-suggestions [role=option]").count()
    assert count > 1
    box.press("ArrowUp")  # from the box, up goes to the last one
    assert box.get_attribute("aria-activedescendant") == f"q-suggestions-{count - 1}"
    box.press("ArrowDown")  # and down from the last one back to the first
    assert box.get_attribute("aria-activedescendant") == "q-suggestions-0"
    box.press("Escape")
    assert page.locator("#q-suggestions").is_hidden()
    assert box.get_attribute("aria-expanded") == "false"
    assert box.get_attribute("aria-activedescendant") is None
    assert page.input_value("#q") == "azer"


def test_a_click_chooses_a_completion_too(page, server):
    page.goto(server)
    page.locator("#q").press_sequentially("Bak", delay=30)
    page.locator("#q-suggestions [role=option]", has_text="Bakou").click()
    page.wait_for_selector("#summary")
    assert summary(page).endswith("pour « Bakou »")


def test_a_title_among_the_suggestions_opens_its_article(page, server):
    page.goto(server)
    box = page.locator("#q")
    box.press_sequentially("Kirghizistan mini", delay=30)
    title = page.locator("#q-suggestions .suggestion-title")
    title.first.wait_for(state="visible")
    assert title.count() == 1
    assert title.first.get_attribute("data-href").endswith("/documents/004_39aa6ed02c1f3f44.txt")
    index = page.locator("#q-suggestions [role=option]").count() - 1
    box.press("ArrowUp")  # the last option: the title, after the completions
    assert box.get_attribute("aria-activedescendant") == f"q-suggestions-{index}"
    screenshot(page, "suggest-title.png")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/documents/004_39aa6ed02c1f3f44\.txt$"))
    assert page.inner_text("#doc-title").startswith("Le ministre azerbaïdjanais")


def test_without_javascript_the_box_is_a_plain_search_field(browser, server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server)
    assert page.get_attribute("#q", "role") is None
    assert page.locator("#q-suggestions").count() == 0
    page.fill("#q", "Bakou")
    page.press("#q", "Enter")
    page.wait_for_selector("#summary")
    assert summary(page) == "2 résultats pour « Bakou »"
    context.close()


def test_click_a_did_you_mean_link(page, server):
    search(page, server, "kirghizstan")
    assert " ".join(page.inner_text(".suggestion").split()) == "Vouliez-vous dire : Kirghizistan ?"
    screenshot(page, "did-you-mean.png")
    page.click(".suggestion a")
    page.wait_for_url(re.compile(r"\?q=Kirghizistan$"))
    assert page.input_value("#q") == "Kirghizistan"  # a name keeps its capital
    assert page.locator(".suggestion").count() == 0


def test_why_a_hit_matched_opens_on_demand(page, server):
    search(page, server, "relation bilatérale")
    why = page.locator(".hit details.why").first
    assert not why.locator(".why-list").is_visible()
    why.locator("summary").click()
    assert "(même racine)" in why.locator(".why-list").inner_text()
    screenshot(page, "why.png")


def test_open_an_article_and_follow_an_articles_proches_link(page, server):
    search(page, server, "Kirghizistan")
    page.click("#hit-1")
    page.wait_for_selector("#similar-title")
    assert page.inner_text("#similar-title") == "Articles proches"
    first = page.locator(".similar-list a").first
    title = first.inner_text()
    screenshot(page, "similar.png")
    first.click()
    page.wait_for_function("t => document.querySelector('h1').innerText === t", arg=title)
    assert "/documents/004_39aa6ed02c1f3f44.txt" not in page.url
    page.click("text=Retour aux résultats")
    page.wait_for_selector("#summary")
    assert page.input_value("#q") == "Kirghizistan"
