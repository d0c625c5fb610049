"""GET /api/v1/signals/{slug}.csv: the validated CSV as published, byte for
byte the source file minus a UTF-8 BOM, and the same bytes as
latest_{slug}.csv; its sha256 is the one /categories lists."""

import hashlib

import krjdata
import krjenv
from krjassert import assert_security_headers, get_json

BOM = b"\xef\xbb\xbf"


def test_csv_equals_source(krj, model):
    for slug, m in model.items():
        resp = krj.get("/api/v1/signals/%s.csv" % slug)
        assert resp.status == 200, "%s.csv: 200" % slug
        assert resp.body == m.path.read_bytes(), \
            "%s.csv: the source file byte for byte" % slug
        assert resp.body == (krj.out / ("latest_%s.csv" % slug)).read_bytes(),\
            "%s.csv: the same bytes as latest_%s.csv" % (slug, slug)
        assert resp.headers.get("content-type", "").startswith("text/csv"), \
            "%s.csv: Content-Type text/csv" % slug
        assert int(resp.headers["content-length"]) == len(resp.body), \
            "%s.csv: Content-Length" % slug
        assert_security_headers(resp, slug + ".csv")


def test_csv_sha256_in_categories(krj, model):
    doc, _ = get_json(krj, "/api/v1/categories")
    for c in doc["categories"]:
        resp = krj.get("/api/v1/signals/%s.csv" % c["slug"])
        assert hashlib.sha256(resp.body).hexdigest() == c["sha256"], \
            "%s: /categories sha256 is the digest of .csv" % c["slug"]


def test_bom_dropped(make_krj):
    name = "KRJ_signals_latest_week_DRC_2026-01-09.csv"
    orig = (krjenv.DATA / name).read_bytes()
    k = make_krj(files=[], publish=False, start=False)
    k.add_file(name, BOM + orig)
    k.publish()
    k.start()
    resp = k.get("/api/v1/signals/drc.csv")
    assert resp.status == 200
    assert resp.body == orig, "a UTF-8 BOM is dropped, nothing else changes"
    doc, _ = get_json(k, "/api/v1/signals/drc")
    assert doc["columns"][0] == "ticker", "first column name without BOM"
    cats, _ = get_json(k, "/api/v1/categories")
    assert cats["categories"][0]["sha256"] == \
        hashlib.sha256(orig).hexdigest(), "sha256 of the BOM-less bytes"


def test_crlf_and_quoted_newlines(make_krj):
    # RFC 4180: CRLF records, quoted fields with commas, quotes, newlines.
    body = (b'ticker,note,c\r\n'
            b'AAA,"one, two",1.5\r\n'
            b'BBB,"say ""hi""",2\r\n'
            b'CCC,"line1\r\nline2",\r\n')
    k = make_krj(files=[], publish=False, start=False)
    k.add_file("KRJ_signals_latest_week_Quoted_2026-01-09.csv", body)
    k.publish()
    k.start()
    m = krjdata.newest(k.data)["quoted"]
    resp = k.get("/api/v1/signals/quoted.csv")
    assert resp.status == 200
    assert krjdata.parse_csv_bytes(resp.body) == [m.columns] + m.rows, \
        "the CSV served parses to the same table"
    raw = krjdata.loads_raw(k.get("/api/v1/signals/quoted").body)
    assert [krjdata.typed_obj(r) for r in raw["rows"]] == \
        [m.typed_row(r) for r in m.rows], \
        "quoted commas, quotes and newlines survive into JSON"
