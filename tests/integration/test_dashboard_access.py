"""The dashboard behind krj_auth: a principal sees its own tabs only,
another category's page is the 403 page, the print view and the first tab
follow the scopes, the ETag differs between principals; refusals of the
access phase (401, 429) are HTML pages on a dashboard location and stay
JSON on the API; and the directives: krj_dashboard only in a prefix
location of safe characters, krj_dashboard_api for the download links."""

import base64
import hashlib
import json
import time

import pytest

import krjbrowser
import krjdash
import krjdata
import krjdom
import krjenv

SP = "sp500,drc"


def basic(user, password):
    return {"Authorization": "Basic " + base64.b64encode(
        ("%s:%s" % (user, password)).encode()).decode()}


ALICE = basic("alice", "wonderland")       # sp500 and drc
BOB = basic("bob", "builder")              # everything


@pytest.fixture(scope="module")
def k(tmp_path_factory):
    from conftest import _Factory
    f = _Factory(tmp_path_factory)
    users = tmp_path_factory.mktemp("users") / "users"
    users.write_text("alice:{SHA}%s:%s\nbob:{SHA}%s:*\n" % (
        base64.b64encode(hashlib.sha1(b"wonderland").digest()).decode(), SP,
        base64.b64encode(hashlib.sha1(b"builder").digest()).decode()))
    krj = f(http_extra="    krj_user_file %s;\n"
                       "    krj_auth_fail_limit rate=1000r/s burst=1000;\n"
                       % users,
            locations="""
        location /api/v1/ { krj_auth basic; krj_api; }
        location /krj { krj_auth basic; krj_dashboard; }
        location /slow { krj_auth basic; krj_limit rate=1r/m nodelay;
                         krj_dashboard; }
""")
    krj.site = krjdash.Site(krjdata.newest(krj.data), generated_at=0)
    yield krj
    f.finish()


def page(k, path, headers, status=200):
    r = k.get(path, headers=headers)
    assert r.status == status, "%s: %d %r" % (path, r.status, r.body[:300])
    assert r.headers["content-type"] == "text/html; charset=utf-8", path
    assert r.headers["content-security-policy"] == krjbrowser.CSP, path
    doc = krjdom.parse(r.body.decode())
    assert doc.errors == [], doc.errors
    return r, doc


def tabs(doc):
    return [a.attrs["href"] for a in doc.find("nav", cls="tabs")
            .find_all("a")]


def test_own_tabs_only(k):
    _, doc = page(k, "/krj/sp500", ALICE)
    assert tabs(doc) == ["/krj/sp500", "/krj/drc"]
    groups = [i.attrs["value"] for i in
              doc.find("details", cls="pd").find_all("input", name="groups")]
    assert groups == ["sp500", "drc"]
    _, doc = page(k, "/krj/sp500", BOB)
    assert tabs(doc) == ["/krj/" + s for s in k.site.order]


def test_first_readable_tab(k):
    r = k.get("/krj?sort=c", headers=ALICE)
    assert r.status == 302
    assert r.headers["location"].endswith("/krj/sp500?sort=c")
    r = k.get("/krj/", headers=BOB)
    assert r.headers["location"].endswith("/krj/equities")


def test_another_category_is_the_403_page(k):
    for path in ("/krj/sp100", "/krj/sp100?sort=c", "/krj/equities"):
        _, doc = page(k, path, ALICE, status=403)
        err = doc.find("p", cls="err")
        assert err.attrs["data-code"] == "forbidden"
        assert "may not read" in err.text()
        # the page still shows the principal's own tabs, no other
        assert tabs(doc) == ["/krj/sp500", "/krj/drc"]
    # as the oracle renders it
    site = k.site
    site.now = None
    st, _, want = site.get("/krj/sp100", scopes=SP.split(","))
    assert st == 403
    got = k.get("/krj/sp100", headers=ALICE).body.decode()
    strip = lambda s: krjdom.parse(s).find("main").text()  # noqa: E731
    assert strip(got) == strip(want)


def test_print_follows_scopes(k):
    _, doc = page(k, "/krj/print", ALICE)
    assert [s.attrs["aria-labelledby"] for s in
            doc.find_all("section", cls="grp")] == ["g-sp500", "g-drc"]
    _, doc = page(k, "/krj/print?groups=sp100", ALICE, status=400)
    assert doc.find("p", cls="err").attrs["data-code"] == "bad_parameter"


def test_etag_differs_between_principals(k):
    a = k.get("/krj/sp500", headers=ALICE)
    b = k.get("/krj/sp500", headers=BOB)
    assert a.headers["etag"] != b.headers["etag"]
    assert a.body != b.body
    r = k.get("/krj/sp500", headers=dict(BOB, **{
        "If-None-Match": a.headers["etag"]}))
    assert r.status == 200, "another principal's page is no 304"
    r = k.get("/krj/sp500", headers=dict(ALICE, **{
        "If-None-Match": a.headers["etag"]}))
    assert r.status == 304


