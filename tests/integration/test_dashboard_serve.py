"""krj_dashboard as nginx serves it: every page byte for byte the
oracle's (krjdash.py, dashboard/MARKUP.md), gzip of the pre-rendered
pages, HEAD, ETag and 304 varying with everything a page shows, the
assets under their content hashes (immutable, 404 for any other name),
the security headers and the dashboard's CSP on every answer, redirects,
405 and 503 pages, and the metrics routes."""

import gzip
import hashlib
import re
import time

import pytest

import krjbrowser
import krjdash
import krjdata
import krjdom
import krjenv
from krjassert import SECURITY_HEADERS, csp_directives

SLUGS = list(krjdash.Site(krjdata.newest(krjenv.DATA), 0).order)

TARGETS = ["/krj/%s" % s for s in SLUGS] + [
    c[0] for c in krjdash.PAGE_CASES if c[1] is None and c[2] is None]

PAGE_HEADERS = {"content-type": "text/html; charset=utf-8",
                "cache-control": "private, no-cache"}


def oracle(dash, target, before, after):
    """The oracle's (status, body) at one of the two times a request was
    made between: the age in the header is floored to the minute."""
    site = dash.site
    out = []
    for now in (before, after):
        site.now = now
        st, hdrs, body = site.get(target)
        out.append((st, body))
    site.now = None
    return out


def get_timed(dash, target, headers=None, method="GET"):
    before = int(time.time())
    r = dash.get(target, headers=headers, method=method)
    return r, before, int(time.time()) + 1


def assert_dashboard_headers(r, what):
    for name, ok in SECURITY_HEADERS.items():
        assert r.count(name) == 1, "%s: %s sent %d times" % (
            what, name, r.count(name))
        assert ok(r.headers[name]), (what, name, r.headers[name])
    assert r.headers["content-security-policy"] == krjbrowser.CSP, what
    assert "strict-transport-security" not in r.headers


@pytest.mark.parametrize("target", TARGETS)
def test_page_is_the_oracles(dash, target):
    r, before, after = get_timed(dash, target)
    got = (r.status, r.body.decode("utf-8"))
    want = oracle(dash, target, before, after)
    if got not in want:
        st, body = want[0]
        assert r.status == st, "%s: HTTP %d, the oracle %d" % (
            target, r.status, st)
        i = next((i for i, (a, b) in enumerate(zip(got[1], body))
                  if a != b), min(len(got[1]), len(body)))
        raise AssertionError("%s differs at %d:\n  got  %r\n  want %r" % (
            target, i, got[1][max(0, i - 60):i + 60],
            body[max(0, i - 60):i + 60]))
    for k, v in PAGE_HEADERS.items():
        assert r.headers.get(k) == v, (target, k, r.headers.get(k))
    assert_dashboard_headers(r, target)
    assert "last-modified" not in r.headers, "a page ages: no validator " \
        "by time"
    if r.status == 200:
        assert r.headers["etag"].startswith('"')
        assert r.headers["vary"] == "Accept-Encoding"
    else:
        assert "etag" not in r.headers, "an error page has no validator"


@pytest.mark.parametrize("target", ["/krj/%s" % s for s in SLUGS]
                         + ["/krj/sp500?signal=Long,Short",
                            "/krj/print?ls=1", "/krj/login"])
def test_gzip_and_head(dash, target):
    plain = dash.get(target)
    gz = dash.get(target, headers={"Accept-Encoding": "gzip, br"})
    assert gz.status == plain.status == 200
    if "?" not in target and target.count("/") == 2 \
            and not target.endswith("/login"):
        # a pre-rendered page: its spans' deflate streams, one gzip member
        assert gz.headers["content-encoding"] == "gzip", target
        assert gzip.decompress(gz.body) == plain.body, target
        assert len(gz.body) < 0.45 * len(plain.body), "it compresses"
        assert gz.headers["etag"] != plain.headers["etag"]
    else:
        assert "content-encoding" not in gz.headers, \
            "per-request pages are sent as they are"
    for req, resp in (({}, plain), ({"Accept-Encoding": "gzip"}, gz)):
        head = dash.get(target, headers=req, method="HEAD")
        assert head.status == 200 and head.body == b""
        assert int(head.headers["content-length"]) == len(resp.body)
        for k in ("etag", "content-type", "content-encoding",
                  "cache-control", "content-security-policy"):
            assert head.headers.get(k) == resp.headers.get(k), (target, k)


