"""Signing in to the dashboard, end to end: a page without credentials is
a 303 to the login page with next=, the form POSTed with the right
password sets the __Host-krj_session cookie and is a 303 to next (only a
local page), the wrong one is the form again with a 401, the failed-login
limiter ends in a 429 page; the cookie shows the user in the header and
sign-out form, expires, is refused tampered, outlives a key rotation while
its key verifies, dies with the user or the password; logout clears it;
CSRF: no Origin and no Referer, or another site's, is a 403; the API
without credentials is still a JSON 401."""

import base64
import hashlib
import json
import os
import time
import urllib.parse
import warnings

import pytest

import krjbrowser
import krjdash
import krjdata
import krjdom

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt

COOKIE = "__Host-krj_session"
FORM = "application/x-www-form-urlencoded"


class Users:
    """A user file rewritten whole and renamed, as krj-batch does."""

    def __init__(self, path):
        self.path = path
        self.lines = {}

    def set(self, name, password, scopes="*"):
        self.lines[name] = "%s:%s:%s" % (name, crypt.crypt(
            password, crypt.mksalt(crypt.METHOD_SHA512)), scopes)
        self.write()

    def remove(self, name):
        del self.lines[name]
        self.write()

    def write(self):
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("".join(v + "\n" for v in self.lines.values()))
        os.replace(tmp, self.path)


def key_file(path):
    path.write_bytes(os.urandom(32))
    path.chmod(0o600)
    return path


def start(make_krj, tmp, keys=None, extra="", auth="any"):
    users = Users(tmp / "users")
    users.set("alice", "wonderland")
    users.set("bob", "builder", "sp500,drc")
    keys = keys or [key_file(tmp / "session.key")]
    k = make_krj(reload_interval="200ms", start=False, http_extra=(
        "    krj_user_file %s;\n" % users.path
        + "".join("    krj_session_key_file %s;\n" % p for p in keys)
        + extra),
        locations="""
        location /api/v1/ { krj_auth any; krj_api; }
        location /krj { krj_auth %s; krj_dashboard; }
""" % auth)
    k.users = users
    k.keys = keys
    k.start()
    return k


@pytest.fixture(scope="module")
def k(tmp_path_factory):
    from conftest import _Factory
    f = _Factory(tmp_path_factory)
    krj = start(f, tmp_path_factory.mktemp("login"),
                extra="    krj_auth_fail_limit rate=1000r/s burst=1000;\n")
    yield krj
    f.finish()


def origin(k):
    return {"Origin": k.base, "Content-Type": FORM}


def login(k, user, password, next=None, headers=None):
    body = {"user": user, "password": password}
    if next is not None:
        body["next"] = next
    return k.request("POST", "/krj/login", headers=headers or origin(k),
                     body=urllib.parse.urlencode(body))


def session_of(r):
    """The cookie's value from a Set-Cookie, with its attributes."""
    sc = [v for n, v in r.header_list if n == "set-cookie"]
    assert len(sc) == 1, sc
    name, _, rest = sc[0].partition("=")
    assert name == COOKIE
    value, _, attrs = rest.partition(";")
    return value, {a.strip().split("=")[0].lower() for a in attrs.split(";")}


def with_cookie(value):
    return {"Cookie": "%s=%s" % (COOKIE, value)}


def local(k, location):
    """The path of a Location that stays on this server."""
    u = urllib.parse.urlsplit(location)
    assert u.scheme in ("", "http") and u.netloc in ("", "127.0.0.1:%d"
                                                     % k.port), location
    return u.path + ("?" + u.query if u.query else "")


def page(r, status):
    assert r.status == status, (r.status, r.body[:300])
    assert r.headers["content-type"] == "text/html; charset=utf-8"
    assert r.headers["content-security-policy"] == krjbrowser.CSP
    doc = krjdom.parse(r.body.decode())
    assert doc.errors == []
    return doc


def signed_in(k, user="alice", password=None):
    r = login(k, user, password or {"alice": "wonderland",
                                    "bob": "builder"}[user])
    assert r.status == 303, r.body[:300]
    return session_of(r)[0]


def test_page_without_credentials_goes_to_the_login_page(k):
    r = k.get("/krj/sp500?sort=-c&signal=Long")
    assert r.status == 303
    target = local(k, r.headers["location"])
    assert target.startswith("/krj/login?next=")
    doc = page(k.get(target), 200)
    nxt = doc.find("input", name="next")
    assert nxt.attrs["value"] == "/krj/sp500?sort=-c&signal=Long"
    # the login page and the assets need no credentials
    css = doc.find("link", rel="stylesheet").attrs["href"]
    assert k.get(css).status == 200


def test_api_without_credentials_is_still_json(k):
    r = k.get("/api/v1/signals/sp500")
    assert r.status == 401
    assert json.loads(r.body)["error"]["code"] == "unauthorized"
    assert "location" not in r.headers


