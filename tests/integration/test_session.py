"""Session cookies (krj_auth session, krj_session_key_file): cookies minted
here by an independent implementation of the README's format are verified
by the module on a real nginx: good ones give the user's principal and
scopes, and every refusal (tampered, bad base64, wrong length, unknown
version or key, expired, issued in the future, user removed, password
changed, two cookies) is a 401 like no credentials, logged at info with
its reason and never the cookie, counted in the metrics; a header beside
a cookie wins; key rotation; the failed-login limit counts forgeries
only; every bad key file fails nginx -t."""

import base64
import hashlib
import hmac
import os
import re
import struct
import time
import warnings

import pytest
from prometheus_client.parser import text_string_to_metric_families

import krjenv

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt


COOKIE = "__Host-krj_session"
KEY = "krj_" + base64.urlsafe_b64encode(b"k" * 32).decode().rstrip("=")


def sha512(password):
    return crypt.crypt(password, crypt.mksalt(crypt.METHOD_SHA512))


def mint(key, user, stored_hash, issued=None, expires=None, version=1,
         key_id=None, fingerprint=None):
    """A cookie value as the README says krj makes them."""
    now = int(time.time())
    issued = now if issued is None else issued
    expires = issued + 3600 if expires is None else expires
    kid = hashlib.sha256(key).digest()[:4] if key_id is None else key_id
    fp = hmac.new(key, stored_hash.encode(), hashlib.sha256).digest()[:16] \
        if fingerprint is None else fingerprint
    name = user.encode()
    body = bytes([version]) + kid + struct.pack(">qq", issued, expires) \
        + fp + bytes([len(name)]) + name
    mac = hmac.new(key, body, hashlib.sha256).digest()
    return b64(body + mac)


def b64(raw):
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def cookie(value, extra=None):
    h = {"Cookie": "%s=%s" % (COOKIE, value)}
    h.update(extra or {})
    return h


def write_key(path, raw=None, mode=0o600):
    path.write_bytes(os.urandom(32) if raw is None else raw)
    path.chmod(mode)
    return path.read_bytes()


class Users:
    """A user file the test rewrites (atomically, as krj-batch does)."""

    def __init__(self, path):
        self.path = path
        self.hashes = {}
        self.scopes = {}

    def set(self, name, password, scopes="*"):
        self.hashes[name] = sha512(password)
        self.scopes[name] = scopes
        self.write()

    def remove(self, name):
        del self.hashes[name]
        self.write()

    def write(self):
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text("".join("%s:%s:%s\n" % (n, h, self.scopes[n])
                               for n, h in self.hashes.items()))
        os.replace(tmp, self.path)


def scrape(k):
    r = k.get("/metrics")
    assert r.status == 200, r.body[:300]
    samples = {}
    for fam in text_string_to_metric_families(r.body.decode()):
        for s in fam.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return samples


def metric(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))), 0)


LOCATIONS = """
        location /api/v1/ { krj_auth any; krj_api; access_log %(log)s who; }
        location /sess/ { krj_auth session; krj_api; }
        location /key/ { krj_auth key; krj_api; }
        location = /metrics { krj_status metrics; }
"""


def make(factory, tmp, keys, locations=LOCATIONS, extra="", **kw):
    users = Users(tmp / "users")
    users.set("alice", "pw-alice")
    users.set("bob", "pw-bob", "sp500")
    (tmp / "keys").write_text("ci:sha256:%s:*\n"
                              % hashlib.sha256(KEY.encode()).hexdigest())
    log = tmp / "who.log"
    http = ("    krj_key_file %s;\n    krj_user_file %s;\n"
            % (tmp / "keys", users.path)
            + "".join("    krj_session_key_file %s;\n" % p for p in keys)
            + "    log_format who '$http_x_test $krj_principal $krj_auth_method "
              "$status';\n"
            + extra)
    k = factory(http_extra=http, locations=locations % {"log": log},
                start=False, **kw)
    k.users = users
    k.who = log
    k.start()
    return k