def test_etag_and_304(dash):
    r = dash.get("/krj/sp500")
    etag = r.headers["etag"]
    again = dash.get("/krj/sp500", headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b""
    assert again.headers["etag"] == etag
    assert_dashboard_headers(again, "304")
    # another view, another ETag; the same view the same
    other = dash.get("/krj/sp500?sort=c")
    assert other.headers["etag"] not in (etag,)
    assert dash.get("/krj/sp500?sort=c",
                    headers={"If-None-Match": other.headers["etag"]}
                    ).status == 304
    assert dash.get("/krj/sp500?sort=-c",
                    headers={"If-None-Match": other.headers["etag"]}
                    ).status == 200
    assert dash.get("/krj/sp100", headers={"If-None-Match": etag}
                    ).status == 200
    # no Last-Modified: If-Modified-Since alone never gives a 304
    assert dash.get("/krj/sp500", headers={
        "If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}).status == 200


def test_etag_follows_the_age(make_krj):
    """The age in the header is part of what the ETag names: past
    krj_max_age the page says "(stale)", and the ETag is another."""
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv"],
                 http_extra="    krj_max_age 2s;\n",
                 locations=krjenv.API_LOCATIONS
                 + "        location /krj { krj_dashboard; }\n")
    fresh = k.get("/krj/drc")
    assert fresh.status == 200 and b"(stale)" not in fresh.body
    deadline = time.time() + 10
    while True:
        stale = k.get("/krj/drc", headers={
            "If-None-Match": fresh.headers["etag"]})
        if stale.status == 200:
            break
        assert stale.status == 304 and time.time() < deadline
        time.sleep(0.5)
    assert b'<p class="age old">' in stale.body and b"(stale)" in stale.body
    assert stale.headers["etag"] != fresh.headers["etag"]


def asset_refs(body):
    return re.findall(rb'(?:href|src)="(/krj/assets/krj\.([0-9a-f]{12})'
                      rb'\.(css|js|svg))"', body)


def test_assets(dash):
    page = dash.get("/krj/sp500").body
    refs = asset_refs(page)
    assert sorted(r[2] for r in refs) == [b"css", b"js", b"svg"]
    types = {b"css": "text/css; charset=utf-8",
             b"js": "text/javascript; charset=utf-8",
             b"svg": "image/svg+xml"}
    for url, h, ext in refs:
        url = url.decode()
        want = (krjdash.ASSET_DIR / ("krj." + ext.decode())).read_bytes()
        assert hashlib.sha256(want).hexdigest()[:12] == h.decode()
        r = dash.get(url)
        assert r.status == 200 and r.body == want, url
        assert r.headers["content-type"] == types[ext]
        assert r.headers["cache-control"] == \
            "public, max-age=31536000, immutable"
        assert r.headers["etag"] == '"%s"' % h.decode()
        assert_dashboard_headers(r, url)
        gz = dash.get(url, headers={"Accept-Encoding": "gzip"})
        assert gz.headers["content-encoding"] == "gzip"
        assert gzip.decompress(gz.body) == want
        assert gz.headers["etag"] == '"%s-gz"' % h.decode()
        assert dash.get(url, headers={"If-None-Match": r.headers["etag"]}
                        ).status == 304
        head = dash.get(url, method="HEAD")
        assert head.status == 200 and head.body == b"" and \
            int(head.headers["content-length"]) == len(want)


@pytest.mark.parametrize("path", [
    "/krj/assets/krj.000000000000.css", "/krj/assets/krj.css",
    "/krj/assets/", "/krj/assets/../sp500", "/krj/assets/krj.%s.css/x",
])
def test_other_asset_names_are_404(dash, path):
    page = dash.get("/krj/sp500").body
    h = asset_refs(page)[0][1].decode()
    r = dash.get(path.replace("%s", h))
    if path == "/krj/assets/../sp500":
        # nginx normalizes the path: it is the sp500 page
        assert r.status == 200
        return
    assert r.status == 404, path
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    doc = krjdom.parse(r.body.decode())
    assert doc.find("p", cls="err").attrs["data-code"] in \
        ("not_found", "unknown_category")
    assert_dashboard_headers(r, path)


def test_root_redirects_with_the_query(dash):
    for path in ("/krj", "/krj/"):
        r = dash.get(path + "?signal=Long&sort=-c")
        assert r.status == 302
        assert r.headers["location"].endswith(
            "/krj/equities?signal=Long&sort=-c")
        assert r.body == b""
        assert_dashboard_headers(r, path)
    assert dash.get("/krjx").status == 404, "location /krj takes /krjx"


def test_method_not_allowed(dash):
    for path in ("/krj/sp500", "/krj/print", "/krj/assets/x", "/krj"):
        r = dash.get(path, method="POST", body=b"a=b")
        assert r.status == 405, path
        assert r.headers["allow"] == "GET, HEAD"
        doc = krjdom.parse(r.body.decode())
        assert doc.find("p", cls="err").attrs["data-code"] == \
            "method_not_allowed"
        assert_dashboard_headers(r, path)
    r = dash.get("/krj/sp500", method="DELETE")
    assert r.status == 405


def test_api_keeps_its_own_csp(dash):
    r = dash.get("/api/v1/signals/sp500")
    assert csp_directives(r.headers["content-security-policy"]) == {
        "default-src": ["'none'"], "frame-ancestors": ["'none'"]}


def test_no_snapshot_yet(make_krj):
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv"],
                 publish=False,
                 locations="        location /krj { krj_dashboard; }\n")
    k.allow_log = [r"\[crit\].*krj\.snapshot"]
    r = k.get("/krj/drc")
    assert r.status == 503
    assert_dashboard_headers(r, "503")
    doc = krjdom.parse(r.body.decode())
    assert doc.errors == []
    assert doc.find("p", cls="err").attrs["data-code"] == "no_data"
    assert doc.find("link") is None and doc.find("script") is None, \
        "without a snapshot, no asset names to link"
    assert k.get("/krj/login").status == 503


def test_empty_category(make_krj, tmp_path):
    """A file of a header only: a table of no rows, its note."""
    k = make_krj(files=[], publish=False, start=False,
                 locations="        location /krj { krj_dashboard; }\n")
    k.add_file("KRJ_signals_latest_week_Empty_2026-01-09.csv",
               b"ticker,c,signal,signal_status_prior_week\n")
    k.publish()
    k.start()
    r = k.get("/krj/empty")
    assert r.status == 200
    doc = krjdom.parse(r.body.decode())
    assert doc.find("p", cls="nr").attrs.get("hidden") is None
    assert doc.find("p", cls="cnt").text() == "0 of 0 rows"
    site = krjdash.Site(krjdata.newest(k.data), generated_at=0)
    t = doc.find("main").find("table")
    assert t.attrs["data-n"] == "0" and t.attrs["data-w"] == "1"
    assert krjdom.table_cells(t) == []
    assert site.cats["empty"].n == 0


def test_metrics_routes(make_krj):
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv"],
                 locations="        location /krj { krj_dashboard; }\n"
                           "        location = /metrics "
                           "{ krj_status metrics; }\n")
    page = k.get("/krj/drc").body
    css = asset_refs(page)[0][0].decode()
    k.get(css)
    k.get("/krj/login")
    k.get("/krj/nope")
    text = k.get("/metrics").body.decode()

    def count(route, status):
        m = re.search(r'^krj_http_requests_total\{route="%s",status="%s"\}'
                      r' (\d+)' % (route, status), text, re.M)
        return int(m.group(1)) if m else 0

    assert count("dashboard", "2xx") == 1
    assert count("dashboard", "4xx") == 1
    assert count("assets", "2xx") == 1
    assert count("login", "2xx") == 1
