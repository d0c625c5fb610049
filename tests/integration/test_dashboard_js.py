"""The dashboard's JavaScript in headless Chromium, against the oracle
(krjdash, krjdata): click-to-sort cycles with aria-sort and the URL,
empty values last in both directions, the week x signal filter with its
"x of y rows", the summary card following it, search as you type, the
column chooser surviving a reload and its reset, the URL state reloading
to the same view with and without JavaScript, and loading from the server
when the page does not hold the rows.  Every test ends with no console
error, JS error or CSP violation (the browser fixture)."""

import urllib.parse

import krjdash
import krjdata
import krjenv

CATS = krjdata.newest(krjenv.DATA)


def cat(slug):
    return CATS[slug]


def shown(c, rows):
    return [krjdash.fmt_ticker(r[c.col("ticker")]) for r in rows]


def oracle_rows(dash, slug, qs):
    """The ticker column the oracle renders for slug?qs."""
    c = dash.site.cats[slug]
    view = krjdash.parse_view(c, qs)
    _, idx = krjdash.select(c, view)
    return [krjdash.fmt_ticker(c.rows[i][c.ti]) for i in idx]


def click_sort(b, col):
    b.find('th[data-c="%s"] a' % col).click()


def aria_sorts(b):
    return b.js("""return Array.prototype.map.call(
        document.querySelectorAll('main table.t thead th[aria-sort]'),
        function (th) { return th.getAttribute('data-c') + ' ' +
                               th.getAttribute('aria-sort'); });""")


def test_sort_cycle(browser):
    c = cat("sp500")
    b = browser.get("/krj/sp500")
    original = b.tickers()
    assert original == shown(c, c.rows)
    click_sort(b, "c")
    assert b.current == "/krj/sp500?sort=c"
    assert aria_sorts(b) == ["c ascending"]
    assert b.tickers() == shown(c, krjdata.sort_rows(c, c.rows, "c"))
    assert b.text(".so").startswith("Sort: Fri Close \u2191")
    click_sort(b, "c")
    assert b.current == "/krj/sp500?sort=-c"
    assert aria_sorts(b) == ["c descending"]
    assert b.tickers() == shown(c, krjdata.sort_rows(c, c.rows, "c", True))
    click_sort(b, "c")
    assert b.current == "/krj/sp500"
    assert aria_sorts(b) == []
    assert b.tickers() == original
    assert not b.find(".so").is_displayed()


def test_sort_matches_server_for_every_column(browser, dash):
    """The JS order (ranks in data-r) is the server's order, both ways."""
    c = cat("sp500")
    b = browser.get("/krj/sp500")
    for col in c.columns:
        for desc in (False, True):
            b.js("""var a = document.querySelector(
                      'th[data-c="' + arguments[0] + '"] a');
                    a.click(); if (arguments[1]) { a.click(); }""", col, desc)
            want = shown(c, krjdata.sort_rows(c, c.rows, col, desc))
            assert b.tickers() == want, (col, desc)
            b.find(".so a").click()
            assert b.current == "/krj/sp500"


def test_empty_last_both_directions(browser):
    c = cat("ai_affected")
    b = browser.get("/krj/ai_affected")
    for col in ("market_cap_b", "operating_margin_change_2y",
                "free_cash_flow_b"):
        j = c.col(col)
        empties = [r[0] for r in c.rows if r[j] == ""]
        assert empties, col
        click_sort(b, col)
        asc = b.tickers()
        assert asc[-len(empties):] == empties, "ascending: empty last"
        assert asc == shown(c, krjdata.sort_rows(c, c.rows, col))
        click_sort(b, col)
        desc = b.tickers()
        assert desc[-len(empties):] == empties, "descending: empty last"
        assert desc == shown(c, krjdata.sort_rows(c, c.rows, col, True))
        click_sort(b, col)


def test_sort_links_are_the_servers(browser, dash):
    """After JS changes, header links and downloads equal the oracle's
    rendering of the same URL."""
    import krjdom
    b = browser.get("/krj/sp500")
    b.find('input[name=signal][value=Long]').click()
    click_sort(b, "vol_ratio")
    _, _, html = dash.site.get(b.current)
    doc = krjdom.parse(html)
    want = [a.attrs["href"] for a in doc.find("main").find("thead")
            .find_all("a")]
    got = b.js("""return Array.prototype.map.call(
        document.querySelectorAll('main table.t thead a'),
        function (a) { return a.getAttribute('href'); });""")
    assert got == want
    dl = [a.attrs["href"] for a in doc.find("p", cls="dl").find_all("a")]
    assert b.js("""return Array.prototype.map.call(
        document.querySelectorAll('.dl a'),
        function (a) { return a.getAttribute('href'); });""") == dl