@pytest.fixture(scope="module")
def k(tmp_path_factory):
    from conftest import _Factory
    f = _Factory(tmp_path_factory)
    tmp = tmp_path_factory.mktemp("session")
    new, old = tmp / "session-2.key", tmp / "session-1.key"
    n, o = write_key(new), write_key(old)
    krj = make(f, tmp, [new, old], extra=(
        "    krj_session_time 1h;\n"
        "    krj_auth_fail_limit rate=1000r/s burst=1000;\n"))
    krj.new, krj.old = n, o
    yield krj
    f.finish()


def alice(k, key=None, **kw):
    return mint(key or k.new, "alice", k.users.hashes["alice"], **kw)


def who_lines(k):
    return k.who.read_text().splitlines() if k.who.exists() else []


def get_who(k, path, headers):
    """The answer, and its access log line ("$krj_principal
    $krj_auth_method $status"), which is written after the answer."""
    tag = os.urandom(8).hex()
    r = k.get(path, headers=dict(headers, **{"X-Test": tag}))
    deadline = time.time() + 5
    while time.time() < deadline:
        for line in who_lines(k):
            if line.startswith(tag + " "):
                return r, line[len(tag) + 1:]
        time.sleep(0.02)
    raise AssertionError("no line of %s in %s" % (tag, k.who))


def assert_like_none(k, resp, what):
    """The answer to a refused cookie is the answer to no credentials."""
    none = k.get("/api/v1/categories")
    assert resp.status == 401, "%s: 401, got %d %r" % (what, resp.status,
                                                       resp.body[:200])
    assert resp.body == none.body, what
    assert sorted(v for n, v in resp.header_list if n == "www-authenticate") \
        == sorted(v for n, v in none.header_list if n == "www-authenticate"),\
        what


def refused(k, value, reason, path="/api/v1/categories"):
    """value is refused for reason, logged at info, never the cookie."""
    since = k.nginx.log_size()
    r = k.get(path, headers=cookie(value))
    assert_like_none(k, r, reason)
    log = k.nginx.error_log(since)
    assert re.search(r"\[info\] .*krj: session cookie (of user \"[^\"]*\" )?"
                     r"refused: %s" % re.escape(reason), log), \
        "%s logged at info: %s" % (reason, log[-1500:])
    if value:
        assert value not in log, "the cookie itself is never logged"
    return log


def test_good_cookie_is_the_user(k):
    r, who = get_who(k, "/api/v1/categories", cookie(alice(k)))
    assert r.status == 200, r.body[:300]
    assert who == "user:alice session 200"


def test_scopes_are_the_users(k):
    bob = mint(k.new, "bob", k.users.hashes["bob"])
    r = k.get("/api/v1/categories", headers=cookie(bob))
    assert r.status == 200
    import json
    assert [c["slug"] for c in json.loads(r.body)["categories"]] == ["sp500"]
    assert k.get("/api/v1/signals/sp500", headers=cookie(bob)).status == 200
    assert k.get("/api/v1/signals/sp100", headers=cookie(bob)).status == 403


def test_session_only_location(k):
    assert k.get("/sess/categories", headers=cookie(alice(k))).status == 200
    r = k.get("/sess/categories")
    assert r.status == 401
    # there is no HTTP challenge for a cookie
    assert "www-authenticate" not in r.headers
    basic = "Basic " + base64.b64encode(b"alice:pw-alice").decode()
    assert k.get("/sess/categories",
                 headers={"Authorization": basic}).status == 401


def test_cookie_where_sessions_are_not_accepted(k):
    # the browser sends it everywhere (Path=/): elsewhere it is nothing
    since = k.nginx.log_size()
    r = k.get("/key/categories", headers=cookie("garbage!"))
    assert r.status == 401
    assert "no credentials were provided" in k.nginx.error_log(since)
    assert "session cookie" not in k.nginx.error_log(since)


def test_signed_by_either_key(k):
    assert k.get("/api/v1/categories",
                 headers=cookie(alice(k, k.old))).status == 200
    assert k.get("/api/v1/categories",
                 headers=cookie(alice(k, k.new))).status == 200


def test_tampered(k):
    raw = bytearray(unb64(alice(k)))
    for i in (1, 5, 13, 21, 38, len(raw) - 1):
        t = bytearray(raw)
        t[i] ^= 0x01
        want = "unknown key id" if i < 5 else "bad MAC"
        refused(k, b64(bytes(t)), want)


