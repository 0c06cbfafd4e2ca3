"""The workbench in a real browser: Debian's chromium driven by Playwright, against the app served
by uvicorn over the demo database. Every page must load with no console error and no request
leaving the machine. Skips when chromium or Playwright is not installed.

Set STORYLINE_SCREENSHOTS=DIR to keep a screenshot of each view there (the README's come from
``STORYLINE_SCREENSHOTS=docs/screenshots``).
"""
from __future__ import annotations

import csv
import io
import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed")
CHROMIUM = next((p for p in (os.environ.get("STORYLINE_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium") if p and Path(p).exists()), None)
if CHROMIUM is None:
    pytest.skip("no chromium executable (apt-get install chromium)", allow_module_level=True)

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def server(demo_db):
    """The app on a free local port, in a thread, for the module's tests."""
    import uvicorn

    from storyline.api.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(demo_db["db"]), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory):
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(tmp_path_factory.mktemp("chromium-profile")), executable_path=CHROMIUM,
                                                       headless=True, args=ARGS, viewport={"width": 1400, "height": 1000},
                                                       accept_downloads=True)
        yield context
        context.close()


@pytest.fixture
def page(browser_context, server):
    """A tab that records console errors, page errors and any request not to the app; the test
    fails on any of them."""
    problems: list[str] = []
    tab = browser_context.new_page()
    tab.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    tab.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))

    def route(r):
        if r.request.url.startswith(server):
            r.continue_()
        else:
            problems.append(f"request off the machine: {r.request.url}")
            r.abort()

    tab.route("**/*", route)
    tab.base = server
    yield tab
    tab.close()
    assert not problems, problems


def shot(tab, name: str) -> None:
    folder = os.environ.get("STORYLINE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        tab.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)


def api(tab, path: str) -> dict:
    return tab.request.get(tab.base + path).json()


def total(tab) -> int:
    return int(re.sub(r"\D", "", tab.locator("#total b").inner_text()))


def wait_views(tab) -> None:
    """The map and the chart have drawn (their data-loaded attribute is set)."""
    tab.wait_for_selector("#map[data-loaded]")
    tab.wait_for_selector("#chart[data-loaded]")
    assert tab.get_attribute("#map", "data-loaded") != "error" and tab.get_attribute("#chart", "data-loaded") != "error"


def test_filters_facets_map_and_paging(page):
    page.goto(page.base + "/")
    wait_views(page)
    everything = api(page, "/events?limit=1")["total"]
    assert total(page) == everything
    assert page.locator("#map path.leaflet-interactive, #map .marker-cluster").count() > 0  # markers or clusters
    assert page.locator("#map svg path").count() > 100  # country borders
    shot(page, "events")

    page.fill("input[name=country]", "Malian")
    page.select_option("select[name=acled_event_type]", "Explosions/Remote violence")
    page.click("#apply")
    page.wait_for_load_state()
    assert "country=Malian" in page.url and "acled_event_type=Explosions" in page.url
    want = api(page, "/events?country=ML&acled_event_type=Explosions/Remote violence&limit=500")
    assert 0 < total(page) == want["total"] < everything
    assert page.locator("#events-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)") == [e["id"] for e in want["events"]]
    wait_views(page)

    # a facet value narrows further and the URL keeps the whole state
    page.goto(page.base + "/")
    page.locator("#facets a[data-facet=plover_type]").first.click()
    page.wait_for_load_state()
    assert "plover_type=" in page.url and total(page) < everything

    # paging: three pages of 5 cover the first 15 events in order, without repeats
    page.goto(page.base + "/?limit=5&sort=date")
    seen = []
    for _ in range(3):
        seen += page.locator("#events-table tbody tr").evaluate_all("rows => rows.map(r => r.dataset.id)")
        page.click("#next")
        page.wait_for_load_state()
    assert seen == [e["id"] for e in api(page, "/events?limit=15&sort=date")["events"]]
    assert "offset=15" in page.url


def test_search_and_brush(page):
    page.goto(page.base + "/?q=drones")
    assert total(page) == api(page, "/events?q=drones")["total"] > 0
    page.goto(page.base + "/")
    wait_views(page)
    bars = page.locator("#chart rect.bar")
    assert bars.count() > 2
    last = bars.nth(bars.count() - 1).bounding_box()
    page.mouse.move(last["x"] + last["width"] / 2, last["y"] + last["height"] - 2)
    page.mouse.down()
    page.mouse.move(last["x"] + last["width"] / 2 - 1, last["y"] + last["height"] - 2)
    page.mouse.up()
    page.wait_for_url(re.compile(r"date_from=.*date_to="))
    start = re.search(r"date_from=([\d-]+)", page.url).group(1)
    end = re.search(r"date_to=([\d-]+)", page.url).group(1)
    assert total(page) == api(page, f"/events?date_from={start}&date_to={end}")["total"] > 0


def test_event_page_contradiction_to_its_sentence(page):
    page.goto(page.base + "/?contradictions=true")
    page.locator("#events-table a.event-link").first.click()
    page.wait_for_load_state()
    assert page.locator("#consensus").is_visible() and page.locator("section.contra").count() > 0
    shot(page, "event")
    link = page.locator("section.contra a.to-sentence").first
    quoted = link.inner_text().strip("“” \n")
    anchor = link.get_attribute("href")[1:]
    link.click()
    target = page.locator(f"mark#{anchor}")
    assert target.is_visible() and "contra" in target.get_attribute("class")
    assert quoted[:40] in target.inner_text()
    assert page.evaluate("location.hash") == f"#{anchor}"
    page.locator("section.attr .source").first.wait_for()
    assert page.locator("section.attr").count() >= 3  # claims grouped by attribute
    page.click("#story-link")
    page.wait_for_load_state()
    dates = [d[:10] for d in page.locator("#story li .date").all_inner_texts()]
    assert dates and dates == sorted(dates)
    shot(page, "story")


def test_export_the_current_view(page):
    page.goto(page.base + "/?country=Mali")
    with page.expect_download() as download:
        page.click("#exports a:text-is('CSV')")
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    want = api(page, "/events?country=ML&limit=500")
    assert sorted(r["id"] for r in rows) == sorted(e["id"] for e in want["events"]) and rows
    with page.expect_download() as download:
        page.click("#exports a:text-is('ACLED CSV')")
    acled = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert acled and {r["country"] for r in acled} == {"Mali"}


def test_articles_with_their_audit(page):
    page.goto(page.base + "/ui/articles")
    assert page.locator("#articles-table tbody tr").count() == api(page, "/articles")["total"]
    shot(page, "articles")
    page.goto(page.base + "/ui/articles?duplicate=any")
    page.locator("#articles-table tbody a").first.click()
    page.wait_for_load_state()
    assert "copy of" in page.locator("#article-meta").inner_text()
    assert page.locator("#audit tbody tr").count() >= 1
    assert page.locator("#article-text mark").count() >= 1  # its event's sentences
    shot(page, "article")


def test_docs_are_served_locally(page):
    page.goto(page.base + "/docs")
    page.wait_for_selector(".opblock", timeout=20000)
    assert page.locator(".opblock").count() >= 8
    shot(page, "docs")
