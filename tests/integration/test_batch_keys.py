"""krj-batch keys add|list|revoke and users add|list|remove: the key is
alone on the last line and only its SHA-256 is stored, list never shows a
key or a digest, files are rewritten atomically with mode 0640, owner and
group kept and every other line byte for byte, validation errors exit 1
and change nothing, bcrypt hashes verify with the system's crypt, and every
command has --help."""

import hashlib
import json
import os
import pty
import re
import stat
import subprocess
import time
import warnings

import pytest

import krjenv

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)
    import crypt  # deprecated in 3.11, present on Debian 12

KEY = re.compile(r"^krj_[A-Za-z0-9_-]{43}$")
HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def batch(*args, stdin=None, env=None):
    """krj-batch with args; stdin bytes (or /dev/null); text output."""
    e = dict(os.environ)
    e.pop("KRJ_KEY_FILE", None)
    e.pop("KRJ_USER_FILE", None)
    e.update(env or {})
    return subprocess.run([str(krjenv.BATCH)] + [str(a) for a in args],
                          input=stdin if stdin is not None else b"",
                          capture_output=True, env=e, timeout=60)


def out(r):
    return r.stdout.decode()


def err(r):
    return r.stderr.decode()


def add_key(path, name, *opts):
    r = batch("keys", "add", name, "--key-file", path, *opts)
    assert r.returncode == 0, "keys add %s: %s" % (name, err(r))
    key = out(r).rstrip("\n").split("\n")[-1]
    assert KEY.match(key), "the last line is the key alone: %r" % key
    return key


def key_lines(path):
    return [ln for ln in path.read_text().splitlines()
            if ln and not ln.startswith("#")]


def snapshot(path):
    """bytes, inode and mtime: what must not change after a refusal"""
    st = path.stat()
    return path.read_bytes(), st.st_ino, st.st_mtime_ns


def no_temp_files(d):
    return [p.name for p in d.iterdir() if p.name.startswith(".")] == []


# keys add


def test_keys_add_prints_key_last_and_stores_digest(tmp_path):
    path = tmp_path / "etc" / "krj" / "api-keys"
    r = batch("keys", "add", "ci-bot", "--scopes", "sp500,sp100",
              "--rate", "600r/m", "--expires", "2099-01-01",
              "--key-file", path)
    assert r.returncode == 0, err(r)
    lines = out(r).rstrip("\n").split("\n")
    key = lines[-1]
    assert KEY.match(key), "tail -1 is the key: %r" % key
    assert out(r).count(key) == 1, "the key is printed once"
    assert "ci-bot" in out(r) and "sp500,sp100" in out(r), \
        "what was created is printed"
    assert "  usable   now on this node: nginx reads the key file again " \
        "for a key it does\n           not know\n" in out(r), \
        "when the key works, without PostgreSQL no word of followers"

    digest = hashlib.sha256(key.encode()).hexdigest()
    (line,) = key_lines(path)
    fields = line.split(":")
    assert fields[:4] == ["ci-bot", "sha256", digest, "sp500,sp100"], \
        "id:sha256:<sha256 of the full key>:scopes"
    opts = dict(o.split("=") for o in fields[4].split(","))
    assert opts["rate"] == "600r/m" and opts["expires"] == "2099-01-01"
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", opts["created"]), "created date"
    assert key not in path.read_text(), "the key itself is never stored"

    assert stat.S_IMODE(path.stat().st_mode) == 0o640, "mode 0640"
    assert no_temp_files(path.parent), "no temporary file left"


def test_keys_add_two_keys_differ_and_append(tmp_path):
    path = tmp_path / "api-keys"
    path.write_text("# operator comment\nfirst:sha256:%s:*" % HEX)  # no \n
    k1 = add_key(path, "a", "--scopes", "*")
    k2 = add_key(path, "b", "--scopes", "sp500,metrics,admin")
    assert k1 != k2, "two keys differ"
    text = path.read_text()
    assert text.startswith("# operator comment\nfirst:sha256:%s:*\n" % HEX), \
        "existing lines kept, a missing final newline added"
    assert [ln.split(":")[0] for ln in key_lines(path)] == \
        ["first", "a", "b"], "new keys are appended"


