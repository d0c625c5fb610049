"""The key and user files, as krj-batch's keys and users commands share
them: the list tables' exact layout, refusals that only one kind reaches
(a user on two lines), empty names."""

import os
import subprocess

import pytest

import krjenv

HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def batch(*args, stdin=b"", env=None):
    e = dict(os.environ)
    e.pop("KRJ_KEY_FILE", None)
    e.pop("KRJ_USER_FILE", None)
    e.update(env or {})
    cmd = [str(krjenv.BATCH)] + [str(a) for a in args]
    return subprocess.run(cmd, input=stdin, capture_output=True, env=e,
                          timeout=60)


def test_keys_list_layout(tmp_path):
    path = tmp_path / "api-keys"
    path.write_text("a:sha256:%s:*\n"
                    "a-much-longer-id:sha256:%s:sp500,sp100,drc:rate=1r/s\n"
                    "old:sha256:%s:x:expires=2020-01-01\n" % (HEX, HEX, HEX))
    r = batch("keys", "list", "--key-file", path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode() == (
        "ID                STATUS   SCOPES           OPTIONS\n"
        "a                 active   *                -\n"
        "a-much-longer-id  active   sp500,sp100,drc  rate=1r/s\n"
        "old               expired  x                expires=2020-01-01\n")


def test_users_list_layout(tmp_path):
    path = tmp_path / "users"
    path.write_text("al:{PLAIN}x\n"
                    "bo:$6$saltsalt$abcdefghijklmnop:sp500\n")
    r = batch("users", "list", "--user-file", path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode() == (
        "USER  SCHEME        SCOPES\n"
        "al    plain         *\n"
        "bo    sha512-crypt  sp500\n")


def test_user_on_two_lines_is_refused(tmp_path):
    path = tmp_path / "users"
    path.write_text("d:{PLAIN}x\nother:{PLAIN}y\nd:{PLAIN}z\n")
    before = path.read_bytes()
    r = batch("users", "add", "d", "--cost", "4", "--user-file", path,
              stdin=b"pw\n")
    assert r.returncode == 1
    assert ('user "d" is on lines 1 and 3 of %s; remove it (krj-batch '
            'users remove) and add it again' % path) in r.stderr.decode()
    assert path.read_bytes() == before


@pytest.mark.parametrize("args,message", [
    (["keys", "revoke", "", "--key-file"], "empty key id"),
    (["users", "remove", "", "--user-file"], "empty user name"),
])
def test_empty_name(tmp_path, args, message):
    path = tmp_path / "f"
    r = batch(*args, path)
    assert r.returncode == 1 and ("krj-batch: %s\n" % message) in \
        r.stderr.decode()
    assert not path.exists(), "nothing created"


def test_new_line_is_checked_before_writing(tmp_path):
    # the written line is parsed as the module will: a user line with
    # the newest bcrypt hash is sound, and so is the file afterwards
    path = tmp_path / "users"
    r = batch("users", "add", "u", "--cost", "4", "--user-file", path,
              stdin=b"pw\n")
    assert r.returncode == 0, r.stderr
    r = batch("users", "list", "--user-file", path)
    assert r.stderr == b"" and "u     bcrypt  *" in r.stdout.decode()
