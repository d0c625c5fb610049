"""The key and user files, as krj-batch's keys and users commands share
them: the list tables' exact layout, refusals that only one kind reaches
(a user on two lines), empty names; and the group and mode of a file
that keys add or users add create (nginx's www-data, or --group), while an
existing file keeps its owner and group."""

import grp
import os
import shutil
import stat
import subprocess
import tempfile

import pytest

import krjenv

HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def batch(*args, stdin=b"", env=None, user=None):
    e = dict(os.environ)
    e.pop("KRJ_KEY_FILE", None)
    e.pop("KRJ_USER_FILE", None)
    e.update(env or {})
    cmd = [str(krjenv.BATCH)] + [str(a) for a in args]
    if user is not None:
        cmd = ["setpriv", "--reuid", str(user), "--regid", str(user),
               "--clear-groups", "--"] + cmd
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


# the group of a file that is created

needs_root = pytest.mark.skipif(os.geteuid() != 0,
                                reason="chown, groupadd need root (CI)")
KINDS = ["keys", "users"]


def add(kind, path, *opts, user=None):
    if kind == "keys":
        return batch("keys", "add", "k", "--scopes", "*", "--key-file", path,
                     *opts, user=user)
    return batch("users", "add", "u", "--cost", "4", "--user-file", path,
                 *opts, stdin=b"pw\n", user=user)


def www_data():
    try:
        return grp.getgrnam("www-data").gr_gid
    except KeyError:
        pytest.skip("no www-data group (not Debian)")


@pytest.fixture
def group():
    """a group made for the test, removed after it"""
    name = "krjtest%d" % os.getpid()
    subprocess.run(["groupadd", name], check=True)
    try:
        yield name, grp.getgrnam(name).gr_gid
    finally:
        subprocess.run(["groupdel", name], check=True)


@pytest.fixture
def nobody_dir():
    """a directory that the user nobody may write in"""
    d = tempfile.mkdtemp(prefix="krj-nobody-", dir="/tmp")
    os.chmod(d, 0o755)
    os.chown(d, 65534, 65534)
    try:
        yield d
    finally:
        shutil.rmtree(d)


@needs_root
@pytest.mark.parametrize("kind", KINDS)
def test_new_file_gets_www_data(tmp_path, kind):
    gid = www_data()
    path = tmp_path / "etc" / "krj" / kind
    r = add(kind, path)
    assert r.returncode == 0, r.stderr
    st = path.stat()
    assert st.st_gid == gid, "a new file is www-data's, nginx's group"
    assert stat.S_IMODE(st.st_mode) == 0o640
    assert st.st_uid == 0, "and krj-batch's user's"
    assert r.stderr == b"", "without a warning"


@needs_root
@pytest.mark.parametrize("kind", KINDS)
def test_group_option(tmp_path, kind, group):
    name, gid = group
    path = tmp_path / kind
    r = add(kind, path, "--group", name)
    assert r.returncode == 0, r.stderr
    assert path.stat().st_gid == gid, "--group names the new file's group"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


@pytest.mark.parametrize("kind", KINDS)
def test_unknown_group(tmp_path, kind):
    path = tmp_path / "d" / kind
    r = add(kind, path, "--group", "no-such-group-krj")
    assert r.returncode == 1, "an unknown group is a usage error"
    assert b'krj-batch: --group: unknown group "no-such-group-krj"\n' in \
        r.stderr, r.stderr
    assert not (tmp_path / "d").exists(), "nothing is created"


@needs_root
@pytest.mark.parametrize("kind", KINDS)
def test_existing_file_keeps_owner_and_group(tmp_path, kind, group):
    name, gid = group
    path = tmp_path / kind
    path.write_text("# mine\n")
    os.chown(path, 4321, gid)
    r = add(kind, path, "--group", "www-data")
    assert r.returncode == 0, r.stderr
    st = path.stat()
    assert (st.st_uid, st.st_gid) == (4321, gid), \
        "an existing file keeps its owner and group, --group or not"
    assert stat.S_IMODE(st.st_mode) == 0o640
    assert path.read_text().startswith("# mine\n")


@needs_root
@pytest.mark.parametrize("kind", KINDS)
def test_no_www_data_group(tmp_path, kind):
    # a system without www-data: the file keeps krj-batch's own group, and
    # nothing is said.  /etc/group without it, in a mount namespace.
    fake = tmp_path / "group"
    fake.write_text("".join(l for l in open("/etc/group")
                            if not l.startswith("www-data:")))
    path = tmp_path / kind
    cmd = " ".join("'%s'" % a for a in (
        [str(krjenv.BATCH)] + (["keys", "add", "k", "--scopes", "*",
                                "--key-file", str(path)] if kind == "keys"
                               else ["users", "add", "u", "--cost", "4",
                                     "--user-file", str(path)])))
    r = subprocess.run(["unshare", "-m", "sh", "-c",
                        "mount --bind '%s' /etc/group || exit 99; "
                        "echo pw | %s" % (fake, cmd)],
                       capture_output=True, timeout=60)
    if r.returncode == 99:
        pytest.skip("no mount namespace here: %s" % r.stderr)
    assert r.returncode == 0, r.stderr
    assert path.stat().st_gid == os.getegid(), "krj-batch's own group"
    assert r.stderr == b"", r.stderr


@needs_root
@pytest.mark.parametrize("kind", KINDS)
def test_default_group_out_of_reach_warns(nobody_dir, kind):
    # nobody is not in www-data: the file is made, in nobody's group, and
    # the warning says what to do
    path = os.path.join(nobody_dir, kind)
    r = add(kind, path, user=65534)
    assert r.returncode == 0, r.stderr
    assert os.stat(path).st_gid == 65534
    assert b"created in the group of krj-batch, not www-data" in r.stderr
    assert b"chgrp it" in r.stderr


@needs_root
@pytest.mark.parametrize("kind", KINDS)
def test_group_asked_for_out_of_reach_fails(nobody_dir, kind):
    path = os.path.join(nobody_dir, kind)
    r = add(kind, path, "--group", "www-data", user=65534)
    assert r.returncode == 3, "a group asked for must be had: %s" % r.stderr
    assert b"cannot give" in r.stderr and b"www-data" in r.stderr
    assert os.listdir(nobody_dir) == [], "no file, no temporary file"
    assert b"krj_" not in r.stdout, "no key shown that was not stored"
