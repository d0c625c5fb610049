"""Every JSON body ends with exactly one newline after its closing brace
(data bodies pre-rendered by krj-batch and rendered by the module, errors,
refusals, redirects, /health, /ready, the index), the JSON before it is
compact and unchanged, the pre-compressed bodies hold the newline, and a
snapshot published by a krj-batch that rendered the old way is replaced
by the next run even when the input did not change."""

import base64
import gzip
import hashlib
import json
import os
import struct

import pytest

from krjassert import get_json

KEY = "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")
DRC = "KRJ_signals_latest_week_DRC_2026-01-09.csv"
SP100 = "KRJ_signals_latest_week_SP100_2026-01-09.csv"


def assert_one_newline(resp, what):
    body = resp.body
    assert resp.headers["content-type"].startswith("application/json"), what
    assert body.endswith(b"}\n"), "%s: ends with }\\n: %r" % (what,
                                                              body[-20:])
    assert b"\n" not in body[:-1], \
        "%s: the newline is the only one, after the JSON" % what
    assert body.startswith(b"{"), "%s: nothing before the JSON" % what
    return json.loads(body[:-1])


PATHS = ["/api/v1/", "/api/v1/categories", "/api/v1/summary",
         "/api/v1/signals/sp500", "/api/v1/signals/ai_affected",
         "/api/v1/signals/sp500?limit=2&fields=ticker,c",
         "/api/v1/tickers/AAPL", "/health", "/ready"]
ERRORS = ["/api/v1/signals/nosuch", "/api/v1/signals/sp5",
          "/api/v1/signals/sp500?foo=1", "/api/v1/nosuch",
          "/api/v1/tickers/NOSUCH", "/api/v1/signals/SP500"]


@pytest.mark.parametrize("path", PATHS + ERRORS)
def test_json_bodies_end_with_one_newline(krj, path):
    r = krj.get(path)
    assert r.status in (200, 308, 400, 404), (path, r.status)
    assert_one_newline(r, path)
    h = krj.get(path, method="HEAD")
    assert h.body == b"" and h.headers["content-length"] == \
        str(len(r.body)), "HEAD %s: the length of the body with its newline"


def test_405_and_503_end_with_one_newline(krj, make_krj):
    assert_one_newline(krj.request("DELETE", "/api/v1/categories"), "405")
    k = make_krj(publish=False)
    for path in ("/api/v1/categories", "/ready"):
        r = k.get(path)
        assert r.status == 503
        assert_one_newline(r, "503 " + path)


def test_refusals_end_with_one_newline(make_krj, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text("drc:sha256:%s:drc\n"
                    % hashlib.sha256(KEY.encode()).hexdigest())
    k = make_krj(files=[DRC, SP100],
                 http_extra="    krj_key_file %s;\n" % keys,
                 locations="""
        location /api/v1/ {
            krj_auth key;
            krj_limit rate=1r/m burst=1 nodelay;
            krj_api;
        }
""")
    auth = {"Authorization": "Bearer " + KEY}
    r = k.get("/api/v1/summary")
    assert r.status == 401
    assert_one_newline(r, "401")
    r = k.get("/api/v1/signals/sp100", headers=auth)
    assert r.status == 403
    assert_one_newline(r, "403")
    for _ in range(3):
        r = k.get("/api/v1/summary", headers=auth)
        if r.status == 429:
            break
    assert r.status == 429, "past the burst of 1"
    assert_one_newline(r, "429")


def test_prerendered_and_gzip_bodies_hold_the_newline(krj, model):
    for slug in model:
        plain = krj.get("/api/v1/signals/" + slug)
        z = krj.get("/api/v1/signals/" + slug,
                    headers={"Accept-Encoding": "gzip"})
        assert z.headers.get("content-encoding") == "gzip", slug
        assert gzip.decompress(z.body) == plain.body, slug
        assert plain.body.endswith(b"]}\n"), slug
    for path in ("/api/v1/categories", "/api/v1/summary"):
        z = krj.get(path, headers={"Accept-Encoding": "gzip"})
        assert gzip.decompress(z.body).endswith(b"]}\n"), path


def test_rows_are_the_same_fragments(krj):
    # the rows inside /signals are the snapshot's row fragments: the row
    # of a filtered answer and of /tickers is a slice of the full body
    full = krj.get("/api/v1/signals/sp500").body
    one = krj.get("/api/v1/signals/sp500?ticker=AAPL").body
    ticker = krj.get("/api/v1/tickers/AAPL").body
    start = one.index(b'"rows":[') + len(b'"rows":[')
    row = one[start:-len(b"]}\n")]
    assert row.startswith(b'{"ticker":"AAPL",') and row.endswith(b"}"), row
    assert b"[" + row + b"]" in full or b"," + row + b"," in full \
        or b"[" + row + b"," in full or b"," + row + b"]" in full, \
        "the filtered row is a row of the full body, byte for byte"
    assert b'"row":' + row + b"}" in ticker, "and the row of /tickers"


def _digest(data_dir, rendering=None, history_weeks=52):
    """krj-batch's input digest: SHA-256 over slug, date, source file and
    CSV digest, each with its NUL, in slug order; since the rendering is
    part of it, with the rendering first, then --history-weeks (as
    "history-weeks=N"), then the digests of the dashboard's assets
    (dashboard/krj.css, .js, .svg) that krj-batch builds in.  Without:
    what an older krj-batch wrote."""
    import krjdata
    from krjenv import REPO
    md = hashlib.sha256()
    if rendering is not None:
        md.update(rendering.encode() + b"\0")
        md.update(b"history-weeks=%d\0" % history_weeks)
        for name in ("krj.css", "krj.js", "krj.svg"):
            asset = (REPO / "dashboard" / name).read_bytes()
            md.update(hashlib.sha256(asset).hexdigest().encode() + b"\0")
    for slug, m in sorted(krjdata.newest(data_dir).items()):
        for s in (slug, m.signal_date, m.source_file, m.sha256):
            md.update(s.encode() + b"\0")
    return md.digest()


def _rendering():
    from krjenv import REPO
    import re
    h = (REPO / "batch-plugin" / "krj_snapshot_write.h").read_text()
    return re.search(r'#define KRJ_SNAP_RENDERING\s+"([^"]+)"', h).group(1)


def test_old_rendering_is_republished(make_krj):
    k = make_krj(files=[DRC, SP100], start=False)
    again = k.run_batch("run")
    assert again.returncode == 0 and "unchanged" in again.stderr, \
        "the same input is not published twice: %s" % again.stderr
    before = k.snapshot.read_bytes()
    assert before[72:104] == _digest(k.data, _rendering()), \
        "the input digest is made as _digest() makes it"
    # make the snapshot one an older krj-batch would have left: its input
    # digest without the rendering, the checksum made to match
    data = bytearray(before)
    data[72:104] = _digest(k.data)
    data[24:56] = hashlib.sha256(bytes(data[56:])).digest()
    assert struct.unpack_from("<I", data, 56)[0] == 0x01020304, \
        "byte_order where the header says it is"
    k.snapshot.write_bytes(bytes(data))
    assert k.run_batch("status").returncode == 0, "still a valid snapshot"
    r = k.run_batch("run")
    assert r.returncode == 0 and "unchanged" not in r.stderr, \
        "an old rendering of the same input is replaced: %s" % r.stderr
    assert k.snapshot.read_bytes()[72:104] == before[72:104], \
        "with the digest of this krj-batch"
    k.start()
    doc, resp = get_json(k, "/api/v1/categories")
    assert resp.body.endswith(b"}\n") and "glossary" in doc["categories"][0]
