"""GET /api/v1/signals/{slug}: the full body of every category, every field
checked against an independent csv-module parse; cells typed per README (a
valid JSON number is that number byte for byte, empty is null, else a
string)."""

import re

import pytest

import krjdata
from krjassert import ISO_UTC, assert_error, get_json, get_raw_json


def full(krj, slug):
    raw, resp = get_raw_json(krj, "/api/v1/signals/" + slug)
    doc = krjdata.loads(resp.body)
    return doc, raw, resp


def test_every_category_full_body(krj, model):
    for slug, m in model.items():
        doc, raw, _ = full(krj, slug)
        keys = ["category", "label", "signal_date", "generated_at",
                "columns", "count", "matched", "summary", "rows"]
        assert set(keys) <= set(doc), "%s: body fields %s missing" % (
            slug, set(keys) - set(doc))
        assert doc["category"] == slug, "%s: category is the slug" % slug
        assert doc["label"] == m.label, "%s: label" % slug
        assert doc["signal_date"] == m.signal_date, "%s: signal_date" % slug
        assert ISO_UTC.match(doc["generated_at"]), \
            "%s: generated_at UTC ISO 8601" % slug
        assert doc["columns"] == m.columns, "%s: columns = header" % slug
        assert type(doc["count"]) is int and doc["count"] == len(m.rows), \
            "%s: count = number of row objects (all rows)" % slug
        assert type(doc["matched"]) is int and doc["matched"] == len(m.rows),\
            "%s: matched = all rows when unfiltered" % slug
        assert len(doc["rows"]) == doc["count"], "%s: count = len(rows)" % slug
        assert doc["summary"] == m.summary(), \
            "%s: summary counts over all rows, prior and delta" % slug
        got = [krjdata.typed_obj(r) for r in raw["rows"]]
        want = [m.typed_row(r) for r in m.rows]
        for i, (g, w) in enumerate(zip(got, want)):
            assert g == w, "%s row %d (file line %d): typed cells, keys in " \
                "column order" % (slug, i, i + 2)


def test_numbers_are_byte_for_byte(krj, model):
    # Look at the raw response text: a long float such as
    # 147.46280000000002 must not be reformatted or rounded.
    m = model["sp500"]
    resp = krj.get("/api/v1/signals/sp500")
    text = resp.body.decode()
    checked = 0
    for row in m.rows[:20]:
        for col, cell in zip(m.columns, row):
            if krjdata.is_number_text(cell) and len(cell) > 12:
                needle = '"%s":%s' % (col, cell)
                assert needle in text, \
                    "raw JSON holds %s exactly as in the CSV" % needle
                checked += 1
    assert checked > 20, "enough long numbers were probed"


def test_strings_and_nulls(krj, model):
    # AI_Affected holds long quoted text with commas, and empty cells.
    m = model["ai_affected"]
    doc, raw, _ = full(krj, "ai_affected")
    empties = [(i, c) for i, r in enumerate(m.rows)
               for c, v in zip(m.columns, r) if v == ""]
    assert empties, "fixture has empty cells"
    for i, c in empties:
        assert c in doc["rows"][i] and doc["rows"][i][c] is None, \
            "empty cell row %d %s is null" % (i, c)
    commas = [(i, c, v) for i, r in enumerate(m.rows)
              for c, v in zip(m.columns, r) if "," in v]
    assert commas, "fixture has quoted cells with commas"
    for i, c, v in commas:
        assert doc["rows"][i][c] == v, "quoted cell row %d %s kept whole" % (
            i, c)


def test_ticker_cells_are_strings(krj, model):
    # c:EURUSD, and tickers that look like numbers would not be text.
    doc, raw, _ = full(krj, "etfs_fx")
    for row, r in zip(model["etfs_fx"].rows, raw["rows"]):
        assert krjdata.typed_value(r["ticker"]) == krjdata.typed(row[0]), \
            "ticker %s typed per README" % row[0]


def test_content_type_and_length(krj, model):
    resp = krj.get("/api/v1/signals/sp100")
    assert resp.status == 200
    assert resp.headers.get("content-type", "").startswith(
        "application/json"), "JSON content type"
    assert int(resp.headers["content-length"]) == len(resp.body), \
        "Content-Length is the body length"


@pytest.mark.parametrize("path,code", [
    ("/api/v1/signals/sp400", "unknown_category"),
    ("/api/v1/signals/sp400.csv", "unknown_category"),
    ("/api/v1/signals/", None),
    ("/api/v1/nosuch", "not_found"),
    ("/api/v1/signals/sp500/extra", None),
    ("/api/v1/signals/sp500.json", None),
])
def test_not_found(krj, path, code):
    assert_error(krj.get(path), 404, code, "GET " + path)


def test_unknown_category_message_names_it(krj):
    err = assert_error(krj.get("/api/v1/signals/sp400"), 404,
                       "unknown_category")
    assert "sp400" in err["message"], "message names the category"


def test_cell_typing_edges(make_krj):
    # README: text that is a valid JSON number is that number byte for
    # byte; a number too large for a double stays a string; empty is null;
    # anything else (leading +, leading zero, hex, nan, spaces) a string.
    cells = ["0", "-0", "1.0", "1e5", "1E+5", "-1.5e-7", "1e308", "1e999",
             "-1e999", "1e-999", "123456789012345678901234567890", "+1",
             "01", ".5", "5.", "0x10", "nan", "Infinity", " 1", "1 ", "",
             "-", "1e", "\u00e9t\u00e9", 'say "hi"', "back\\slash",
             "tab\there", "1,5"]
    lines = ["ticker,v"]
    for i, c in enumerate(cells):
        q = '"%s"' % c.replace('"', '""') if any(x in c for x in ',"') \
            else c
        lines.append("T%d,%s" % (i, q))
    k = make_krj(files=[], publish=False, start=False)
    k.add_file("KRJ_signals_latest_week_Typing_2026-01-09.csv",
               ("\n".join(lines) + "\n").encode())
    k.publish()
    k.start()
    m = krjdata.newest(k.data)["typing"]
    assert [r[1] for r in m.rows] == cells, "the model parsed the file"
    raw, resp = get_raw_json(k, "/api/v1/signals/typing")
    for r, cell in zip(raw["rows"], cells):
        assert krjdata.typed_value(r["v"]) == krjdata.typed(cell), \
            "cell %r typed per README" % cell
    # and in the pre-rendered /tickers answer
    raw, _ = get_raw_json(k, "/api/v1/tickers/T7")
    assert krjdata.typed_value(raw["results"][0]["row"]["v"]) == \
        ("str", "1e999"), "1e999 is a string in /tickers too"