def test_name_changed_in_a_good_cookie(k):
    raw = bytearray(unb64(alice(k)))
    raw[38:43] = b"mally"
    refused(k, b64(bytes(raw)), "bad MAC")


@pytest.mark.parametrize("value,reason", [
    ("", "wrong length"),
    ("!!!!", "not base64url"),
    ("AAAA====", "not base64url"),
    ("A", "not base64url"),
    ("\"abc\"", "not base64url"),
    (b64(b"\x01" * 20), "wrong length"),
    (b64(b"\x01" * 300), "wrong length"),
], ids=["empty", "bad chars", "padding", "one char", "quoted", "short",
        "long"])
def test_malformed(k, value, reason):
    refused(k, value, reason)


def test_truncated_and_padded(k):
    good = alice(k)
    refused(k, good[:-4], "wrong length")
    pad = good + "=" * (-len(good) % 4)
    if pad != good:
        refused(k, pad, "not base64url")


def test_unknown_version(k):
    refused(k, alice(k, version=2), "unknown version")


def test_unknown_key(k):
    refused(k, alice(k, key=os.urandom(32)), "unknown key id")


def test_expired(k):
    now = int(time.time())
    refused(k, alice(k, issued=now - 100, expires=now - 1), "expired")
    # krj_session_time 1h: a cookie issued earlier is over, whatever it says
    refused(k, alice(k, issued=now - 3601, expires=now + 3600), "expired")
    assert k.get("/api/v1/categories", headers=cookie(
        alice(k, issued=now - 3500, expires=now + 100))).status == 200


def test_issued_in_the_future(k):
    now = int(time.time())
    refused(k, alice(k, issued=now + 120, expires=now + 3600),
            "issued in the future")
    # a clock up to a minute ahead is a clock
    assert k.get("/api/v1/categories", headers=cookie(
        alice(k, issued=now + 30, expires=now + 3600))).status == 200


def test_unknown_user_and_other_hash(k):
    refused(k, mint(k.new, "mallory", "$6$x$y"), "unknown user")
    refused(k, alice(k, fingerprint=b"\0" * 16), "the user's password changed")


def test_two_cookies(k):
    good = alice(k)
    since = k.nginx.log_size()
    r = k.get("/api/v1/categories", headers={
        "Cookie": "a=1; %s=%s; %s=%s" % (COOKIE, good, COOKIE, good)})
    assert_like_none(k, r, "two in one header")
    r = krjenv.raw_http(k.port, (
        "GET /api/v1/categories HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        "Cookie: %s=%s\r\nCookie: b=2; %s=%s\r\n\r\n"
        % (COOKIE, good, COOKIE, good)))
    assert_like_none(k, r, "two headers")
    log = k.nginx.error_log(since)
    assert log.count("refused: two session cookies") == 2, log[-1000:]


def test_other_cookies_around_it(k):
    r = k.get("/api/v1/categories", headers={
        "Cookie": "krj_session=x; a=1;  %s=%s ;b=%s" % (COOKIE, alice(k),
                                                       COOKIE)})
    assert r.status == 200, r.body[:200]


def test_header_beside_cookie_wins(k):
    # a valid key and a cookie that is refused: the key is the principal
    since = k.nginx.log_size()
    r, who = get_who(k, "/api/v1/categories", cookie(
        "forged", {"Authorization": "Bearer " + KEY}))
    assert r.status == 200
    assert who == "key:ci key 200"
    assert "session cookie" not in k.nginx.error_log(since), \
        "beside a header, the cookie is not looked at"
    # a valid cookie does not save a wrong header
    r = k.get("/api/v1/categories", headers=cookie(
        alice(k), {"Authorization": "Bearer krj_wrong"}))
    assert r.status == 401
    basic = "Basic " + base64.b64encode(b"alice:pw-alice").decode()
    r, who = get_who(k, "/api/v1/categories", cookie(
        "forged", {"Authorization": basic}))
    assert r.status == 200
    assert who == "user:alice basic 200"


