"""Query parameters on /api/v1/signals/{slug} and .csv: ticker, signal,
prior, either, changed, fields, sort, limit, offset, their combinations,
and every 400 the README names.  Expected rows come from an independent
parse."""

import time
import urllib.parse

import pytest

import krjdata
from krjassert import assert_error, get_json, get_raw_json


def expect(m, ticker=None, signal=None, prior=None, either=None,
           changed=None, fields=None, sort=None, limit=None, offset=None):
    """(matched rows, page rows, columns) per README."""
    rows = list(m.rows)
    if ticker is not None:
        want = {t.upper() for t in ticker.split(",")}
        rows = [r for r in rows if m.cell(r, "ticker").upper() in want]
    if signal is not None:
        want = {s.lower() for s in signal.split(",")}
        rows = [r for r in rows if m.cell(r, "signal").lower() in want]
    if prior is not None:
        want = {s.lower() for s in prior.split(",")}
        rows = [r for r in rows
                if m.cell(r, "signal_status_prior_week").lower() in want]
    if either is not None:
        # the original's "Either Week": this week's or last week's signal
        want = {s.lower() for s in either.split(",")}
        rows = [r for r in rows
                if m.cell(r, "signal").lower() in want
                or m.cell(r, "signal_status_prior_week").lower() in want]
    if changed is not None:
        # 1/true: signal differs from the prior week's; 0/false: it does not
        want = changed in ("1", "true")
        rows = [r for r in rows if (m.cell(r, "signal")
                != m.cell(r, "signal_status_prior_week")) == want]
    if sort:
        rows = krjdata.sort_rows(m, rows, sort.lstrip("-"),
                                 desc=sort.startswith("-"))
    matched = rows
    page = rows[offset or 0:]
    if limit is not None:
        page = page[:limit]
    return matched, page, (fields.split(",") if fields else m.columns)


def check(krj, m, **q):
    """GET with query q; compare the whole body with expect()."""
    qs = urllib.parse.urlencode({k: v for k, v in q.items()})
    path = "/api/v1/signals/%s?%s" % (m.slug, qs)
    raw, resp = get_raw_json(krj, path)
    doc = krjdata.loads(resp.body)
    matched, page, cols = expect(m, **q)
    assert doc["columns"] == cols, "%s: columns = fields, in order" % path
    assert doc["matched"] == len(matched), \
        "%s: matched = rows matching the filters before offset/limit" % path
    assert doc["count"] == len(page) == len(doc["rows"]), \
        "%s: count = rows returned" % path
    assert doc["summary"] == m.summary(matched), \
        "%s: summary counts over the matched rows" % path
    got = [krjdata.typed_obj(r) for r in raw["rows"]]
    want = [m.typed_row(r, cols) for r in page]
    assert got == want, "%s: rows (order, keys, typed values)" % path
    return doc


def check_csv(krj, m, **q):
    qs = urllib.parse.urlencode(q)
    path = "/api/v1/signals/%s.csv?%s" % (m.slug, qs)
    resp = krj.get(path)
    assert resp.status == 200, "%s: HTTP %d %r" % (path, resp.status,
                                                   resp.body[:200])
    assert resp.headers.get("content-type", "").startswith("text/csv"), \
        "%s: text/csv" % path
    table = krjdata.parse_csv_bytes(resp.body)
    matched, page, cols = expect(m, **q)
    assert table[0] == cols, "%s: header = the selected columns" % path
    idx = [m.columns.index(c) for c in cols]
    assert table[1:] == [[r[i] for i in idx] for r in page], \
        "%s: the selected rows and cells as CSV" % path


# ticker

def test_ticker_one(krj, model):
    d = check(krj, model["sp500"], ticker="AAPL")
    assert d["count"] == 1, "AAPL is in SP500 once"


def test_ticker_list_case_insensitive(krj, model):
    d = check(krj, model["sp500"], ticker="aapl,Msft,NOSUCH")
    assert d["count"] == 2, "list is OR, case-insensitive, unknown ignored"


def test_ticker_list_trimmed(krj, model):
    # "AAPL, MSFT" as a person types it: the spaces are no part of a ticker
    want = check(krj, model["sp500"], ticker="AAPL,MSFT")
    for qs in ("ticker=AAPL,%20MSFT", "ticker=%20AAPL%20,MSFT%09",
               "ticker=AAPL,%20%20MSFT"):
        d, _ = get_json(krj, "/api/v1/signals/sp500?" + qs)
        assert d["rows"] == want["rows"] and d["count"] == 2, qs
    d, _ = get_json(krj, "/api/v1/signals/sp500?signal=Long,%20Short")
    assert d["count"] == check(krj, model["sp500"],
                               signal="Long,Short")["count"]


