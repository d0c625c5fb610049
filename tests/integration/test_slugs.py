"""Category slugs as people type them: a slug in another case (SP500) is
redirected, 308, to the one URL of its category, with the .csv suffix and
the query string kept; an unknown slug's 404 names the category that was
probably meant (same letters ignoring case and _/-, or a unique prefix)."""

import json

import pytest

from krjassert import assert_error, assert_security_headers, get_json


def assert_redirect(k, path, target, method="GET"):
    r = k.get(path, method=method)
    assert r.status == 308, "%s %s: 308, got %d %r" % (method, path,
                                                       r.status, r.body)
    assert r.reason == "Permanent Redirect", r.reason
    assert r.headers["location"] == k.url(target), \
        "%s: Location %r, expected %s" % (path, r.headers.get("location"),
                                          target)
    assert_security_headers(r, "308 " + path)
    assert "etag" not in r.headers and "last-modified" not in r.headers, \
        "%s: a redirect has no validators" % path
    if method == "HEAD":
        assert r.body == b"", "HEAD: no body"
    else:
        assert r.headers["content-type"].startswith("application/json")
        assert r.body.endswith(b"}\n")
        assert json.loads(r.body) == {"redirect": {
            "status": 308, "location": target}}, r.body
    return r


@pytest.mark.parametrize("path,target", [
    ("/api/v1/signals/SP500", "/api/v1/signals/sp500"),
    ("/api/v1/signals/Sp500", "/api/v1/signals/sp500"),
    ("/api/v1/signals/ETFS_FX", "/api/v1/signals/etfs_fx"),
    ("/api/v1/signals/SP500.csv", "/api/v1/signals/sp500.csv"),
    ("/api/v1/signals/sp500.CSV", "/api/v1/signals/sp500.csv"),
    ("/api/v1/signals/SP500.Csv", "/api/v1/signals/sp500.csv"),
    ("/api/v1/signals/SP500?signal=Long&sort=-c&limit=3",
     "/api/v1/signals/sp500?signal=Long&sort=-c&limit=3"),
    ("/api/v1/signals/SP500.csv?ticker=aapl%2Cmsft",
     "/api/v1/signals/sp500.csv?ticker=aapl%2Cmsft"),
    ("/api/v1/signals/%53P500", "/api/v1/signals/sp500"),
    ("/api/v1/signals/SP500?foo=1", "/api/v1/signals/sp500?foo=1"),
])
def test_other_case_redirects(krj, path, target):
    assert_redirect(krj, path, target)
    assert_redirect(krj, path, target, method="HEAD")


def test_redirect_leads_to_the_one_url(krj):
    for path in ("/api/v1/signals/SP100?limit=2", "/api/v1/signals/DRC.CSV"):
        r = krj.get(path)
        assert r.status == 308
        there = krj.get(r.headers["location"][len(krj.base):])
        canonical = krj.get(json.loads(r.body)["redirect"]["location"])
        assert there.status == 200 and there.body == canonical.body, path
        assert there.headers["etag"] == canonical.headers["etag"], \
            "one URL, one ETag"


def test_canonical_urls_are_not_redirected(krj, model):
    for slug in model:
        for path in ("/api/v1/signals/" + slug,
                     "/api/v1/signals/%s.csv" % slug,
                     "/api/v1/signals/%s?limit=1" % slug):
            assert krj.get(path).status == 200, path


def test_method_checked_first(krj):
    assert_error(krj.request("POST", "/api/v1/signals/SP500", body="x"),
                 405, "method_not_allowed")


@pytest.mark.parametrize("slug,meant", [
    ("sp5", "sp500"),
    ("SP1", "sp100"),
    ("etfs-fx", "etfs_fx"),
    ("ETFs-FX", "etfs_fx"),
    ("etfsfx", "etfs_fx"),
    ("ETFs_and_FX", "etfs_fx"),
    ("sp_500", "sp500"),
    ("ai-affected", "ai_affected"),
    ("equ", "equities"),
    ("d", "drc"),
])
def test_unknown_slug_names_the_one_meant(krj, slug, meant):
    for path in ("/api/v1/signals/" + slug, "/api/v1/signals/%s.csv" % slug):
        err = assert_error(krj.get(path), 404, "unknown_category", path)
        assert err["message"] == \
            'no category "%s"; did you mean "%s"?' % (slug, meant), err


@pytest.mark.parametrize("slug", ["sp400", "sp", "e", "nosuch", "sp5000",
                                  "_", "etfs_fx_x"])
def test_unknown_slug_without_a_close_one(krj, slug):
    err = assert_error(krj.get("/api/v1/signals/" + slug), 404,
                       "unknown_category")
    assert err["message"] == 'no category "%s"' % slug, \
        "nothing close, or more than one: no guess (%r)" % err["message"]


def test_suggestion_follows_the_data(make_krj):
    k = make_krj(files=["KRJ_signals_latest_week_SP100_2026-01-09.csv"])
    err = assert_error(k.get("/api/v1/signals/sp"), 404, "unknown_category")
    assert err["message"] == 'no category "sp"; did you mean "sp100"?', \
        "sp is a unique prefix when sp100 is the only one"
    err = assert_error(k.get("/api/v1/signals/sp5"), 404, "unknown_category")
    assert err["message"] == 'no category "sp5"', "no sp500 here"


def test_redirect_escapes_the_prefix(make_krj):
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv"],
                 locations='''
        location "/my api/" { krj_api; }
        location /api/v1/ { krj_api; }
''')
    assert_redirect(k, "/my%20api/signals/DRC?limit=1",
                    "/my%20api/signals/drc?limit=1")
    doc, _ = get_json(k, "/my%20api/signals/drc?limit=1")
    assert doc["category"] == "drc"