def test_metrics(k):
    before = scrape(k)
    now = int(time.time())
    assert k.get("/api/v1/categories", headers=cookie(alice(k))).status \
        == 200
    assert k.get("/api/v1/categories", headers=cookie(alice(
        k, issued=now - 100, expires=now - 1))).status == 401
    raw = bytearray(unb64(alice(k)))
    raw[-1] ^= 1
    assert k.get("/api/v1/categories",
                 headers=cookie(b64(bytes(raw)))).status == 401
    # a cookie beside a header, and one where sessions are not accepted,
    # are not presented as a session
    assert k.get("/api/v1/categories", headers=cookie(
        alice(k), {"Authorization": "Bearer " + KEY})).status == 200
    assert k.get("/key/categories", headers=cookie(alice(k))).status == 401
    after = scrape(k)

    def moved(name, **labels):
        return metric(after, name, **labels) - metric(before, name, **labels)

    assert moved("krj_session_cookies_total", result="accepted") == 1
    assert moved("krj_session_cookies_total", result="refused") == 2
    assert moved("krj_auth_outcomes_total", method="session",
                 result="ok") == 1
    assert moved("krj_auth_outcomes_total", method="session",
                 result="expired") == 1
    assert moved("krj_auth_outcomes_total", method="session",
                 result="bad_credentials") == 1
    assert moved("krj_auth_outcomes_total", method="key", result="ok") == 1
    assert moved("krj_auth_outcomes_total", method="none",
                 result="missing") == 1


def test_no_password_hash_for_a_cookie(k):
    # a cookie is an HMAC: many requests, and the Basic cache never moves
    before = scrape(k)
    for _ in range(20):
        assert k.get("/api/v1/categories",
                     headers=cookie(alice(k))).status == 200
    after = scrape(k)
    for result in ("hit", "miss"):
        assert metric(after, "krj_basic_cache_lookups_total",
                      result=result) == \
            metric(before, "krj_basic_cache_lookups_total", result=result)


# --- what ends a session ---------------------------------------------------

def test_user_removed_or_password_changed(make_krj, tmp_path):
    key = tmp_path / "session.key"
    write_key(key)
    k = make(make_krj, tmp_path, [key], reload_interval="100ms")
    raw = key.read_bytes()
    a = mint(raw, "alice", k.users.hashes["alice"])
    b = mint(raw, "bob", k.users.hashes["bob"])
    assert k.get("/api/v1/categories", headers=cookie(a)).status == 200
    assert k.get("/api/v1/categories", headers=cookie(b)).status == 200

    k.users.set("alice", "a new password")
    k.users.remove("bob")
    time.sleep(0.5)
    refused(k, a, "the user's password changed")
    refused(k, b, "unknown user")

    # a cookie made for the new hash is good at once
    a2 = mint(raw, "alice", k.users.hashes["alice"])
    assert k.get("/api/v1/categories", headers=cookie(a2)).status == 200


def test_new_password_seen_before_the_tick(make_krj, tmp_path):
    # a worker that has not re-read the file yet looks at it, as for an
    # unknown Basic user, instead of refusing a session made a moment ago
    key = tmp_path / "session.key"
    write_key(key)
    k = make(make_krj, tmp_path, [key], reload_interval="1h")
    raw = key.read_bytes()
    k.users.set("carol", "pw-carol")
    time.sleep(0.15)                # the worker looks at most every 100 ms
    c = mint(raw, "carol", k.users.hashes["carol"])
    assert k.get("/api/v1/categories", headers=cookie(c)).status == 200
    k.users.set("alice", "changed")
    time.sleep(0.15)
    a = mint(raw, "alice", k.users.hashes["alice"])
    assert k.get("/api/v1/categories", headers=cookie(a)).status == 200


