"""Accessibility and cleanliness of every dashboard page: axe-core (npm,
injected through WebDriver) finds no serious or critical violation, and
no page logs a console error, a JS error or a CSP violation, in the dark
and the light theme."""

import pytest

import krjbrowser
import krjdata
import krjenv

SLUGS = sorted(krjdata.newest(krjenv.DATA))

PAGES = ["/krj/%s" % s for s in SLUGS] + [
    "/krj/sp500?signal=Long,Short&sort=-c&fields=c,signal,vol_ratio",
    "/krj/sp500?limit=20&offset=20",
    "/krj/drc?signal=Long",                      # no rows
    "/krj/print?groups=sp500,sp100&ls=1",
    "/krj/print?groups=ai_affected",
    "/krj/login",
    "/krj/sp500?sort=nope",                      # 400 page
    "/krj/nope",                                 # 404 page
]


ERROR_PAGES = {"/krj/sp500?sort=nope": 400, "/krj/nope": 404}


@pytest.fixture(scope="module", params=["dark", "light"])
def themed(request, dash):
    b = dash.browser(light=request.param == "light")
    yield b
    b.close()
    dash.browsers.remove(b)


def fmt(violations):
    return krjbrowser.dump_json(violations)


@pytest.mark.parametrize("path", PAGES)
def test_axe_and_console(themed, path):
    b = themed.get(path)
    v = b.axe()
    assert v == [], "axe-core on %s:\n%s" % (path, fmt(v))
    problems = b.problems()
    if path in ERROR_PAGES:
        # Chromium logs the page's own 4xx status; nothing else may show
        own = "%s - Failed to load resource: the server responded with a " \
            "status of %d" % (b.url(path), ERROR_PAGES[path])
        problems = [p for p in problems if own not in p]
    assert problems == [], path


def test_axe_with_open_dialogs(browser):
    b = browser.get("/krj/sp500")
    b.find(".cc summary").click()
    v = b.axe()
    assert v == [], fmt(v)
    b.find(".pd summary").click()
    v = b.axe()
    assert v == [], fmt(v)


def test_axe_phone(dash):
    b = dash.browser(width=390, height=844, mobile=True)
    try:
        b.get("/krj/sp500")
        assert b.axe() == []
        assert b.problems() == []
    finally:
        b.close()
        dash.browsers.remove(b)