def test_keys_file_from_environment(tmp_path):
    path = tmp_path / "env-keys"
    r = batch("keys", "add", "envkey", "--scopes", "*",
              env={"KRJ_KEY_FILE": str(path)})
    assert r.returncode == 0, err(r)
    assert key_lines(path)[0].startswith("envkey:sha256:"), \
        "KRJ_KEY_FILE names the key file"


@pytest.mark.parametrize("args,reason", [
    (["bad id", "--scopes", "*"], "character"),
    (["a/b", "--scopes", "*"], "character"),
    (["x" * 65, "--scopes", "*"], "1 to 64"),
    (["dup", "--scopes", "*"], "already exists"),
    (["malformed", "--scopes", "*"], "already exists"),
    (["revoked", "--scopes", "*"], "was revoked on 2026-01-01"),
    (["n", "--scopes", "SP500"], "scope"),
    (["n", "--scopes", "sp500,,sp100"], "empty scope"),
    (["n", "--scopes", ""], "no scopes"),
    (["n"], "--scopes"),
    (["n", "--scopes", "*", "--rate", "10r/h"], "rate"),
    (["n", "--scopes", "*", "--rate", "0r/s"], "rate"),
    (["n", "--scopes", "*", "--rate", "fast"], "rate"),
    (["n", "--scopes", "*", "--expires", "2027-02-30"], "date"),
    (["n", "--scopes", "*", "--expires", "01/01/2030"], "date"),
    (["n", "--scopes", "*", "--expires", "2020-01-01"], "not after today"),
    (["n", "--scopes", "*", "--bogus"], ""),
    (["n", "extra", "--scopes", "*"], "one NAME"),
])
def test_keys_add_rejections(tmp_path, args, reason):
    path = tmp_path / "api-keys"
    path.write_text("# keys\ndup:sha256:%s:*\nmalformed:nothing\n"
                    "revoked:sha256:%s:*:revoked=2026-01-01\n" % (HEX, HEX))
    before = snapshot(path)
    r = batch("keys", "add", *args, "--key-file", path)
    assert r.returncode == 1, "exit 1: %s" % err(r)
    assert reason in err(r), "clear message: %s" % err(r)
    assert not KEY.search(out(r)), "no key printed"
    assert snapshot(path) == before, "the file is untouched"