def test_ticker_duplicate_rows_kept(krj, model):
    d = check(krj, model["equities"], ticker="LLY")
    assert d["count"] == 2, "LLY is listed twice in Equities"


def test_ticker_none_matches(krj, model):
    d = check(krj, model["sp500"], ticker="NOSUCH")
    assert d["count"] == 0 and d["rows"] == [], "no match: empty rows, 200"


def test_ticker_with_colon(krj, model):
    check(krj, model["etfs_fx"], ticker="c:EURUSD")


# signal / prior / changed

@pytest.mark.parametrize("value", ["Long", "Short", "Neutral", "Long,Short",
                                   "long", "SHORT,neutral"])
def test_signal(krj, model, value):
    check(krj, model["sp500"], signal=value)


@pytest.mark.parametrize("value", ["Neutral", "Long,Short", "short"])
def test_prior(krj, model, value):
    check(krj, model["sp500"], prior=value)


@pytest.mark.parametrize("value", ["1", "true"])
def test_changed(krj, model, value):
    d = check(krj, model["sp500"], changed=value)
    assert d["matched"] > 0, "some SP500 signals changed this week"


@pytest.mark.parametrize("value", ["0", "false"])
def test_changed_off(krj, model, value):
    # README: `1`/`true` or `0`/`false`; read (as the module does) as "only
    # rows whose signal equals the prior week's".
    m = model["sp500"]
    d = check(krj, m, changed=value)
    assert 0 < d["matched"] < len(m.rows), "changed=0 keeps unchanged rows"


@pytest.mark.parametrize("value", ["Long", "short", "Long,Short",
                                   "Neutral,Long,Short"])
def test_either(krj, model, value):
    d = check(krj, model["sp500"], either=value)
    check_csv(krj, model["sp500"], either=value)
    si = model["sp500"].col("signal")
    pi = model["sp500"].col("signal_status_prior_week")
    # wider than either column alone, as "Either Week" is
    for col in (si, pi):
        alone = [r for r in model["sp500"].rows
                 if r[col].lower() in value.lower().split(",")]
        assert d["matched"] >= len(alone)


def test_either_with_other_filters(krj, model):
    check(krj, model["sp500"], either="Short", signal="Neutral",
          sort="-vol_ratio")
    check(krj, model["equities"], either="Long", changed="1", limit=3)


def test_signal_and_prior_and(krj, model):
    check(krj, model["sp500"], signal="Short", prior="Neutral")


# fields

def test_fields(krj, model):
    check(krj, model["sp500"], fields="ticker,c")


def test_fields_reordered(krj, model):
    check(krj, model["sp500"], fields="signal,ticker,25DMA")


# sort

@pytest.mark.parametrize("col", ["c", "-c", "ticker", "-ticker",
                                 "long_signal_value", "-long_signal_value",
                                 "signal", "-signal"])
def test_sort(krj, model, col):
    check(krj, model["sp500"], sort=col)


@pytest.mark.parametrize("col", ["ai_rationale", "-ai_rationale",
                                 "market_cap_b", "-market_cap_b"])
def test_sort_empty_last(krj, model, col):
    m = model["ai_affected"]
    i = m.columns.index(col.lstrip("-"))
    check(krj, m, sort=col)
    d, _ = get_json(krj, "/api/v1/signals/ai_affected?sort=" + col)
    assert d["rows"][-1][col.lstrip("-")] is None \
        or all(r[i] != "" for r in m.rows), "empty cells sort last"


# limit / offset

@pytest.mark.parametrize("limit,offset", [(0, None), (1, None), (5, None),
                                          (10000, None), (None, 10),
                                          (5, 10), (5, 500), (None, 503),
                                          (None, 600), (0, 0),
                                          (None, 4294967295)])
def test_limit_offset(krj, model, limit, offset):
    q = {}
    if limit is not None:
        q["limit"] = limit
    if offset is not None:
        q["offset"] = offset
    check(krj, model["sp500"], **q)


def test_combination(krj, model):
    check(krj, model["sp500"], signal="Short,Long", prior="Neutral",
          sort="-c", fields="ticker,c,signal", limit=5, offset=2)