def test_good_password(k):
    r = login(k, "alice", "wonderland", next="/krj/sp100?sort=c")
    assert r.status == 303
    assert local(k, r.headers["location"]) == "/krj/sp100?sort=c"
    value, attrs = session_of(r)
    assert {"secure", "httponly", "samesite", "path", "max-age"} <= attrs
    assert "samesite=strict" in r.headers["set-cookie"].lower()
    assert "path=/" in r.headers["set-cookie"].lower()
    # the page says who is signed in, with the form to sign out
    p = k.get("/krj/sp500", headers=with_cookie(value))
    doc = page(p, 200)
    me = doc.find("form", cls="me")
    assert me.attrs["action"] == "/krj/logout"
    assert me.find("span").text() == "alice"
    # as the oracle renders it for alice
    from conftest import snapshot_time
    site = krjdash.Site(krjdata.newest(k.data),
                        generated_at=snapshot_time(k.snapshot))
    wants = []
    for now in (int(time.time()) - 1, int(time.time()) + 1):
        site.now = now
        wants.append(site.get("/krj/sp500", user="alice")[2].encode())
    assert p.body in wants
    # the cookie is a principal on the API too (krj_auth any)
    assert k.get("/api/v1/summary", headers=with_cookie(value)).status == 200
    # and without a session, the header has no user
    basic = {"Authorization": "Basic " + base64.b64encode(
        b"alice:wonderland").decode()}
    assert page(k.get("/krj/sp500", headers=basic), 200).find(
        "form", cls="me") is None


def test_scopes_of_the_user(k):
    value = signed_in(k, "bob")
    doc = page(k.get("/krj/sp500", headers=with_cookie(value)), 200)
    assert [a.attrs["href"] for a in doc.find("nav", cls="tabs")
            .find_all("a")] == ["/krj/sp500", "/krj/drc"]
    page(k.get("/krj/sp100", headers=with_cookie(value)), 403)


@pytest.mark.parametrize("user,password", [
    ("alice", "nope"), ("alice", ""), ("eve", "wonderland"), ("", ""),
    ("alice", " wonderland"), ("alice", "wonderland "),
])
def test_bad_password_is_the_form_again(k, user, password):
    r = login(k, user, password, next="/krj/drc")
    doc = page(r, 401)
    assert doc.find("p", cls="err").text() == "Wrong user name or password."
    assert doc.find("input", name="next").attrs["value"] == "/krj/drc"
    assert "set-cookie" not in r.headers
    assert "etag" not in r.headers


def test_a_form_that_is_no_text(k):
    r = k.request("POST", "/krj/login", headers=origin(k),
                  body="user=alice&password=%ff%fe")
    page(r, 401)
    assert "set-cookie" not in r.headers


def test_without_next_to_the_dashboard(k):
    r = login(k, "alice", "wonderland")
    assert r.status == 303 and local(k, r.headers["location"]) == "/krj"


@pytest.mark.parametrize("evil", [
    "//evil.example/", "https://evil.example/", "http:evil.example",
    "/\\evil.example", "/krj/\\evil", "\\\\evil.example",
    "%2F%2Fevil.example", "/%2F/evil.example", "/krj/%2F%2Fevil",
    "/krj/../..//evil.example", "/krj/%2e%2e/%2e%2e//evil",
    "/krjx/evil", "javascript:alert(1)", "/krj/a\r\nSet-Cookie: x=1",
    " //evil.example", "/krj/%0d%0aX: y",
])
def test_next_never_leaves_the_site(k, evil):
    r = login(k, "alice", "wonderland", next=evil)
    assert r.status == 303
    target = local(k, r.headers["location"])
    assert target == "/krj", (evil, target)
    assert "x" not in {n for n, _ in r.header_list}


@pytest.mark.parametrize("headers", [
    {"Content-Type": FORM},                                     # no Origin
    {"Content-Type": FORM, "Origin": "https://evil.example"},
    {"Content-Type": FORM, "Origin": "null"},
    {"Content-Type": FORM, "Referer": "https://evil.example/krj/login"},
    {"Content-Type": FORM, "Origin": "http://127.0.0.1:1"},
])
def test_csrf(k, headers):
    r = login(k, "alice", "wonderland", headers=headers)
    doc = page(r, 403)
    assert doc.find("p", cls="err").attrs["data-code"] == "forbidden"
    assert "set-cookie" not in r.headers
    value = signed_in(k)
    r = k.request("POST", "/krj/logout", headers=dict(
        headers, **with_cookie(value)), body="")
    page(r, 403)
    assert "set-cookie" not in r.headers


def test_referer_of_the_site_will_do(k):
    r = login(k, "alice", "wonderland", headers={
        "Content-Type": FORM, "Referer": k.base + "/krj/login"})
    assert r.status == 303


def test_only_forms(k):
    r = k.request("POST", "/krj/login", headers={
        "Origin": k.base, "Content-Type": "application/json"},
        body='{"user":"alice","password":"wonderland"}')
    assert page(r, 415).find("p", cls="err").attrs["data-code"] == \
        "unsupported_media_type"
    r = k.request("POST", "/krj/login", headers=origin(k),
                  body="user=alice&password=wonderland&x=" + "y" * 5000)
    page(r, 413)
    assert "set-cookie" not in r.headers
    r = k.request("POST", "/krj/login", headers=dict(
        origin(k), **{"Content-Type": FORM + "; charset=UTF-8"}),
        body="user=alice&password=wonderland")
    assert r.status == 303


