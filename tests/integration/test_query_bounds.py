"""The query bounds (README, krj_max_limit, krj_max_offset,
krj_max_tickers, krj_max_fields): at the bound a query is answered as
without it, one over it is a 400 over_bound whose message names the
parameter, the bound and its directive; a limit or offset not given is not
bounded; the defaults; nginx -t refuses values out of range."""

import re

import pytest

import krjdata
import krjdom
import krjenv
from krjassert import assert_error
from test_query import check, check_csv

BOUNDS = ("    krj_max_limit 5;\n    krj_max_offset 10;\n"
          "    krj_max_tickers 2;\n    krj_max_fields 3;\n")

SP500 = "KRJ_signals_latest_week_SP500_2026-01-09.csv"


@pytest.fixture
def bounded(make_krj):
    k = make_krj(files=[SP500], http_extra=BOUNDS)
    return k, krjdata.newest(k.data)["sp500"]


def over(k, qs, param, bound, directive, got):
    for path in ("/api/v1/signals/sp500?", "/api/v1/signals/sp500.csv?"):
        err = assert_error(k.get(path + qs), 400, "over_bound", path + qs)
        msg = err["message"]
        assert '"%s"' % param in msg and directive in msg, \
            "%s: the message names the parameter and the directive: %r" % (
                qs, msg)
        assert re.search(r"\b%d\b" % bound, msg) and \
            re.search(r"\b%d\b" % got, msg), \
            "%s: the message says the bound and what was asked: %r" % (
                qs, msg)


def test_at_the_bounds(bounded):
    k, m = bounded
    t = [m.cell(r, "ticker") for r in m.rows[:2]]
    check(k, m, limit=5)
    check(k, m, offset=10, limit=5, sort="-vol_ratio")
    check(k, m, ticker=",".join(t))
    check(k, m, fields="ticker,signal,vol_ratio")
    check_csv(k, m, ticker=",".join(t), fields="ticker,signal,vol_ratio",
              limit=5, offset=10)


def test_over_the_bounds(bounded):
    k, m = bounded
    t = [m.cell(r, "ticker") for r in m.rows[:3]]
    over(k, "limit=6", "limit", 5, "krj_max_limit", 6)
    over(k, "signal=Long&limit=1000000", "limit", 5, "krj_max_limit",
         1000000)
    over(k, "offset=11", "offset", 10, "krj_max_offset", 11)
    over(k, "ticker=" + ",".join(t), "ticker", 2, "krj_max_tickers", 3)
    over(k, "fields=ticker,signal,vol_ratio,ticker", "fields", 3,
         "krj_max_fields", 4)


def test_items_counted_before_they_are_read(bounded):
    # one item too many is refused before any is looked up or checked:
    # an unknown column or an empty item among them is not the reason
    k, _ = bounded
    over(k, "fields=nope,nope,nope,nope", "fields", 3, "krj_max_fields", 4)
    over(k, "ticker=,,", "ticker", 2, "krj_max_tickers", 3)


def test_unbounded_when_not_given(bounded):
    # no limit: every matched row, as without the directives
    k, m = bounded
    doc = check(k, m, signal="Long")
    assert doc["count"] > 5, "no limit given: every matched row"
    check(k, m)


def test_range_errors_come_first(bounded):
    # a limit beyond the parser's own range stays a bad_parameter
    k, _ = bounded
    assert_error(k.get("/api/v1/signals/sp500?limit=1000001"), 400,
                 "bad_parameter")
    assert_error(k.get("/api/v1/signals/sp500?offset=abc"), 400,
                 "bad_parameter")


def test_defaults(make_krj):
    k = make_krj(files=[SP500])
    m = krjdata.newest(k.data)["sp500"]
    check(k, m, limit=10000, offset=4294967295)
    over(k, "limit=10001", "limit", 10000, "krj_max_limit", 10001)
    names = ["T%d" % i for i in range(101)]
    check(k, m, ticker=",".join(names[:100]))
    over(k, "ticker=" + ",".join(names), "ticker", 100, "krj_max_tickers",
         101)
    fields = ",".join(m.columns[i % len(m.columns)] for i in range(257))
    over(k, "fields=" + fields, "fields", 256, "krj_max_fields", 257)


DASH = krjenv.API_LOCATIONS + "        location /krj { krj_dashboard; }\n"


def test_dashboard_has_the_same_bounds(make_krj):
    # a dashboard page of a query is bounded as the API's answer: a 400
    # page whose error names the parameter's bound and its directive
    k = make_krj(files=[SP500], http_extra=BOUNDS, locations=DASH)
    for qs, bound, directive, got in (
            ("limit=6", 5, "krj_max_limit", 6),
            ("signal=Long&limit=1000000", 5, "krj_max_limit", 1000000),
            ("offset=11", 10, "krj_max_offset", 11),
            ("ticker=AAPL,MSFT,NVDA", 2, "krj_max_tickers", 3),
            ("fields=c,signal,vol_ratio,25DMA", 3, "krj_max_fields", 4)):
        r = k.get("/krj/sp500?" + qs)
        assert r.status == 400, "/krj/sp500?%s: HTTP %d" % (qs, r.status)
        err = krjdom.parse(r.body.decode()).find("p", cls="err")
        assert err is not None and err.attrs["data-code"] == "over_bound", qs
        text = err.text()
        assert directive in text and re.search(r"\b%d\b" % bound, text) \
            and re.search(r"\b%d\b" % got, text), \
            "%s: the page names the bound, its directive and what was " \
            "asked: %r" % (qs, text)
    for qs in ("limit=5", "offset=10&limit=5", "ticker=AAPL,MSFT",
               "fields=c,signal,vol_ratio"):
        assert k.get("/krj/sp500?" + qs).status == 200, \
            "/krj/sp500?%s: at the bound a page is shown" % qs