def test_filter_counts_and_summary(browser, dash):
    c = cat("sp500")
    si = c.col("signal")
    b = browser.get("/krj/sp500")
    assert b.text(".cnt") == "503 of 503 rows"
    assert b.text(".sum") == "L:18(+1) | N:423(+4) | S:62(-5) | Tot:503"
    b.find('input[name=signal][value=Long]').click()
    b.find('input[name=signal][value=Short]').click()
    assert b.current == "/krj/sp500?signal=Long,Short"
    rows = [r for r in c.rows if r[si] in ("Long", "Short")]
    assert b.tickers() == shown(c, rows)
    assert b.text(".cnt") == "%d of 503 rows" % len(rows)
    want = krjdash.summary_text(krjdash.summary(
        dash.site.cats["sp500"],
        [i for i, r in enumerate(c.rows) if r[si] in ("Long", "Short")]))
    assert b.text(".sum") == want
    # the card's colours follow too
    assert b.js("return document.querySelector('.sum b').className") == "l"
    # either week, changed
    b.find('input[name=signal][value=Long]').click()
    b.find('input[name=signal][value=Short]').click()
    b.find('input[name=either][value=Long]').click()
    assert b.current == "/krj/sp500?either=Long"
    assert b.tickers() == oracle_rows(dash, "sp500", "either=Long")
    b.find('input[name=either][value=Long]').click()
    b.find('input[name=changed]').click()
    assert b.current == "/krj/sp500?changed=1"
    assert b.tickers() == oracle_rows(dash, "sp500", "changed=1")
    assert all("ch" in tr.get_attribute("class")
               for tr in b.finds("main tbody tr"))
    b.find('input[name=changed]').click()
    assert b.text(".cnt") == "503 of 503 rows"


def test_no_rows_message(browser):
    b = browser.get("/krj/drc")
    b.find('input[name=signal][value=Long]').click()
    assert b.tickers() == []
    assert b.find(".nr").is_displayed()
    assert b.text(".cnt") == "0 of 20 rows"
    b.find('input[name=signal][value=Long]').click()
    assert not b.find(".nr").is_displayed()


def test_search_as_you_type(browser, dash):
    c = cat("sp500")
    b = browser.get("/krj/sp500")
    box = b.find("input[name=ticker]")
    box.send_keys("AA")
    want = [t for t in shown(c, c.rows) if t.startswith("AA")]
    b.wait(lambda: b.tickers() == want, what="prefix AA")
    assert b.current == "/krj/sp500?ticker=" + ",".join(want)
    assert b.text(".cnt") == "%d of 503 rows" % len(want)
    box.send_keys("PL, msf")
    b.wait(lambda: b.tickers() == ["AAPL", "MSFT"], what="AAPL, msf")
    assert b.current == "/krj/sp500?ticker=AAPL,MSFT"
    # the URL reloads to the same rows (server: exact tickers)
    b.reload()
    assert b.tickers() == ["AAPL", "MSFT"]
    assert b.find("input[name=ticker]").get_attribute("value") == "AAPL,MSFT"


def test_search_fx_by_shown_ticker(browser):
    b = browser.get("/krj/etfs_fx")
    b.find("input[name=ticker]").send_keys("eur")
    b.wait(lambda: b.tickers() == ["EURUSD", "EURGBP"], what="EUR*")
    assert urllib.parse.unquote(b.current) == \
        "/krj/etfs_fx?ticker=c:EURUSD,c:EURGBP"
    b.reload()
    assert b.tickers() == ["EURUSD", "EURGBP"]