def test_no_credentials_is_an_html_401(k):
    for headers in ({}, basic("alice", "nope"), basic("eve", "x")):
        r, doc = page(k, "/krj/sp500", headers, status=401)
        assert r.headers["www-authenticate"] == 'Basic realm="krj"'
        err = doc.find("p", cls="err")
        assert err.attrs["data-code"] == "unauthorized"
        assert doc.find("a", href="/krj/login").text() == "Sign in"
        # a refusal names no category: no header, no tabs
        assert doc.find("nav", cls="tabs") is None
        assert b"sp500" not in r.body and b"SP500" not in r.body
        assert "etag" not in r.headers
    # the API's refusal stays JSON
    r = k.get("/api/v1/signals/sp500")
    assert r.status == 401
    assert json.loads(r.body)["error"]["code"] == "unauthorized"
    assert r.headers["content-security-policy"] != krjbrowser.CSP


def test_assets_of_a_guarded_dashboard(k):
    """The assets a page names are served to the principal that has the
    page."""
    page_body = k.get("/krj/sp500", headers=ALICE).body
    import re
    css = re.search(rb'href="(/krj/assets/krj\.[0-9a-f]{12}\.css)"',
                    page_body).group(1).decode()
    assert k.get(css, headers=ALICE).status == 200


def test_429_is_an_html_page(k):
    assert k.get("/slow/drc", headers=BOB).status == 200
    r, doc = page(k, "/slow/drc", BOB, status=429)
    assert int(r.headers["retry-after"]) >= 1
    assert doc.find("p", cls="err").attrs["data-code"] == "rate_limited"
    assert "retry in" in doc.find("p", cls="err").text()


# -- directives ------------------------------------------------------------

@pytest.mark.parametrize("location,why", [
    ("location ~ ^/krj { krj_dashboard; }", "needs a prefix location"),
    ("location = /krj { krj_dashboard; }", "needs a prefix location"),
    ('location "/k rj" { krj_dashboard; }', "may hold only letters"),
    ("location /k%rj { krj_dashboard; }", "may hold only letters"),
    ("location /krj { krj_dashboard; krj_dashboard; }", "is duplicate"),
    ("location /krj { krj_dashboard; krj_api; }", "conflicts with"),
    ("location /krj { krj_api; krj_dashboard; }", "conflicts with"),
    ("location /krj { krj_status health; krj_dashboard; }",
     "conflicts with"),
    ("location /krj { krj_dashboard; krj_dashboard_api api; }",
     "invalid value"),
    ("location /krj { krj_dashboard; krj_dashboard_api \"/a b\"; }",
     "invalid value"),
    ("location /krj { krj_dashboard; krj_dashboard_api /a; "
     "krj_dashboard_api /b; }", "is duplicate"),
    ("location @krj { krj_dashboard; }", "needs a prefix location"),
])
def test_bad_directives(make_krj, location, why):
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv"],
                 locations="        %s\n" % location, start=False)
    k.allow_log = [r"\[emerg\]"]
    rc, out = k.nginx.test_config()
    assert rc != 0 and "[emerg]" in out and why in out, out


def test_other_prefix_and_api(make_krj):
    """location /dash/ with krj_dashboard_api /v2/: every URL of the pages
    says so; /dash redirects to /dash/ (301), that to the first tab."""
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv",
                        "KRJ_signals_latest_week_SP100_2026-01-09.csv"],
                 locations="""
        location /v2/ { krj_api; }
        location /dash/ { krj_dashboard; krj_dashboard_api /v2/; }
""")
    r = k.get("/dash")
    assert r.status == 301 and r.headers["location"].endswith("/dash/")
    r = k.get("/dash/")
    assert r.status == 302 and r.headers["location"].endswith("/dash/sp100")
    site = krjdash.Site(krjdata.newest(k.data), generated_at=0,
                        prefix="/dash", api="/v2")
    for path in ("/dash/sp100", "/dash/drc?sort=-c&limit=3",
                 "/dash/print?ls=1", "/dash/login?next=/dash/drc",
                 "/dash/nope"):
        before = int(time.time())
        got = k.get(path)
        after = int(time.time()) + 1
        from conftest import snapshot_time
        site.generated_at = snapshot_time(k.snapshot)
        wants = []
        for now in (before, after):
            site.now = now
            wants.append(site.get(path)[2].encode())
        assert got.body in wants, path
    # the spans and the location between them: still one gzip member
    import gzip
    for path in ("/dash/sp100", "/dash/drc"):
        plain = k.get(path).body
        gz = k.get(path, headers={"Accept-Encoding": "gzip"})
        assert gz.headers["content-encoding"] == "gzip"
        assert gzip.decompress(gz.body) == plain, path
    doc = krjdom.parse(k.get("/dash/drc").body.decode())
    links = [a.attrs["href"] for a in doc.find("p", cls="dl").find_all("a")]
    assert links == ["/v2/signals/drc.csv", "/v2/signals/drc"]
    for href in links:
        assert k.get(href).status == 200, href


def test_dashboard_at_the_root(make_krj):
    k = make_krj(files=["KRJ_signals_latest_week_DRC_2026-01-09.csv"],
                 locations="        location / { krj_dashboard; }\n")
    r = k.get("/")
    assert r.status == 302 and r.headers["location"].endswith("/drc")
    r = k.get("/drc")
    assert r.status == 200
    assert b'<a href="/drc" aria-current="page">DRC</a>' in r.body
    assert b'href="/assets/krj.' in r.body
    doc = krjdom.parse(r.body.decode())
    css = doc.find("link", rel="stylesheet").attrs["href"]
    assert k.get(css).status == 200
