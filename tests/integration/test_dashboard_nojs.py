"""JavaScript disabled: the server's page is the whole dashboard.  The
table equals the oracle's for plain and filtered views, and the toolbar
form, the sort links, the column chooser and pagination work as plain
HTML."""

import pytest

import krjdash
import krjdata
import krjenv

CATS = krjdata.newest(krjenv.DATA)


@pytest.fixture(scope="module")
def nojs(dash):
    b = dash.browser(js=False)
    yield b
    assert b.problems() == []
    b.close()
    dash.browsers.remove(b)


def oracle_table(dash, target):
    slug, _, qs = target[len("/krj/"):].partition("?")
    c = dash.site.cats[slug]
    view = krjdash.parse_view(c, qs)
    _, idx = krjdash.select(c, view)
    vis = view.visible_names(c)
    keep = [j for j, n in enumerate(c.names) if n in vis]
    return [[c.cols[j].fmt(c.rows[i][j]) if c.known else None
             for j in keep] for i in idx]


@pytest.mark.parametrize("target", [
    "/krj/sp500", "/krj/etfs_fx?sort=-vol_ratio",
    "/krj/sp500?either=Long&fields=c,signal,signal_status_prior_week",
    "/krj/equities?changed=1&sort=ticker",
])
def test_same_table_without_js(nojs, dash, target):
    b = nojs.get(target)
    want = oracle_table(dash, target)
    assert b.table() == want


def test_no_js_marker(nojs):
    b = nojs.get("/krj/sp500")
    assert "js" not in (b.find("html").get_attribute("class") or "")
    assert b.find("button.ap").is_displayed(), "Apply shows without JS"
    assert not b.find(".pd .jo").is_displayed()


def wait_url(b, start):
    b.wait(lambda: b.current.startswith(start) and b.current != start,
           what="navigation")
    b.wait_ready()


def test_form_filters_without_js(nojs, dash):
    b = nojs.get("/krj/sp500")
    b.find('input[name=signal][value=Long]').click()
    b.find('input[name=prior][value=Neutral]').click()
    b.find("button.ap").click()
    wait_url(b, "/krj/sp500?")
    assert b.text(".cnt") == "12 of 503 rows"
    assert [r[0] for r in b.table()] == [
        r[0] for r in CATS["sp500"].rows
        if r[7] == "Long" and r[8] == "Neutral"]
    assert b.find('input[name=signal][value=Long]').is_selected()
    # a sort link keeps the filter
    b.find('th[data-c="c"] a').click()
    wait_url(b, "/krj/sp500?")
    assert b.current == "/krj/sp500?signal=Long&prior=Neutral&sort=c"
    assert b.text(".cnt") == "12 of 503 rows"
    # search, with the sort kept by the hidden input
    box = b.find("input[name=ticker]")
    box.send_keys("CNC")
    box.submit()
    wait_url(b, "/krj/sp500?")
    assert [r[0] for r in b.table()] == ["CNC"]


def test_column_chooser_without_js(nojs):
    b = nojs.get("/krj/sp100")
    b.find(".cc summary").click()
    b.find('.cc input[value="25DMA"]').click()
    b.find(".cc input[value=weekly_low]").click()
    b.find("button.ap").click()
    wait_url(b, "/krj/sp100?")
    assert "25 DMA" not in b.header() and "Wk Low" not in b.header()
    b.find(".cc summary").click()
    b.find(".rc").click()
    b.wait_ready()
    assert "25 DMA" in b.header()


def test_pagination_without_js(nojs, dash):
    b = nojs.get("/krj/sp500?sort=ticker&limit=50")
    first = [r[0] for r in b.table()]
    assert len(first) == 50
    b.find(".pg a[rel=next]").click()
    wait_url(b, "/krj/sp500?sort=ticker&limit=50&")
    assert b.current == "/krj/sp500?sort=ticker&limit=50&offset=50"
    second = [r[0] for r in b.table()]
    c = CATS["sp500"]
    want = [r[0] for r in krjdata.sort_rows(c, c.rows, "ticker")]
    assert first + second == want[:100]
