"""Response headers: security headers on every krj response (errors and
304 included), ETag / If-None-Match, Last-Modified, Cache-Control, Vary,
pre-compressed gzip, br and zstd, HEAD, and 405 with Allow."""

import email.utils
import datetime
import gzip
import socket
import subprocess

import brotli
import pytest

import krjdata
import krjenv
from krjenv import parse_response, raw_http

from krjassert import assert_error, assert_security_headers, get_json

DATA_PATHS = ["/api/v1/categories", "/api/v1/summary",
              "/api/v1/signals/sp500", "/api/v1/signals/sp500.csv",
              "/api/v1/tickers/AAPL", "/api/v1/signals/sp500?limit=3",
              "/api/v1/"]
UNFILTERED = DATA_PATHS[:4]
ALL_PATHS = DATA_PATHS + ["/health", "/ready", "/api/v1/signals/nosuch",
                          "/api/v1/nosuch", "/api/v1/signals/sp500?foo=1",
                          "/api/v1/tickers/NOSUCH"]


@pytest.mark.parametrize("path", ALL_PATHS)
def test_security_headers(krj, path):
    assert_security_headers(krj.get(path), "GET " + path)


@pytest.mark.parametrize("path", DATA_PATHS)
def test_cache_headers(krj, path):
    r = krj.get(path)
    assert r.status == 200
    cc = [x.strip() for x in r.headers.get("cache-control", "").split(",")]
    assert "private" in cc and "no-cache" in cc, \
        "%s: Cache-Control: private, no-cache" % path
    assert "Accept-Encoding" in r.headers.get("vary", ""), \
        "%s: Vary: Accept-Encoding" % path
    assert r.headers.get("etag"), "%s: ETag" % path
    assert r.headers.get("last-modified"), "%s: Last-Modified" % path