def test_combination_changed_sorted(krj, model):
    check(krj, model["sp100"], changed="1", sort="ticker", limit=3)


def test_percent_decoded(krj, model):
    m = model["sp500"]
    d, _ = get_json(krj, "/api/v1/signals/sp500?ticker=%41APL&fields=%74icker")
    assert d["columns"] == ["ticker"], "fields value percent-decoded"
    assert [r["ticker"] for r in d["rows"]] == ["AAPL"], \
        "ticker value percent-decoded"


# .csv with the same parameters

@pytest.mark.parametrize("q", [
    {"ticker": "AAPL,MSFT"},
    {"signal": "Short", "sort": "-c", "limit": 7},
    {"fields": "c,ticker", "offset": 495},
    {"changed": "1", "fields": "ticker,signal,signal_status_prior_week"},
])
def test_csv_query(krj, model, q):
    check_csv(krj, model["sp500"], **q)


def test_csv_query_quoted_text(krj, model):
    check_csv(krj, model["ai_affected"], fields="ticker,ai_rationale",
              sort="-ai_rationale")


# errors

@pytest.mark.parametrize("qs,code", [
    ("foo=1", "unknown_parameter"),
    ("limit=1&limit=2", None),
    ("ticker=A&ticker=B", None),
    ("fields=nosuch", "unknown_column"),
    ("fields=ticker,nosuch", "unknown_column"),
    ("sort=nosuch", "unknown_column"),
    ("sort=-nosuch", "unknown_column"),
    ("signal=Bogus", "bad_parameter"),
    ("signal=Long,Bogus", "bad_parameter"),
    ("prior=Bogus", "bad_parameter"),
    ("either=Bogus", "bad_parameter"),
    ("either=", "bad_parameter"),
    ("either=Long&either=Short", None),
    ("changed=2", "bad_parameter"),
    ("changed=yes", "bad_parameter"),
    ("limit=-1", "bad_parameter"),
    ("limit=abc", "bad_parameter"),
    ("limit=1e3", "bad_parameter"),
    ("limit=+5", "bad_parameter"),
    ("limit=1.0", "bad_parameter"),
    ("limit=", "bad_parameter"),
    ("limit=1000001", "bad_parameter"),
    ("offset=-1", "bad_parameter"),
    ("offset=99999999999999999999", "bad_parameter"),
    ("limit=18446744073709551617", "bad_parameter"),
    ("offset=18446744073709551616", "bad_parameter"),
    ("offset=abc", "bad_parameter"),
    ("offset=1e3", "bad_parameter"),
    ("ticker=%ZZ", "bad_parameter"),
    ("ticker=%4", "bad_parameter"),
    ("ticker=A%", "bad_parameter"),
    ("fields=%G1", "bad_parameter"),
])
def test_bad_query(krj, qs, code):
    for path in ("/api/v1/signals/sp500?", "/api/v1/signals/sp500.csv?"):
        assert_error(krj.get(path + qs), 400, code, path + qs)


def test_unknown_parameter_message_names_it(krj):
    err = assert_error(krj.get("/api/v1/signals/sp500?frobnicate=1"), 400,
                       "unknown_parameter")
    assert "frobnicate" in err["message"], "message names the parameter"


def test_filter_on_missing_column(make_krj):
    # A category without signal columns: filters on them are a 400, its
    # summary is all zeros.
    k = make_krj(files=["KRJ_signals_latest_week_SP100_2026-01-09.csv"],
                 publish=False, start=False)
    k.add_file("KRJ_signals_latest_week_Plain_2026-01-09.csv",
               b"ticker,c\nAAA,1\nBBB,2\n")
    k.publish()
    k.start()
    d, _ = get_json(k, "/api/v1/signals/plain")
    assert d["summary"] == {"total": 2, "long": 0, "neutral": 0, "short": 0,
                            "prior": {"long": 0, "neutral": 0, "short": 0},
                            "delta": {"long": 0, "neutral": 0, "short": 0}}, \
        "no signal columns: summary counts 0, total counts rows"
    for qs in ("signal=Long", "prior=Long", "changed=1"):
        assert_error(k.get("/api/v1/signals/plain?" + qs), 400, None,
                     "filter on a column plain does not have: " + qs)
    # either needs both signal columns: one is not enough
    k.add_file("KRJ_signals_latest_week_Half_2026-01-09.csv",
               b"ticker,signal\nAAA,Long\nBBB,Short\n")
    k.publish()
    deadline = time.time() + 10
    while k.get("/api/v1/signals/half").status != 200:
        assert time.time() < deadline, "half not served"
        time.sleep(0.1)
    assert_error(k.get("/api/v1/signals/plain?either=Long"), 400,
                 "unknown_column", "either on no signal column")
    err = assert_error(k.get("/api/v1/signals/half?either=Long"), 400,
                       "unknown_column", "either without the prior week")
    assert "signal_status_prior_week" in err["message"]