def test_key_rotation(make_krj, tmp_path):
    old, new = tmp_path / "session-1.key", tmp_path / "session-2.key"
    write_key(old)
    k = make(make_krj, tmp_path, [old])
    o = old.read_bytes()
    by_old = mint(o, "alice", k.users.hashes["alice"])
    assert k.get("/api/v1/categories", headers=cookie(by_old)).status == 200

    # 1. the new key first: it signs, both verify
    write_key(new)
    n = new.read_bytes()
    k.nginx.write_conf(http_conf=k.nginx.http_conf.replace(
        "krj_session_key_file %s;" % old,
        "krj_session_key_file %s;\n    krj_session_key_file %s;"
        % (new, old)))
    k.nginx.reload()
    by_new = mint(n, "alice", k.users.hashes["alice"])
    assert k.get("/api/v1/categories", headers=cookie(by_old)).status == 200
    assert k.get("/api/v1/categories", headers=cookie(by_new)).status == 200

    # 2. after krj_session_time, the old one goes: its cookies are stale
    k.nginx.write_conf(http_conf=k.nginx.http_conf.replace(
        "    krj_session_key_file %s;\n" % old, ""))
    k.nginx.reload()
    refused(k, by_old, "unknown key id")
    assert k.get("/api/v1/categories", headers=cookie(by_new)).status == 200

    # a changed key file takes a reload: until then the key read is used
    write_key(new)
    assert k.get("/api/v1/categories", headers=cookie(by_new)).status == 200
    k.nginx.reload()
    refused(k, by_new, "unknown key id")


def test_fail_limit_counts_forgeries_only(make_krj, tmp_path):
    key = tmp_path / "session.key"
    write_key(key)
    k = make(make_krj, tmp_path, [key],
             extra="    krj_auth_fail_limit rate=1r/m burst=3;\n")
    raw = key.read_bytes()
    good = mint(raw, "alice", k.users.hashes["alice"])
    now = int(time.time())

    # a stale cookie is what a browser keeps, no guess: never limited
    stale = [mint(raw, "alice", k.users.hashes["alice"], issued=now - 100,
                  expires=now - 1),
             mint(os.urandom(32), "alice", k.users.hashes["alice"]),
             "garbage", mint(raw, "mallory", "x")]
    for _ in range(3):
        for s in stale:
            assert k.get("/api/v1/categories", headers=cookie(s)).status \
                == 401
    assert k.get("/api/v1/categories", headers=cookie(good)).status == 200

    # a bad MAC is a forgery: counted as a wrong password is
    forged = bytearray(unb64(good))
    forged[-1] ^= 1
    statuses = [k.get("/api/v1/categories",
                      headers=cookie(b64(bytes(forged)))).status
                for _ in range(5)]
    assert statuses[:3] == [401] * 3 and 429 in statuses, statuses

    # the address is locked: even a good cookie is not verified
    r = k.get("/api/v1/categories", headers=cookie(good))
    assert r.status == 429, r.body[:200]
    assert b"auth_locked" in r.body
    # and without any credentials, the normal 401
    assert k.get("/api/v1/categories").status == 401


# --- configuration -----------------------------------------------------------

def session_conf(make_krj, tmp_path, http_extra, auth="any"):
    return make_krj(publish=False, start=False, http_extra=http_extra,
                    locations="location /api/v1/ { krj_auth %s; krj_api; }"
                              % auth)


def one_emerg(out):
    emerg = [l for l in out.splitlines() if "[emerg]" in l]
    assert len(emerg) == 1, out
    return emerg[0]


@pytest.mark.parametrize("setup,message", [
    (lambda p: None,
     r'krj_session_key_file "%(p)s": open\(\) failed \(2: No such file'),
    (lambda p: p.mkdir(), r'krj_session_key_file "%(p)s" is not a regular '
                          r'file'),
    (lambda p: write_key(p, os.urandom(31)),
     r'krj_session_key_file "%(p)s" is 31 bytes: a key is exactly 32 random '
     r'bytes, as "openssl rand -out %(p)s 32" writes them'),
    (lambda p: write_key(p, os.urandom(33)), r'is 33 bytes'),
    (lambda p: write_key(p, b""), r'is 0 bytes'),
    (lambda p: write_key(p, mode=0o644),
     r'krj_session_key_file "%(p)s" is mode 0644: every user may read it, '
     r'and whoever has the key signs in as anybody; chmod o-rw %(p)s'),
    (lambda p: write_key(p, mode=0o602), r'is mode 0602: every user may '
                                         r'change it'),
], ids=["missing", "directory", "31 bytes", "33 bytes", "empty",
        "world-readable", "world-writable"])