def test_last_modified_is_publication_time(krj):
    doc, r = get_json(krj, "/api/v1/categories")
    lm = email.utils.parsedate_to_datetime(r.headers["last-modified"])
    gen = datetime.datetime.strptime(doc["generated_at"],
                                     "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc)
    assert lm == gen, "Last-Modified = generated_at (publication time)"


@pytest.mark.parametrize("path", DATA_PATHS)
def test_etag_304(krj, path):
    r = krj.get(path)
    etag = r.headers["etag"]
    r2 = krj.get(path, headers={"If-None-Match": etag})
    assert r2.status == 304, "%s: If-None-Match with its ETag -> 304" % path
    assert r2.body == b"", "%s: 304 has no body" % path
    assert r2.headers.get("etag") == etag, "%s: 304 repeats the ETag" % path
    assert_security_headers(r2, "304 " + path)
    r3 = krj.get(path, headers={"If-None-Match": '"other", ' + etag})
    assert r3.status == 304, "%s: ETag in a list -> 304" % path
    r4 = krj.get(path, headers={"If-None-Match": '"not-the-etag"'})
    assert r4.status == 200 and r4.body == r.body, \
        "%s: another ETag -> 200 with the body" % path


def test_etag_differs_per_variant(krj):
    tags = {}
    for path, h in [("/api/v1/signals/sp500", {}),
                    ("/api/v1/signals/sp500", {"Accept-Encoding": "gzip"}),
                    ("/api/v1/signals/sp500.csv", {}),
                    ("/api/v1/signals/sp500?limit=3", {}),
                    ("/api/v1/signals/sp500?limit=4", {}),
                    ("/api/v1/signals/sp100", {}),
                    ("/api/v1/categories", {})]:
        tags[(path, tuple(h.items()))] = krj.get(path, headers=h).headers[
            "etag"]
    assert len(set(tags.values())) == len(tags), \
        "ETag differs by path, query and encoding: %r" % tags


def test_etag_stable(krj):
    a = krj.get("/api/v1/signals/sp500?limit=3").headers["etag"]
    b = krj.get("/api/v1/signals/sp500?limit=3").headers["etag"]
    assert a == b, "same variant, same snapshot: same ETag"


@pytest.mark.parametrize("path", UNFILTERED)
def test_gzip(krj, path):
    plain = krj.get(path)
    assert "content-encoding" not in plain.headers, \
        "%s: no Accept-Encoding, identity" % path
    z = krj.get(path, headers={"Accept-Encoding": "gzip"})
    assert z.status == 200
    assert z.headers.get("content-encoding") == "gzip", \
        "%s: Accept-Encoding: gzip -> Content-Encoding: gzip" % path
    assert gzip.decompress(z.body) == plain.body, \
        "%s: gzip body decompresses to the identity body" % path
    assert int(z.headers["content-length"]) == len(z.body), \
        "%s: Content-Length of the compressed body" % path
    assert "Accept-Encoding" in z.headers.get("vary", ""), "%s: Vary" % path
    for ae in ("gzip;q=0", "identity", "deflate", "gzip; q=0.000"):
        r = krj.get(path, headers={"Accept-Encoding": ae})
        assert "content-encoding" not in r.headers and r.body == plain.body,\
            "%s: Accept-Encoding %r -> identity" % (path, ae)
    for ae in ("deflate, gzip;q=0.5", "GZIP", "br;q=0.5, gzip"):
        r = krj.get(path, headers={"Accept-Encoding": ae})
        assert r.headers.get("content-encoding") == "gzip", \
            "%s: Accept-Encoding %r accepts gzip" % (path, ae)


@pytest.mark.parametrize("ae,coding", [
    ("identity, gzip;q=0.5", None),
    ("gzip;q=0.5, identity;q=0.4", "gzip"),
    ("*;q=0.5, gzip;q=0.2", "br"),
    ("identity;q=0.5, *;q=0.2", None),
    ("*", "br"),
    ("*;q=0.1, identity;q=0", "br"),
    ("gzip;q=1.5", None),
    ("gzip;q=0.1234", None),
    ("gzip;q=0.001", "gzip"),
    ("identity;q=0, *;q=0", None),
    ("gzip, br, zstd", "br"),
    ("zstd, gzip", "zstd"),
    ("gzip, br;q=0.5, zstd;q=0.9", "gzip"),
    ("br;q=0, *", "zstd"),
    ("ZSTD;Q=0.3, gzip;q=0.2", "zstd"),
], ids=lambda v: str(v))
def test_gzip_q_values(krj, ae, coding):
    # the highest q wins, ties to br, zstd, gzip; an implicit identity
    # comes after every coding named; nothing acceptable: identity
    path = "/api/v1/signals/sp500"
    r = krj.get(path, headers={"Accept-Encoding": ae})
    assert r.status == 200
    assert r.headers.get("content-encoding") == coding, \
        "%s: Accept-Encoding %r -> %s" % (path, ae, coding or "identity")


@pytest.mark.parametrize("fields,coding", [
    ((b"identity;q=0.1", b"gzip;q=0.2"), "gzip"),
    ((b"gzip;q=0.1", b"identity"), None),
    ((b"", b"gzip"), "gzip"),
    ((b"gzip", b"br;q=0.5"), "gzip"),
])
def test_gzip_several_fields(krj, fields, coding):
    # several Accept-Encoding fields are one list: their q-values compare
    req = b"GET /api/v1/signals/sp500 HTTP/1.1\r\nHost: x\r\n"
    for f in fields:
        req += b"Accept-Encoding: " + f + b"\r\n"
    r = raw_http(krj.port, req + b"Connection: close\r\n\r\n")
    assert r.status == 200
    assert r.headers.get("content-encoding") == coding, \
        "fields %r -> %s" % (fields, coding or "identity")


def unzstd(data):
    return subprocess.run(["zstd", "-d", "-c", "-q"], input=data,
                          capture_output=True, check=True).stdout


@pytest.mark.parametrize("path", UNFILTERED)
def test_br_and_zstd(krj, path):
    # every whole body has br and zstd forms beside gzip: each decodes to
    # the identity body, has its own Content-Length and its own ETag
    plain = krj.get(path)
    etags = {plain.headers["etag"]}
    for coding, decode in (("br", brotli.decompress), ("zstd", unzstd),
                           ("gzip", gzip.decompress)):
        r = krj.get(path, headers={"Accept-Encoding": coding})
        assert r.status == 200
        assert r.headers.get("content-encoding") == coding, \
            "%s: Accept-Encoding: %s -> Content-Encoding: %s" % (
                path, coding, coding)
        assert decode(r.body) == plain.body, \
            "%s: the %s body decodes to the identity body" % (path, coding)
        assert int(r.headers["content-length"]) == len(r.body) \
            < len(plain.body), "%s: %s Content-Length, smaller" % (path,
                                                                  coding)
        assert "Accept-Encoding" in r.headers.get("vary", ""), \
            "%s: Vary with %s" % (path, coding)
        again = krj.get(path, headers={"Accept-Encoding": coding})
        assert again.headers["etag"] == r.headers["etag"], \
            "%s: the %s ETag is stable" % (path, coding)
        etags.add(r.headers["etag"])
        nm = krj.get(path, headers={"Accept-Encoding": coding,
                                    "If-None-Match": r.headers["etag"]})
        assert nm.status == 304, "%s: If-None-Match of the %s ETag" % (
            path, coding)
    assert len(etags) == 4, "%s: one ETag per encoding: %s" % (path, etags)


LARGE = 1024 * 1024


def test_large_bodies_gzip_only(make_krj):
    # a body of 1 MiB or more has a gzip form and no br or zstd one: a
    # client that prefers br or zstd gets gzip when it accepts gzip, else
    # identity; the small bodies of the same snapshot keep br and zstd
    k = make_krj(files=[], publish=False, start=False)
    subprocess.run([str(krjenv.REPO / "scripts" / "synth-week.py"), "7000",
                    str(k.data / "KRJ_signals_latest_week_SP500_2026-01-09"
                        ".csv")], check=True)
    k.publish()
    k.start()
    for path in ("/api/v1/signals/sp500", "/api/v1/signals/sp500.csv"):
        plain = k.get(path)
        assert plain.status == 200 and len(plain.body) >= LARGE, \
            "%s: %d bytes, not a large body" % (path, len(plain.body))
        assert "content-encoding" not in plain.headers
        for ae in ("br, zstd, gzip", "br, gzip;q=0.1", "zstd;q=1, gzip;q=0.5",
                   "*"):
            r = k.get(path, headers={"Accept-Encoding": ae})
            assert r.status == 200
            assert r.headers.get("content-encoding") == "gzip", \
                "%s: Accept-Encoding %r -> gzip, the only form" % (path, ae)
            assert gzip.decompress(r.body) == plain.body
            assert int(r.headers["content-length"]) == len(r.body) \
                < len(plain.body) // 2
            assert r.headers["etag"] != plain.headers["etag"]
        for ae in ("br", "zstd", "br, zstd", "br, zstd, gzip;q=0"):
            r = k.get(path, headers={"Accept-Encoding": ae})
            assert r.status == 200
            assert "content-encoding" not in r.headers, \
                "%s: Accept-Encoding %r -> identity" % (path, ae)
            assert r.body == plain.body
            assert r.headers["etag"] == plain.headers["etag"]
            assert "Accept-Encoding" in r.headers.get("vary", "")
    for coding, decode in (("br", brotli.decompress), ("zstd", unzstd)):
        plain = k.get("/api/v1/summary")
        assert len(plain.body) < LARGE
        r = k.get("/api/v1/summary", headers={"Accept-Encoding": coding})
        assert r.headers.get("content-encoding") == coding, \
            "a small body keeps its %s form" % coding
        assert decode(r.body) == plain.body


def test_filtered_not_gzipped_by_module(krj):
    r = krj.get("/api/v1/signals/sp500?limit=3",
                headers={"Accept-Encoding": "gzip"})
    assert r.status == 200
    assert "content-encoding" not in r.headers, \
        "filtered answers are left to nginx's gzip (off here)"


@pytest.mark.parametrize("path", ALL_PATHS)
def test_head(krj, path):
    g = krj.get(path)
    h = krj.get(path, method="HEAD")
    assert h.status == g.status, "HEAD %s: same status as GET" % path
    assert h.body == b"", "HEAD %s: no body" % path
    for name in ("content-type", "content-length", "etag", "last-modified",
                 "cache-control", "vary", "content-encoding",
                 "x-content-type-options", "content-security-policy"):
        assert h.headers.get(name) == g.headers.get(name), \
            "HEAD %s: %s as GET sends it" % (path, name)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH",
                                    "OPTIONS"])
