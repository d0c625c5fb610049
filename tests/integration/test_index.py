"""GET /api/v1/: the API's index.  The endpoints with their parameters
(name, what it takes, a description) and the categories the principal may
read with their links; every endpoint and parameter it lists works as
listed; scopes, ETag/304, HEAD, no parameters; the prefix without its
slash is redirected to it; another prefix gets its own links."""

import base64
import hashlib
import os

import pytest

from krjassert import (ISO_UTC, assert_error, assert_json_type,
                       assert_security_headers, get_json)

# A valid value for each parameter the index may list; a parameter that
# is not here makes the test fail (the index and the API disagree).
VALID = {"ticker": "AAPL,MSFT", "signal": "Long,Short", "prior": "Neutral",
         "either": "Long,Short", "changed": "1", "fields": "ticker,signal", "sort": "-ticker",
         "limit": "3", "offset": "1"}


def key():
    return "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode() \
        .rstrip("=")


def digest(k):
    return "sha256:" + hashlib.sha256(k.encode()).hexdigest()


def check_shape(doc):
    assert set(doc) == {"generated_at", "endpoints", "categories"}, \
        "index members: %s" % sorted(doc)
    assert ISO_UTC.match(doc["generated_at"]), "generated_at is UTC ISO 8601"
    for e in doc["endpoints"]:
        assert set(e) == {"path", "description", "parameters"}, e
        assert isinstance(e["description"], str) and e["description"], e
        for p in e["parameters"]:
            assert set(p) == {"name", "takes", "description"}, p
            assert all(isinstance(v, str) and v for v in p.values()), p
    for c in doc["categories"]:
        assert set(c) == {"slug", "label", "signal_date", "links"}, c
        assert set(c["links"]) == {"json", "csv"}, c


def test_index_lists_endpoints_and_categories(krj, model):
    doc, resp = get_json(krj, "/api/v1/")
    assert_security_headers(resp, "index")
    check_shape(doc)
    cats, _ = get_json(krj, "/api/v1/categories")
    assert doc["generated_at"] == cats["generated_at"], "one snapshot"
    assert [c["slug"] for c in doc["categories"]] == sorted(model), \
        "every category, in slug order"
    for c in doc["categories"]:
        m = model[c["slug"]]
        assert c["label"] == m.label and c["signal_date"] == m.signal_date, \
            "%s: label and signal date" % m.slug
        assert c["links"] == {"json": "/api/v1/signals/" + m.slug,
                              "csv": "/api/v1/signals/%s.csv" % m.slug}, \
            "%s: links" % m.slug
    paths = [e["path"] for e in doc["endpoints"]]
    assert paths == ["/api/v1/", "/api/v1/categories",
                     "/api/v1/signals/{slug}", "/api/v1/signals/{slug}.csv",
                     "/api/v1/tickers/{ticker}", "/api/v1/summary",
                     "/api/v1/history/{slug}/{ticker}"], paths


def test_every_listed_endpoint_answers(krj):
    doc, _ = get_json(krj, "/api/v1/")
    for e in doc["endpoints"]:
        path = e["path"].replace("{slug}", "sp500") \
            .replace("{ticker}", "AAPL")
        resp = krj.get(path)
        assert resp.status == 200, "%s listed, answers %d" % (path,
                                                               resp.status)
        if e["parameters"]:
            assert e["path"].startswith("/api/v1/signals/"), \
                "only /signals takes parameters: %s" % e["path"]
        else:
            r = krj.get(path + "?limit=1")
            assert_error(r, 400, "unknown_parameter",
                         "%s lists no parameters and takes none" % path)


def test_every_listed_parameter_works(krj):
    doc, _ = get_json(krj, "/api/v1/")
    for e in doc["endpoints"]:
        if not e["parameters"]:
            continue
        names = [p["name"] for p in e["parameters"]]
        assert sorted(names) == sorted(VALID), \
            "%s: the parameters of the README: %s" % (e["path"], names)
        for n in names:
            path = "%s?%s=%s" % (e["path"].replace("{slug}", "sp500"), n,
                                 VALID[n])
            resp = krj.get(path)
            assert resp.status == 200, "%s: %d %r" % (path, resp.status,
                                                      resp.body[:200])