def test_sort_semantics(make_krj):
    # numbers as numbers, text as bytes, numbers before text, empty last,
    # ties in file order (a crafted file, checked cell by cell).
    body = (b"ticker,v\n"
            b"T1,10\nT2,9\nT3,\nT4,abc\nT5,1e1\nT6,-2\nT7,Abc\nT8,2.5\n"
            b"T9,\nT10,10\nT11,-0.5\nT12,abc\n")
    k = make_krj(files=[], start=False, publish=False)
    k.add_file("KRJ_signals_latest_week_Sorty_2026-01-09.csv", body)
    k.publish()
    k.start()
    m = krjdata.newest(k.data)["sorty"]
    d, _ = get_json(k, "/api/v1/signals/sorty?sort=v&fields=ticker")
    assert [r["ticker"] for r in d["rows"]] == \
        ["T6", "T11", "T8", "T2", "T1", "T5", "T10", "T7", "T4", "T12",
         "T3", "T9"], "ascending: -2 -0.5 2.5 9 10 1e1 10 Abc abc abc, " \
        "then empties, ties in file order"
    assert [r[0] for r in krjdata.sort_rows(m, m.rows, "v")] == \
        [r["ticker"] for r in d["rows"]], "model agrees"
    d, _ = get_json(k, "/api/v1/signals/sorty?sort=-v&fields=ticker")
    got = [r["ticker"] for r in d["rows"]]
    assert got[-2:] == ["T3", "T9"], "descending: empties still last"
    nums = [t for t in got if t in ("T1", "T2", "T5", "T6", "T8", "T10",
                                     "T11")]
    assert nums == ["T1", "T5", "T10", "T2", "T8", "T11", "T6"], \
        "descending numbers by value, ties (10, 1e1, 10) in file order"
    texts = [t for t in got if t in ("T4", "T7", "T12")]
    assert texts == ["T4", "T12", "T7"], \
        "descending text by bytes, ties in file order"


# shapes of query strings the README does not spell out: each answer must
# be either a correct 200 or a well-formed 400, never anything else

@pytest.mark.parametrize("qs", [
    "", "&", "&&limit=2", "limit=2&", "=", "=x", "limit", "limit=2&=",
    "ticker=", "ticker=,", "ticker=A,,B", "fields=", "fields=ticker,",
    "fields=ticker,ticker", "sort=", "sort=-", "sort=--c", "signal=",
    "signal=Long,", "changed=", "ticker=%", "ticker=%%", "ticker=%2",
    "ticker=a+b", "ticker=AAPL%2CMSFT", "fields=" + ",".join(["c"] * 500),
    "ticker=" + ",".join("T%d" % i for i in range(500)),
    "LIMIT=1", "limit=00", "limit=0000000000000000000001",
], ids=lambda q: q[:40])
def test_query_shapes(krj, model, qs):
    m = model["sp500"]
    resp = krj.get("/api/v1/signals/sp500?" + qs)
    assert resp.status in (200, 400), "%r: 200 or 400, got %d" % (
        qs, resp.status)
    if resp.status == 400:
        assert_error(resp, 400, None, qs)
        return
    doc = krjdata.loads_raw(resp.body)
    cols = [str(c) for c in doc["columns"]]
    assert set(cols) <= set(m.columns), "%r: known columns only" % qs
    full = {tuple(m.typed_row(r, cols)) for r in m.rows}
    for r in doc["rows"]:
        assert tuple(krjdata.typed_obj(r)) in full, \
            "%r: every row is a row of the file" % qs


def test_long_query_string(krj):
    # 6 KB of query, within nginx's default 8k request line buffers
    qs = "ticker=" + ",".join(["AAPL"] * 1200)
    resp = krj.get("/api/v1/signals/sp500?" + qs)
    assert resp.status in (200, 400), "long ticker list answered"
    if resp.status == 200:
        assert krjdata.loads(resp.body)["count"] == 1, \
            "a ticker listed many times still matches its row once"