def test_column_chooser_survives_reload_and_resets(browser):
    c = cat("sp500")
    b = browser.get("/krj/sp500")
    b.find(".cc summary").click()
    b.find('.cc input[value="25DMA_shifted"]').click()
    b.find('.cc input[value="avg_trade_size"]').click()
    visible = [krjdash.KNOWN[n][0] for n in c.columns
               if n not in ("25DMA_shifted", "avg_trade_size")]
    assert b.header() == visible
    assert len(b.table()[0]) == len(visible)
    fields = ",".join(n for n in c.columns if n not in
                      ("ticker", "25DMA_shifted", "avg_trade_size"))
    assert b.current == "/krj/sp500?fields=" + fields
    assert "fields=ticker," + fields in b.find(".dl a").get_attribute("href")
    # a fresh visit of the plain URL: localStorage brings the choice back
    b.get("/krj/sp500")
    assert b.header() == visible
    assert b.current == "/krj/sp500?fields=" + fields
    # and it holds on the other tabs of the same schema
    b.get("/krj/sp100")
    assert "25DMA -3w" not in b.header()
    b.find(".cc summary").click()
    assert b.find(".rc").is_displayed()
    b.find(".rc").click()
    assert b.header() == [krjdash.KNOWN[n][0] for n in c.columns]
    assert b.current == "/krj/sp100"
    assert not b.find(".rc").is_displayed()
    b.get("/krj/sp500")
    assert b.current == "/krj/sp500"
    assert len(b.header()) == len(c.columns)


def test_ticker_cannot_be_hidden(browser):
    b = browser.get("/krj/sp500")
    b.find(".cc summary").click()
    tick = b.finds(".cc input")[0]
    assert tick.get_attribute("disabled") is not None
    assert tick.is_selected()


def test_state_url_reloads_same_view_without_js(browser, dash):
    """A view built with JS, loaded again by a browser without JS."""
    b = browser.get("/krj/sp500")
    b.find('input[name=either][value=Short]').click()
    click_sort(b, "long_signal_value")
    click_sort(b, "long_signal_value")
    b.find(".cc summary").click()
    b.find('.cc input[value="vol_ratio"]').click()
    with_js = b.table()
    url = b.current
    assert url == ("/krj/sp500?either=Short&sort=-long_signal_value&fields="
                   + ",".join(n for n in cat("sp500").columns
                              if n not in ("ticker", "vol_ratio")))
    nojs = dash.browser(js=False)
    nojs.get(url)
    assert nojs.table() == with_js
    assert nojs.header() == b.header()
    assert nojs.text(".cnt") == b.text(".cnt")
    assert nojs.text(".sum") == b.text(".sum")
    assert nojs.problems() == []
    # and with JS the reload is the same too
    b.reload()
    assert b.table() == with_js
    assert aria_sorts(b) == ["long_signal_value descending"]


def test_server_filtered_page_widens_from_server(browser, dash):
    """A page the server filtered does not hold the other rows: widening
    the filter loads the view from the server; narrowing stays local."""
    b = browser.get("/krj/sp500?signal=Long,Short")
    b.js("window.__same = 1")
    b.find('input[name=signal][value=Short]').click()
    assert b.current == "/krj/sp500?signal=Long"
    assert b.js("return window.__same") == 1, "narrowing is local"
    assert b.tickers() == oracle_rows(dash, "sp500", "signal=Long")
    b.find('input[name=signal][value=Neutral]').click()
    b.wait(lambda: b.js("return window.__same") is None, what="navigation")
    b.wait_ready()
    assert b.current == "/krj/sp500?signal=Long,Neutral"
    assert b.tickers() == oracle_rows(dash, "sp500", "signal=Long,Neutral")


def test_search_on_server_searched_page(browser, dash):
    """After a reload of ?ticker=..., typing loads all rows once and goes
    on locally with the typed text."""
    b = browser.get("/krj/sp500?ticker=AAPL")
    assert b.tickers() == ["AAPL"]
    box = b.find("input[name=ticker]")
    box.send_keys("\b\b\b\bMSF")
    b.wait(lambda: b.tickers() == ["MSFT"], timeout=8, what="MSF")
    assert b.current == "/krj/sp500?ticker=MSFT"
    assert b.find("input[name=ticker]").get_attribute("value") == "MSF"


def test_paged_view_sorts_on_the_server(browser, dash):
    b = browser.get("/krj/sp500?limit=10")
    assert b.tickers() == oracle_rows(dash, "sp500", "limit=10")
    click_sort(b, "c")
    b.wait(lambda: b.current == "/krj/sp500?sort=c&limit=10",
           what="server sort")
    b.wait_ready()
    assert b.tickers() == oracle_rows(dash, "sp500", "sort=c&limit=10")
    assert b.find(".pg a[rel=next]").get_attribute("href").endswith(
        "/krj/sp500?sort=c&limit=10&offset=10")