def test_each_category_link_works(krj, model):
    doc, _ = get_json(krj, "/api/v1/")
    for c in doc["categories"]:
        j, _ = get_json(krj, c["links"]["json"])
        assert j["category"] == c["slug"], c["links"]["json"]
        r = krj.get(c["links"]["csv"])
        assert r.status == 200 and r.body == model[c["slug"]].raw, \
            c["links"]["csv"]


def test_index_headers_etag_head(krj):
    r = krj.get("/api/v1/")
    assert_json_type(r, "index")
    assert r.body.endswith(b"}\n") and not r.body.endswith(b"\n\n"), \
        "the index ends with one newline"
    etag = r.headers["etag"]
    r2 = krj.get("/api/v1/", headers={"If-None-Match": etag})
    assert r2.status == 304 and r2.body == b"", "If-None-Match -> 304"
    h = krj.get("/api/v1/", method="HEAD")
    assert h.status == 200 and h.body == b"", "HEAD: no body"
    assert h.headers["content-length"] == str(len(r.body)), \
        "HEAD: the length GET sends"
    assert h.headers["etag"] == etag, "HEAD: the ETag GET sends"
    assert_error(krj.get("/api/v1/?x=1"), 400, "unknown_parameter",
                 "the index takes no parameters")
    assert_error(krj.request("POST", "/api/v1/", body="x"), 405,
                 "method_not_allowed")


def test_prefix_without_slash_redirects(krj):
    r = krj.get("/api/v1")
    assert r.status == 301, "as for proxy_pass: %d" % r.status
    assert r.headers["location"] == krj.url("/api/v1/"), r.headers
    r = krj.get("/api/v1?x=1")
    assert r.status == 301 and r.headers["location"] == \
        krj.url("/api/v1/?x=1"), "the query goes along"


def test_other_prefixes(make_krj, model):
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv"],
                 locations="""
        location /data/ { krj_api; }
        location /flat { krj_api; }
        location = /exact/ { krj_api; }
""")
    for path, base in (("/data/", "/data"), ("/flat", "/flat"),
                       ("/flat/", "/flat"), ("/exact/", "/exact")):
        doc, _ = get_json(k, path)
        check_shape(doc)
        assert doc["endpoints"][1]["path"] == base + "/categories", \
            "%s: paths follow the location (%r)" % (path, doc["endpoints"])
        assert doc["categories"][0]["links"]["json"] == \
            base + "/signals/drc", path
    doc, _ = get_json(k, "/flat/")
    assert get_json(k, doc["endpoints"][1]["path"])[0]["categories"], \
        "a listed path answers"
    assert k.get("/exact").status == 301, "an exact location too"


KEY_ALL = key()
KEY_DRC = key()


@pytest.fixture(scope="module")
def scoped(tmp_path_factory):
    from conftest import _Factory
    f = _Factory(tmp_path_factory)
    keys = tmp_path_factory.mktemp("index") / "keys"
    keys.write_text("all:%s:*\ndrc:%s:drc,sp100\n"
                    % (digest(KEY_ALL), digest(KEY_DRC)))
    k = f(http_extra="    krj_key_file %s;\n" % keys, locations="""
        location /api/v1/ { krj_auth key; krj_api; }
""")
    yield k
    f.finish()


def bearer(k):
    return {"Authorization": "Bearer " + k}


def test_index_needs_credentials(scoped):
    assert scoped.get("/api/v1/").status == 401, "the index is the API's"


def test_index_scopes(scoped):
    full, rf = get_json(scoped, "/api/v1/", headers=bearer(KEY_ALL))
    part, rp = get_json(scoped, "/api/v1/", headers=bearer(KEY_DRC))
    check_shape(part)
    assert len(full["categories"]) > 2, "every category for *"
    assert [c["slug"] for c in part["categories"]] == ["drc", "sp100"], \
        "a restricted key sees its categories only"
    assert part["endpoints"] == full["endpoints"], "the same endpoints"
    assert rf.headers["etag"] != rp.headers["etag"], \
        "the scoped index has its own ETag"
    r = scoped.get("/api/v1/", headers=dict(bearer(KEY_DRC), **{
        "If-None-Match": rf.headers["etag"]}))
    assert r.status == 200, "the full index's ETag is no 304 for drc"
    for c in part["categories"]:
        assert scoped.get(c["links"]["json"],
                          headers=bearer(KEY_DRC)).status == 200, \
            "a listed link is readable"


def test_index_no_data(make_krj):
    k = make_krj(publish=False)
    assert_error(k.get("/api/v1/"), 503, "no_data", "index without data")
