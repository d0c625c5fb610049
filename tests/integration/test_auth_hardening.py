"""What a hostile client tried against krj_auth, each closed: a slow hash
forced per request, user names told apart by timing, ambiguous
credentials, forged error-log lines, files whose removal kept keys valid,
a fresh key refused until the next tick, a full krj_zone answering 503,
invalid UTF-8 in error bodies."""

import base64
import hashlib
import json
import os
import socket
import statistics
import time
import warnings

import krjenv

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt


def newkey():
    return "krj_" + base64.urlsafe_b64encode(os.urandom(32)).decode() \
        .rstrip("=")


def digest(key):
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def basic_raw(user_pass):
    return "Basic " + base64.b64encode(user_pass).decode()


def bcrypt(pw, cost):
    return crypt.crypt(pw, crypt.mksalt(crypt.METHOD_BLOWFISH,
                                        rounds=2 ** cost))


def raw_get(port, path, headers):
    """A request with headers exactly as given (repeated names too)."""
    head = "GET %s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n" % path
    for k, v in headers:
        head += "%s: %s\r\n" % (k, v)
    return krjenv.raw_http(port, head + "\r\n")


def timed(k, headers, n=5):
    out = []
    for _ in range(n):
        t = time.monotonic()
        r = k.get("/api/v1/categories", headers=headers)
        out.append(time.monotonic() - t)
        assert r.status == 401, r.status
    return statistics.median(out)


def test_control_bytes_refused_before_any_hash(make_krj, tmp_path):
    users = tmp_path / "users"
    users.write_text("alice:%s\n" % bcrypt("secret", 12))
    k = make_krj(http_extra="    krj_user_file %s;\n"
                            "    krj_auth_cache_time 0;\n"
                            "    krj_auth_fail_limit rate=1000r/s "
                            "burst=1000;\n" % users,
                 locations="location /api/v1/ { krj_auth basic; krj_api; }")
    since = k.nginx.log_size()
    # crypt() stopped at the NUL: this was accepted, a bcrypt each time
    t = time.monotonic()
    r = k.get("/api/v1/categories",
              headers={"Authorization": basic_raw(b"alice:secret\0x")})
    elapsed = time.monotonic() - t
    assert r.status == 401
    log = k.nginx.error_log(since)
    assert 'user "alice" hold a control byte, refused' in log
    assert "password mismatch" not in log, "no hash was computed"
    assert elapsed < 0.15, "a bcrypt-12 takes far longer (%.3fs)" % elapsed
    for bad in (b"ali\x01ce:secret", b"alice:sec\x7fret", b"alice:\ttab"):
        r = k.get("/api/v1/categories",
                  headers={"Authorization": basic_raw(bad)})
        assert r.status == 401, bad


def test_forged_log_line_is_escaped(make_krj, tmp_path):
    users = tmp_path / "users"
    users.write_text("alice:{PLAIN}secret\n")
    k = make_krj(http_extra="    krj_user_file %s;\n"
                            "    krj_auth_fail_limit rate=1000r/s "
                            "burst=1000;\n" % users,
                 locations="location /api/v1/ { krj_auth basic; krj_api; }")
    forged = (b"x\n2026/01/01 00:00:00 [alert] 1#1: worker process 2 "
              b"exited on signal 11\n:pw")
    r = k.get("/api/v1/categories",
              headers={"Authorization": basic_raw(forged)})
    assert r.status == 401
    log = k.nginx.error_log()
    assert "\\x0A2026/01/01" in log, "the newline is written as \\x0A"
    assert not any(l.startswith("2026/01/01") for l in log.splitlines()), \
        "no line of its own"


def test_limited_user_costs_no_hash(make_krj, tmp_path):
    users = tmp_path / "users"
    users.write_text("alice:%s\n" % bcrypt("secret", 10))
    k = make_krj(http_extra="    krj_user_file %s;\n"
                            "    krj_auth_cache_time 0;\n"
                            "    krj_auth_fail_limit rate=1000r/s "
                            "burst=1000;\n" % users,
                 locations="location /api/v1/ { krj_auth basic; "
                           "krj_limit rate=1r/m burst=0 nodelay; krj_api; }")
    ok = {"Authorization": basic_raw(b"alice:secret")}
    wrong = {"Authorization": basic_raw(b"alice:guess")}
    assert k.get("/api/v1/categories", headers=ok).status == 200
    since = k.nginx.log_size()
    for h in (ok, wrong, ok):
        r = k.get("/api/v1/categories", headers=h)
        assert r.status == 429
        assert json.loads(r.body)["error"]["code"] == "rate_limited"
    log = k.nginx.error_log(since)
    assert "password mismatch" not in log, \
        "over its limit, the claimed user is not verified at all"
    assert log.count('limiting requests of "user:alice"') == 3


def test_unknown_user_costs_the_costliest_entry(make_krj, tmp_path):
    users = tmp_path / "users"
    # the first entry is the cheapest: it used to set the unknown's cost
    users.write_text("alice:%s\nbob:%s\ncarol:%s\ndan:{SHA}%s\n" % (
        bcrypt("a", 7), bcrypt("b", 11),
        crypt.crypt("c", crypt.mksalt(crypt.METHOD_SHA512)),
        base64.b64encode(hashlib.sha1(b"d").digest()).decode()))
    k = make_krj(http_extra="    krj_user_file %s;\n"
                            "    krj_auth_cache_time 0;\n"
                            "    krj_auth_fail_limit rate=1000r/s "
                            "burst=1000;\n" % users,
                 locations="location /api/v1/ { krj_auth basic; krj_api; }")
    alice = timed(k, {"Authorization": basic_raw(b"alice:wrong")})
    bob = timed(k, {"Authorization": basic_raw(b"bob:wrong")})
    nobody = timed(k, {"Authorization": basic_raw(b"nobody:wrong")})
    assert bob > 4 * alice, (alice, bob)
    assert nobody > bob / 2, \
        "an unknown user costs what bob (bcrypt 11) does: %.3f %.3f" % (
            nobody, bob)
    assert nobody > 4 * alice, (alice, nobody)