def test_bad_key_file(make_krj, tmp_path, setup, message):
    p = tmp_path / "session.key"
    setup(p)
    k = session_conf(make_krj, tmp_path,
                     "    krj_session_key_file %s;\n" % p)
    k.allow_log = [r"\[emerg\]"]
    rc, out = k.nginx.test_config()
    assert rc != 0
    line = one_emerg(out)
    assert re.search(message % {"p": re.escape(str(p))}, line), line
    assert line.rstrip().endswith(
        "%s:%d" % (k.nginx.conf_path,
                   k.nginx.line_of("krj_session_key_file"))), line


def test_same_key_twice(make_krj, tmp_path):
    a, b = tmp_path / "a.key", tmp_path / "b.key"
    write_key(b, write_key(a))
    k = session_conf(make_krj, tmp_path,
                     "    krj_session_key_file %s;\n"
                     "    krj_session_key_file %s;\n" % (a, b))
    k.allow_log = [r"\[emerg\]"]
    rc, out = k.nginx.test_config()
    assert rc != 0
    assert 'krj_session_key_file "%s" holds the key of a ' \
           'krj_session_key_file before it' % b in one_emerg(out)


def test_root_only_key_passes(make_krj, tmp_path):
    # the master reads the key; the workers never open it: mode 0600 of
    # root is the best a key file can be, with workers as nobody
    if os.getuid() != 0:
        pytest.skip("the workers run as another user only under root")
    p = tmp_path / "session.key"
    write_key(p, mode=0o600)
    k = make_krj(publish=False, start=False, user="nobody nogroup",
                 http_extra="    krj_session_key_file %s;\n" % p,
                 locations="location /api/v1/ { krj_auth any; krj_api; }")
    rc, out = k.nginx.test_config()
    assert rc == 0, out


@pytest.mark.parametrize("auth", ["any", "session", "key session"])
def test_session_needs_a_key(make_krj, tmp_path, auth):
    k = session_conf(make_krj, tmp_path, "", auth=auth)
    k.allow_log = [r"\[emerg\]"]
    rc, out = k.nginx.test_config()
    assert rc != 0
    assert re.search(r'krj_auth (any|session) in location "/api/v1/" '
                     r'accepts session cookies, but no krj_session_key_file '
                     r'applies there', one_emerg(out)), out


def test_key_basic_needs_no_session_key(make_krj, tmp_path):
    k = session_conf(make_krj, tmp_path, "", auth="key basic")
    rc, out = k.nginx.test_config()
    assert rc == 0, out


def test_key_inherited_from_http(make_krj, tmp_path):
    p = tmp_path / "session.key"
    write_key(p)
    k = make_krj(publish=False, start=False,
                 http_extra="    krj_session_key_file %s;\n"
                            "    krj_auth any;\n" % p,
                 locations="location /api/v1/ { krj_api; }\n"
                           "location /s/ { krj_auth session; krj_api; }")
    rc, out = k.nginx.test_config()
    assert rc == 0, out


@pytest.mark.parametrize("value,message", [
    ("bogus", r'invalid value "bogus", it must be "off", "any", or one or '
              r'more of "key", "basic" and "session"'),
    ("off key", r'"off" stands alone'),
    ("key any", r'"any" stands alone'),
    ("key key", r'"key" is named twice'),
    ("key basic session any", r'invalid number of arguments'),
], ids=["bogus", "off and more", "any and more", "twice", "four"])
def test_bad_krj_auth(make_krj, tmp_path, value, message):
    k = session_conf(make_krj, tmp_path, "", auth=value)
    k.allow_log = [r"\[emerg\]"]
    rc, out = k.nginx.test_config()
    assert rc != 0
    assert re.search(message, one_emerg(out)), out


@pytest.mark.parametrize("value,ok", [
    ("0", False), ("1s", True), ("30d", True), ("-1", False), ("x", False)])
def test_session_time(make_krj, tmp_path, value, ok):
    p = tmp_path / "session.key"
    write_key(p)
    k = session_conf(make_krj, tmp_path,
                     "    krj_session_key_file %s;\n"
                     "    krj_session_time %s;\n" % (p, value))
    k.allow_log = [r"\[emerg\]"]
    rc, out = k.nginx.test_config()
    assert (rc == 0) == ok, out
    if not ok:
        assert '"krj_session_time" directive' in one_emerg(out), out