def test_logout(k):
    value = signed_in(k)
    r = k.request("POST", "/krj/logout", headers=dict(
        origin(k), **with_cookie(value)), body="")
    assert r.status == 303
    assert local(k, r.headers["location"]) == "/krj/login"
    cleared, attrs = session_of(r)
    assert cleared == "" and "max-age" in attrs
    assert "max-age=0" in r.headers["set-cookie"].lower()
    r = k.get("/krj/logout")
    assert r.status == 405 and r.headers["allow"] == "POST"
    r = k.request("PUT", "/krj/login", body="")
    assert r.status == 405 and r.headers["allow"] == "GET, HEAD, POST"


def test_tampered_cookie(k):
    value = signed_in(k)
    i = len(value) // 2
    bad = value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1:]
    r = k.get("/krj/sp500", headers=with_cookie(bad))
    assert r.status == 303
    assert local(k, r.headers["location"]).startswith("/krj/login?next=")
    assert k.get("/krj/sp500", headers=with_cookie(value)).status == 200


def test_user_removed_or_password_changed(make_krj, tmp_path):
    k = start(make_krj, tmp_path)
    alice, bob = signed_in(k, "alice"), signed_in(k, "bob")
    assert k.get("/krj/sp500", headers=with_cookie(alice)).status == 200
    k.users.remove("alice")
    k.users.set("bob", "new password", "sp500,drc")
    deadline = time.time() + 10
    for value in (alice, bob):
        while k.get("/krj/sp500", headers=with_cookie(value)).status != 303:
            assert time.time() < deadline, "the session outlived its user"
            time.sleep(0.1)
    assert login(k, "bob", "builder").status == 401
    assert login(k, "bob", "new password").status == 303


def test_expiry(make_krj, tmp_path):
    k = start(make_krj, tmp_path, extra="    krj_session_time 2s;\n")
    value = signed_in(k)
    assert k.get("/krj/drc", headers=with_cookie(value)).status == 200
    time.sleep(3.2)
    r = k.get("/krj/drc", headers=with_cookie(value))
    assert r.status == 303, "an expired session signs in again"


def test_old_key_verifies(make_krj, tmp_path):
    old = key_file(tmp_path / "old.key")
    k = start(make_krj, tmp_path, keys=[old])
    value = signed_in(k)
    new = key_file(tmp_path / "new.key")
    conf = k.nginx.conf_text()
    k.nginx.write_conf(http_conf=k.nginx.http_conf.replace(
        "krj_session_key_file %s;" % old,
        "krj_session_key_file %s;\n    krj_session_key_file %s;"
        % (new, old)))
    k.nginx.reload()
    assert k.get("/krj/drc", headers=with_cookie(value)).status == 200, \
        "a cookie of the old key is still good while that key verifies"
    fresh = signed_in(k)
    assert fresh != value
    k.nginx.write_conf(http_conf=k.nginx.http_conf.replace(
        "\n    krj_session_key_file %s;" % old, ""))
    k.nginx.reload()
    assert k.get("/krj/drc", headers=with_cookie(value)).status == 303
    assert k.get("/krj/drc", headers=with_cookie(fresh)).status == 200
    assert conf != k.nginx.conf_text()


def test_limiter(make_krj, tmp_path):
    k = start(make_krj, tmp_path,
              extra="    krj_auth_fail_limit rate=2r/m burst=2;\n")
    k.allow_log = []
    codes = [login(k, "alice", "nope").status for _ in range(4)]
    assert codes[0] == 401 and 429 in codes, codes
    r = login(k, "alice", "wonderland")
    doc = page(r, 429)
    assert int(r.headers["retry-after"]) >= 1
    assert doc.find("p", cls="err").attrs["data-code"] == "auth_locked"
    assert "set-cookie" not in r.headers, "locked out: not even verified"
    assert doc.find("nav", cls="tabs") is None


def test_session_only_dashboard(make_krj, tmp_path):
    """krj_auth session: Basic is no way in (credentials of a scheme not
    accepted here are refused as such, a 401 page that links to the login
    page, no challenge), the login page is."""
    k = start(make_krj, tmp_path, auth="session")
    basic = {"Authorization": "Basic " + base64.b64encode(
        b"alice:wonderland").decode()}
    r = k.get("/krj/sp500", headers=basic)
    doc = page(r, 401)
    assert "www-authenticate" not in r.headers
    assert doc.find("p", cls="err").attrs["data-code"] == "unauthorized"
    assert [a.attrs["href"] for a in doc.find_all("a")
            if a.text() == "Sign in"] == ["/krj/login"]
    r = k.get("/krj/sp500")
    assert r.status == 303
    target = urllib.parse.urlsplit(local(k, r.headers["location"]))
    assert target.path == "/krj/login"
    assert urllib.parse.parse_qs(target.query) == {"next": ["/krj/sp500"]}
    value = signed_in(k)
    assert k.get("/krj/sp500", headers=with_cookie(value)).status == 200
    assert hashlib.sha256(value.encode()).hexdigest() not in \
        k.nginx.error_log()