@pytest.mark.parametrize("path", ["/api/v1/categories",
                                  "/api/v1/signals/sp500", "/health",
                                  "/ready", "/api/v1/nosuch"])
def test_405(krj, method, path):
    body = "x=1" if method in ("POST", "PUT", "PATCH") else None
    r = krj.request(method, path, body=body)
    assert_error(r, 405, "method_not_allowed", "%s %s" % (method, path))
    allow = [m.strip() for m in r.headers.get("allow", "").split(",")]
    assert sorted(allow) == ["GET", "HEAD"], \
        "%s %s: Allow: GET, HEAD" % (method, path)


def test_malformed_request_line(krj):
    # nginx itself answers these; the worker must survive them.
    r = raw_http(krj.port, b"GET /api/v1/categories?\x00 HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.status == 400, "NUL in the request line is a 400"
    r = raw_http(krj.port, b"GET /api/v1/signals/%zz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert r.status in (400, 404), "bad escape in the path: 400 or 404"
    doc, _ = get_json(krj, "/api/v1/categories")
    assert doc["categories"], "still serving afterwards"


def test_if_none_match_star(krj):
    r = krj.get("/api/v1/signals/sp500", headers={"If-None-Match": "*"})
    assert r.status == 304, "If-None-Match: * matches the current body"


def test_gzip_etag_304(krj):
    h = {"Accept-Encoding": "gzip"}
    z = krj.get("/api/v1/signals/sp500", headers=h)
    h["If-None-Match"] = z.headers["etag"]
    r = krj.get("/api/v1/signals/sp500", headers=h)
    assert r.status == 304, "the gzip variant's ETag gives 304"
    r = krj.get("/api/v1/signals/sp500",
                headers={"If-None-Match": z.headers["etag"]})
    assert r.status == 200, "the gzip ETag does not match the identity body"


def test_pipelined_requests(krj):
    # three requests on one connection; each answered completely, in order
    req = (b"GET /api/v1/signals/drc HTTP/1.1\r\nHost: x\r\n\r\n"
           b"HEAD /api/v1/categories HTTP/1.1\r\nHost: x\r\n\r\n"
           b"GET /api/v1/signals/drc.csv?limit=1 HTTP/1.1\r\nHost: x\r\n"
           b"Connection: close\r\n\r\n")
    with socket.create_connection(("127.0.0.1", krj.port), timeout=10) as s:
        s.sendall(req)
        data = b""
        while True:
            b = s.recv(65536)
            if not b:
                break
            data += b
    r1 = parse_response(data)
    rest = data[data.index(b"\r\n\r\n") + 4 + len(r1.body):]
    assert r1.status == 200 and get_json(krj, "/api/v1/signals/drc")[0] == \
        krjdata.loads(r1.body), "first answer complete"
    head, _, rest = rest.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200"), "HEAD answered, no body"
    r3 = parse_response(rest)
    assert r3.status == 200 and r3.body == \
        krj.get("/api/v1/signals/drc.csv?limit=1").body, "third answer"