def test_keys_add_unwritable_exits_3(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    r = batch("keys", "add", "k", "--scopes", "*",
              "--key-file", blocker / "api-keys")
    assert r.returncode == 3, "exit 3 when the file cannot be written"
    assert "krj_" not in out(r), "no key printed when nothing was stored"


# keys list


def test_keys_list_never_shows_keys(tmp_path):
    path = tmp_path / "api-keys"
    key = add_key(path, "ci-bot", "--scopes", "sp500", "--rate", "10r/s")
    add_key(path, "ops", "--scopes", "*,metrics")
    with open(path, "a") as f:
        f.write("old:sha256:%s:sp100:expires=2020-01-01\n" % HEX)
        f.write("broken line\n")
    r = batch("keys", "list", "--key-file", path)
    assert r.returncode == 0, err(r)
    text = out(r)
    digest = hashlib.sha256(key.encode()).hexdigest()
    assert key not in text and digest not in text and HEX not in text, \
        "neither keys nor digests are listed"
    assert "sha256" not in text, "no digest at all"
    rows = {ln.split()[0]: ln.split() for ln in text.splitlines()[1:]}
    assert rows["ci-bot"][1:3] == ["active", "sp500"], "id, status, scopes"
    assert "rate=10r/s" in rows["ci-bot"][3], "options"
    assert rows["ops"][1:3] == ["active", "*,metrics"]
    assert rows["old"][1] == "expired", "an expiry in the past is expired"
    assert "broken" not in rows, "a malformed line is not listed"
    assert "%s:4:" % path in err(r), "warning as file:line: reason"


def test_keys_list_missing_file(tmp_path):
    r = batch("keys", "list", "--key-file", tmp_path / "none")
    assert r.returncode == 0, "no file is no keys"
    assert "no keys" in out(r)


# keys revoke


def today():
    import datetime
    return datetime.datetime.now(datetime.timezone.utc).date().isoformat()


def test_keys_revoke_keeps_the_line_and_everything_else(tmp_path):
    path = tmp_path / "api-keys"
    head = ("# krj API keys\r\n"
            "\n"
            "keep1:sha256:%s:sp500:rate=1r/s\n"
            "  # indented text, malformed: kept\n" % HEX)
    path.write_text(head)
    add_key(path, "gone", "--scopes", "*")
    (gone,) = [ln for ln in key_lines(path) if ln.startswith("gone:")]
    with open(path, "a") as f:
        f.write("# trailing comment\nkeep2:sha256:%s:*" % HEX)
    os.chown(path, 4321, 8765) if os.geteuid() == 0 else None
    before = path.stat()

    r = batch("keys", "revoke", "gone", "--key-file", path)
    assert r.returncode == 0, err(r)
    assert 'revoked key "gone"' in out(r) and today() in out(r), out(r)
    assert path.read_bytes() == (
        head + gone + ",revoked=%s\n" % today() + "# trailing comment\n"
        "keep2:sha256:%s:*" % HEX).encode(), \
        "the line stays with revoked=today, every other byte is kept"
    after = path.stat()
    assert after.st_ino != before.st_ino, "replaced by rename, not in place"
    assert stat.S_IMODE(after.st_mode) == 0o640
    if os.geteuid() == 0:
        assert (after.st_uid, after.st_gid) == (4321, 8765), \
            "owner and group kept"
    assert no_temp_files(tmp_path)


@pytest.mark.parametrize("line,revoked", [
    ("k:sha256:%s:*" % HEX, "k:sha256:%s:*:revoked=%%s" % HEX),
    ("k:sha256:%s:*:" % HEX, "k:sha256:%s:*:revoked=%%s" % HEX),
    ("k:sha256:%s:*\r" % HEX, "k:sha256:%s:*:revoked=%%s\r" % HEX),
    ("k:sha256:%s:sp500:rate=1r/s,expires=2099-01-01" % HEX,
     "k:sha256:%s:sp500:rate=1r/s,expires=2099-01-01,revoked=%%s" % HEX),
    # a revocation to come, written by hand, is brought forward to today
    ("k:sha256:%s:*:revoked=2099-01-01,rate=1r/s" % HEX,
     "k:sha256:%s:*:rate=1r/s,revoked=%%s" % HEX),
])
def test_keys_revoke_adds_revoked_to_the_options(tmp_path, line, revoked):
    path = tmp_path / "api-keys"
    path.write_bytes(("a:sha256:%s:*\n%s\n" % (HEX, line)).encode())
    r = batch("keys", "revoke", "k", "--key-file", path)
    assert r.returncode == 0, err(r)
    assert path.read_bytes() == ("a:sha256:%s:*\n%s\n" % (
        HEX, revoked % today())).encode()


def test_keys_revoke_unknown_id(tmp_path):
    path = tmp_path / "api-keys"
    add_key(path, "a", "--scopes", "*")
    before = snapshot(path)
    r = batch("keys", "revoke", "b", "--key-file", path)
    assert r.returncode == 1 and '"b"' in err(r), "unknown id: exit 1"
    assert snapshot(path) == before, "the file is untouched"


def test_keys_revoke_twice(tmp_path):
    path = tmp_path / "api-keys"
    path.write_text("a:sha256:%s:*\nold:sha256:%s:*:revoked=2026-01-01\n"
                    % (HEX, HEX))
    r = batch("keys", "revoke", "a", "--key-file", path)
    assert r.returncode == 0, err(r)
    before = snapshot(path)
    r = batch("keys", "revoke", "a", "--key-file", path)
    assert r.returncode == 1, "a second revoke is an error"
    assert 'key "a" was already revoked on %s' % today() in err(r), err(r)
    assert snapshot(path) == before, "the file is untouched"
    r = batch("keys", "revoke", "old", "--key-file", path)
    assert r.returncode == 1
    assert "already revoked on 2026-01-01" in err(r), err(r)
    assert snapshot(path) == before


def test_keys_revoke_marks_duplicates_and_removes_broken_lines(tmp_path):
    path = tmp_path / "api-keys"
    path.write_text("x:sha256:%s:*\ny:sha256:%s:*\nx:broken\n"
                    "x:sha256:%s:sp500\n" % (HEX, HEX, HEX))
    r = batch("keys", "revoke", "x", "--key-file", path)
    assert r.returncode == 0, err(r)
    assert path.read_text() == (
        "x:sha256:%s:*:revoked=%s\ny:sha256:%s:*\n"
        "x:sha256:%s:sp500:revoked=%s\n" % (HEX, today(), HEX, HEX,
                                            today())), \
        "every line of the key revoked; nothing left that a fix could revive"


def test_keys_add_refuses_a_revoked_id(tmp_path):
    path = tmp_path / "api-keys"
    add_key(path, "ci", "--scopes", "*")
    assert batch("keys", "revoke", "ci", "--key-file", path).returncode == 0
    before = snapshot(path)
    r = batch("keys", "add", "ci", "--scopes", "*", "--key-file", path)
    assert r.returncode == 1, "an id is never reused"
    assert 'key id "ci" was revoked on %s' % today() in err(r), err(r)
    assert "never used again" in err(r)
    assert not KEY.search(out(r)), "no key printed"
    assert snapshot(path) == before


def test_keys_list_shows_revoked(tmp_path):
    path = tmp_path / "api-keys"
    add_key(path, "a", "--scopes", "*")
    add_key(path, "b", "--scopes", "sp500")
    with open(path, "a") as f:
        f.write("later:sha256:%s:*:revoked=2099-01-01\n" % HEX)
        f.write("old:sha256:%s:*:expires=2020-01-01,revoked=2026-01-01\n"
                % HEX)
    assert batch("keys", "revoke", "b", "--key-file", path).returncode == 0
    r = batch("keys", "list", "--key-file", path)
    assert r.returncode == 0, err(r)
    rows = {ln.split()[0]: ln.split() for ln in out(r).splitlines()[1:]}
    assert rows["a"][1] == "active"
    assert rows["b"][1:3] == ["revoked", today()], rows["b"]
    assert rows["later"][1] == "active", "refused from 2099 on only"
    assert rows["old"][1:3] == ["revoked", "2026-01-01"], \
        "revoked wins over expired"


def test_module_refuses_and_counts_a_revoked_key(make_krj, tmp_path):
    """keys revoke on a running node: nginx answers 401 within its reload
    interval and counts the key as revoked, not as unknown."""
    from prometheus_client.parser import text_string_to_metric_families
    keys = tmp_path / "api-keys"
    mon = add_key(keys, "prometheus", "--scopes", "metrics")
    key = add_key(keys, "ci", "--scopes", "*")
    k = make_krj(files=["KRJ_signals_latest_week_SP500_2026-01-09.csv"],
                 http_extra="    krj_key_file %s;\n" % keys,
                 locations="""
        location /api/v1/ { krj_auth key; krj_api; }
        location = /metrics { krj_auth key; krj_status metrics; }
""", start=False)
    k.allow_log = [r'key "ci" was revoked on']
    k.start()

    def revoked():
        r = k.get("/metrics", headers={"Authorization": "Bearer " + mon})
        assert r.status == 200, r
        for fam in text_string_to_metric_families(r.body.decode()):
            for s in fam.samples:
                if s.name == "krj_auth_outcomes_total" and s.labels == {
                        "method": "key", "result": "revoked"}:
                    return s.value
        return 0

    h = {"Authorization": "Bearer " + key}
    assert k.get("/api/v1/summary", headers=h).status == 200
    before = revoked()
    r = batch("keys", "revoke", "ci", "--key-file", keys)
    assert r.returncode == 0, err(r)
    deadline = time.time() + 5
    while time.time() < deadline:
        r = k.get("/api/v1/summary", headers=h)
        if r.status == 401:
            break
        assert r.status == 200, r
        time.sleep(0.1)
    assert r.status == 401 and "www-authenticate" in r.headers, r
    assert json.loads(r.body)["error"]["status"] == 401
    for _ in range(3):
        assert k.get("/api/v1/summary", headers=h).status == 401
    assert revoked() - before == 4, "each refusal counted as revoked"
    assert 'key "ci" was revoked on %s' % today() in \
        k.nginx.error_log(), "logged as revoked, not as unknown"


# users


def verify(hash_, password):
    return crypt.crypt(password, hash_) == hash_


def users(path):
    return {ln.split(":")[0]: ln.split(":")[1:]
            for ln in path.read_text().splitlines()
            if ln and not ln.startswith("#")}


def test_users_add_from_stdin(tmp_path):
    path = tmp_path / "etc" / "users.htpasswd"
    r = batch("users", "add", "alice@example.com", "--user-file", path,
              stdin=b"correct horse\n")
    assert r.returncode == 0, err(r)
    assert "added" in out(r)
    (h,) = users(path)["alice@example.com"]
    assert h.startswith("$2b$10$"), "bcrypt, cost 10 by default"
    assert verify(h, "correct horse"), "newline stripped, hash verifies"
    assert not verify(h, "correct horse\n")
    assert "correct horse" not in out(r) + err(r), "password never printed"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_users_replace_keeps_other_schemes(tmp_path):
    path = tmp_path / "users.htpasswd"
    others = ("# htpasswd\n"
              "apr:$apr1$Uq8mGQ0A$0hC1QqC0Q4R9bXfF8O1nS/\n"
              "sha:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n")
    tail = "six:$6$saltsalt$abcdefghijklmnop:sp500\n"
    path.write_text(others + "bob:$2b$04$" + "a" * 53 + ":sp100\n" + tail)

    r = batch("users", "add", "bob", "--cost", "4", "--user-file", path,
              stdin=b"new-password")
    assert r.returncode == 0, err(r)
    assert "replaced" in out(r), "says it replaced a password"
    text = path.read_text()
    assert text.startswith(others) and text.endswith(tail), \
        "other schemes' lines kept byte for byte, bob stays in place"
    h, scopes = users(path)["bob"]
    assert h.startswith("$2b$04$") and verify(h, "new-password")
    assert scopes == "sp100", "scopes kept when --scopes is not given"

    r = batch("users", "add", "bob", "--cost", "4", "--scopes", "sp500,drc",
              "--user-file", path, stdin=b"pw2\n")
    assert r.returncode == 0, err(r)
    assert users(path)["bob"][1] == "sp500,drc", "--scopes replaces them"


@pytest.mark.parametrize("args,stdin,reason", [
    (["carol"], b"\n", "empty password"),
    (["carol"], b"", "empty password"),
    (["carol", "secret"], b"x\n", "one NAME"),
    (["car ol"], b"x\n", "character"),
    (["carol", "--cost", "3"], b"x\n", "--cost"),
    (["carol", "--cost", "16"], b"x\n", "--cost"),
    (["carol", "--scopes", "A"], b"x\n", "scope"),
    (["broken"], b"x\n", "malformed"),
])
def test_users_add_rejections(tmp_path, args, stdin, reason):
    path = tmp_path / "users.htpasswd"
    path.write_text("broken:nothash\n")
    before = snapshot(path)
    r = batch("users", "add", *args, "--user-file", path, stdin=stdin)
    assert r.returncode == 1, "exit 1: %s" % err(r)
    assert reason in err(r), "clear message: %s" % err(r)
    assert snapshot(path) == before, "the file is untouched"


def test_users_add_from_terminal(tmp_path):
    path = tmp_path / "users.htpasswd"
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([str(krjenv.BATCH), "users", "add", "tty",
                              "--cost", "4", "--user-file", str(path)],
                             stdin=slave, stdout=subprocess.PIPE,
                             stderr=slave)
        os.close(slave)
        seen = b""
        for _ in range(2):
            while not seen.endswith(b": "):
                seen += os.read(master, 1024)
            os.write(master, b"typed secret\n")
            seen += b"|"
        o, _ = p.communicate(timeout=60)
        try:
            while True:
                seen += os.read(master, 1024)
        except OSError:
            pass
    finally:
        os.close(master)
    assert p.returncode == 0, seen
    assert b"Password for tty:" in seen and b"Again:" in seen, \
        "asked twice"
    assert b"typed secret" not in seen, "echo is off"
    assert verify(users(path)["tty"][0], "typed secret")


def test_users_list_and_remove(tmp_path):
    path = tmp_path / "users.htpasswd"
    path.write_text("legacy:{SHA}qUqP5cyxm6YcTAhz05Hph5gvu9M=\n"
                    "bad:nothash\n")
    for name, scopes in (("u1", []), ("u2", ["--scopes", "sp500"])):
        r = batch("users", "add", name, "--cost", "4", *scopes,
                  "--user-file", path, stdin=b"pw\n")
        assert r.returncode == 0, err(r)

    r = batch("users", "list", "--user-file", path)
    assert r.returncode == 0, err(r)
    rows = {ln.split()[0]: ln.split() for ln in out(r).splitlines()[1:]}
    assert rows["u1"][1:] == ["bcrypt", "*"], "missing scopes mean *"
    assert rows["u2"][1:] == ["bcrypt", "sp500"]
    assert rows["legacy"][1] == "sha1"
    assert "bad" not in rows and "%s:2:" % path in err(r), \
        "malformed line warned, not listed"
    assert "$2b$" not in out(r) and "{SHA}" not in out(r), "no hashes"

    before = path.read_text()
    r = batch("users", "remove", "u1", "--user-file", path)
    assert r.returncode == 0, err(r)
    assert path.read_text() == "".join(
        ln for ln in before.splitlines(True) if not ln.startswith("u1:")), \
        "only u1's line removed"

    before = snapshot(path)
    r = batch("users", "remove", "u1", "--user-file", path)
    assert r.returncode == 1 and "no user" in err(r), "unknown user: exit 1"
    assert snapshot(path) == before


# help


@pytest.mark.parametrize("args", [
    ["keys", "--help"], ["keys", "add", "--help"], ["keys", "list", "--help"],
    ["keys", "revoke", "--help"], ["users", "--help"],
    ["users", "add", "--help"], ["users", "list", "--help"],
    ["users", "remove", "--help"],
])
def test_help(args):
    r = batch(*args)
    assert r.returncode == 0 and out(r).startswith("Usage: krj-batch "), \
        " ".join(args)
    assert "Exit status" in out(r), "exit statuses documented"


def test_top_level_help_lists_keys_and_users():
    r = batch("--help")
    assert r.returncode == 0
    assert re.search(r"^  keys ", out(r), re.M) and \
        re.search(r"^  users ", out(r), re.M)


@pytest.mark.parametrize("args", [["keys"], ["keys", "nope"], ["users"],
                                  ["users", "nope"],
                                  ["keys", "list", "--scopes", "x"]])
def test_usage_errors(args):
    assert batch(*args).returncode == 1
