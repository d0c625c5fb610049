"""GET /api/v1/tickers/{ticker}: that ticker in every category, one result
per row, categories in slug order, case-insensitive; 404 unknown_ticker."""

import urllib.parse

import pytest

import krjdata
from krjassert import ISO_UTC, assert_error, get_json


def expected(model, ticker):
    out = []
    for slug in sorted(model):
        m = model[slug]
        for r in m.rows:
            if m.cell(r, "ticker").upper() == ticker.upper():
                out.append((m, r))
    return out


@pytest.mark.parametrize("ticker", ["AAPL", "aapl", "LLY", "A", "c:EURUSD",
                                    "KVYO", "BMNR"])
def test_ticker(krj, model, ticker):
    path = "/api/v1/tickers/" + urllib.parse.quote(ticker, safe=":")
    resp = krj.get(path)
    assert resp.status == 200, "%s: 200, %r" % (path, resp.body[:200])
    doc = krjdata.loads(resp.body)
    raw = krjdata.loads_raw(resp.body)
    want = expected(model, ticker)
    assert want, "fixture holds %s" % ticker
    assert {"ticker", "generated_at", "count", "results"} <= set(doc), \
        "%s: body fields" % path
    assert doc["ticker"].upper() == ticker.upper(), "%s: ticker" % path
    assert ISO_UTC.match(doc["generated_at"]), "%s: generated_at" % path
    assert doc["count"] == len(want) == len(doc["results"]), \
        "%s: one result per row holding the ticker" % path
    for (m, r), res, rawres in zip(want, doc["results"], raw["results"]):
        assert res["category"] == m.slug, "%s: categories in slug order" % path
        assert res["label"] == m.label, "%s: label" % path
        assert res["signal_date"] == m.signal_date, "%s: signal_date" % path
        assert krjdata.typed_obj(rawres["row"]) == m.typed_row(r), \
            "%s: the row in %s, typed" % (path, m.slug)


def test_case_insensitive_same_answer(krj):
    a, _ = get_json(krj, "/api/v1/tickers/AAPL")
    b, _ = get_json(krj, "/api/v1/tickers/aApL")
    assert a["results"] == b["results"], "ticker lookup is case-insensitive"


def test_duplicate_ticker_listed_twice(krj, model):
    d, _ = get_json(krj, "/api/v1/tickers/LLY")
    eq = [x for x in d["results"] if x["category"] == "equities"]
    assert len(eq) == 2, "LLY is twice in Equities, so twice in results"


@pytest.mark.parametrize("ticker", ["NOSUCH", "AAPLX", "AAP", "%41APLX", "x" * 300])
def test_unknown_ticker(krj, ticker):
    err = assert_error(krj.get("/api/v1/tickers/" + ticker), 404,
                       "unknown_ticker", "ticker " + ticker[:20])


def test_tickers_without_name(krj):
    assert_error(krj.get("/api/v1/tickers/"), 404, None, "/tickers/")


def test_percent_encoded_path(krj, model):
    a, _ = get_json(krj, "/api/v1/tickers/c%3AEURUSD")
    b, _ = get_json(krj, "/api/v1/tickers/c:EURUSD")
    assert a["results"] == b["results"] and a["count"] >= 1, \
        "the path is percent-decoded before the lookup"