def test_ambiguous_credentials_are_a_400(make_krj, tmp_path):
    one, two = newkey(), newkey()
    keys = tmp_path / "keys"
    keys.write_text("one:%s:*\ntwo:%s:*\n" % (digest(one), digest(two)))
    k = make_krj(http_extra="    krj_key_file %s;\n" % keys,
                 locations="""
        location /api/v1/ { krj_auth key basic; krj_api; }
        location /open/ { krj_api; }
""")
    cases = [
        [("X-API-Key", one), ("X-API-Key", two)],
        [("X-API-Key", one), ("X-API-Key", one)],
        [("Authorization", "Bearer " + one), ("X-API-Key", two)],
        [("Authorization", basic_raw(b"u:p")), ("X-API-Key", one)],
    ]
    since = k.nginx.log_size()
    for headers in cases:
        r = raw_get(k.port, "/api/v1/categories", headers)
        assert r.status == 400, headers
        doc = json.loads(r.body)
        assert doc["error"]["code"] == "ambiguous_credentials", headers
    assert "was not found" not in k.nginx.error_log(since), "none was tried"
    same = [("Authorization", "Bearer " + one), ("X-API-Key", one)]
    assert raw_get(k.port, "/api/v1/categories", same).status == 200
    assert raw_get(k.port, "/api/v1/categories",
                   [("X-API-Key", two)]).status == 200
    # where krj_auth does not apply, credentials are not looked at
    assert raw_get(k.port, "/open/categories", cases[0]).status == 200


def test_removed_or_emptied_file_refuses_every_key(make_krj, tmp_path):
    key = newkey()
    keys = tmp_path / "keys"
    keys.write_text("k:%s:*\n" % digest(key))
    k = make_krj(reload_interval="100ms",
                 http_extra="    krj_key_file %s;\n"
                            "    krj_auth_fail_limit rate=1000r/s "
                            "burst=1000;\n" % keys,
                 locations="location /api/v1/ { krj_auth key; krj_api; }")
    k.allow_log = [r"\[crit\].*cannot open .*every key of it is refused"]
    h = {"Authorization": "Bearer " + key}

    def wait_status(want):
        deadline = time.time() + 5
        while time.time() < deadline:
            if k.get("/api/v1/categories", headers=h).status == want:
                return True
            time.sleep(0.05)
        return False

    assert wait_status(200)
    keys.unlink()
    assert wait_status(401), "a removed key file revokes every key"
    log = k.nginx.error_log()
    assert "[crit]" in log and "cannot open \"%s\"" % keys in log
    keys.write_text("k:%s:*\n" % digest(key))
    assert wait_status(200), "the file back in place is loaded again"
    keys.write_text("")
    assert wait_status(401), "an emptied key file revokes every key"
    keys.write_text("k:%s:*\n" % digest(key))
    assert wait_status(200)


def test_fresh_key_usable_at_once(make_krj, tmp_path):
    keys = tmp_path / "keys"
    keys.write_text("")
    k = make_krj(reload_interval="1h",
                 http_extra="    krj_key_file %s;\n" % keys,
                 locations="location /api/v1/ { krj_auth key; krj_api; }")
    # an hour between ticks: only the look on an unknown key can see it
    r = krjenv.run_batch("keys", "add", "ci", "--scopes", "*",
                         "--key-file", keys)
    assert r.returncode == 0, r.stderr
    key = r.stdout.strip().splitlines()[-1]
    time.sleep(0.15)
    # retried eagerly, it never looks like a failed login: the default
    # krj_auth_fail_limit (5r/m burst=5) would lock the address out
    for i in range(10):
        assert k.get("/api/v1/categories",
                     headers={"Authorization": "Bearer " + key}).status \
            == 200, i


def test_full_zone_evicts_instead_of_503(make_krj, tmp_path):
    lines, ks = [], []
    for i in range(400):
        key = newkey()
        ident = ("k%d-" % i) + "x" * (i % 60)
        ks.append(key)
        lines.append("%s:%s:*" % (ident, digest(key)))
    keys = tmp_path / "keys"
    keys.write_text("\n".join(lines) + "\n")
    k = make_krj(zone="krj_zone krj 32k;",
                 http_extra="    krj_key_file %s;\n" % keys,
                 locations="location /api/v1/ { krj_auth key; "
                           "krj_limit rate=100r/s burst=10; krj_api; }")
    for key in ks:
        r = k.get("/api/v1/summary",
                  headers={"Authorization": "Bearer " + key})
        assert r.status == 200, (r.status, r.body[:200])
    assert "could not allocate" not in k.nginx.error_log()


def test_error_bodies_are_valid_utf8(make_krj):
    k = make_krj()
    r = k.get("/api/v1/signals/%ff%fe")
    assert r.status == 404
    text = r.body.decode("utf-8")
    assert json.loads(text)["error"]["message"] == \
        'no category "\ufffd\ufffd"'
    # a long message is cut between two characters, not inside one
    r = k.get("/api/v1/" + "%C3%A9" * 400)
    assert r.status == 404
    msg = json.loads(r.body.decode("utf-8"))["error"]["message"]
    assert msg.startswith('no such path "/api/v1/\u00e9')
    assert "\ufffd" not in msg
    assert len(msg.encode()) <= 512
