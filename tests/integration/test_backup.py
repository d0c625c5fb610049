"""krj-batch backup and restore with real PostgreSQL servers: a backup is
one dated tar (mode 0600) of a pg_dump custom-format archive of krj's
tables and the key, user and session key files with owner and mode;
--keep N removes all but the newest N of krj's backups and nothing else;
restore refuses a database that is not empty, and a file that is not a
backup, and leaves the database empty when pg_restore fails; restored
into a fresh PostgreSQL cluster, a new follower node (krj-batch follow)
serves the original's generation (same ETag) to the original's key."""

import grp
import io
import os
import pwd
import re
import stat
import subprocess
import tarfile
import time

import pytest

import krjenv
import krjservers
from krjenv import Krj
from krjservers import BatchDaemon, krj_env

WEEK = ["KRJ_signals_latest_week_SP500_2026-01-09.csv",
        "KRJ_signals_latest_week_DRC_2026-01-09.csv"]
NAME = re.compile(r"^krj-backup-\d{8}T\d{6}Z\.tar$")

KEY_LOCATIONS = """
        location /api/v1/ {
            krj_auth key;
            krj_auth_fail_limit rate=100000r/s burst=100000;
            krj_api;
        }
"""


def node(tmp, files):
    d = tmp.mktemp("node")
    (d / "auth").mkdir()
    keys, users = d / "auth" / "api-keys", d / "auth" / "users"
    keys.write_text("")
    users.write_text("")
    n = Krj(d, files=files, locations=KEY_LOCATIONS,
            http_extra="    krj_key_file %s;\n    krj_user_file %s;"
            % (keys, users))
    n.keys, n.users, n.session = keys, users, d / "auth" / "session-key"
    return n


def batch(n, db, *args, check=0):
    env = krj_env(db, KRJ_OUTPUT_DIR=n.out, KRJ_KEY_FILE=n.keys,
                  KRJ_USER_FILE=n.users, KRJ_SESSION_KEY_FILE=n.session)
    r = krjenv.run_batch(*args, "--config", "", env=env, input=n.data)
    if check is not None:
        assert r.returncode == check, "krj-batch %s exited %d:\n%s%s" % (
            " ".join(map(str, args)), r.returncode, r.stdout, r.stderr)
    return r


@pytest.fixture
def origin(tmp_path_factory, pg):
    """Node A: a migrated database, a published week, a key, a user and
    a session key, owners and modes of their own."""
    a = node(tmp_path_factory, WEEK)
    batch(a, pg, "migrate")
    batch(a, pg, "run")
    r = batch(a, pg, "keys", "add", "ci", "--scopes", "*")
    a.key = r.stdout.splitlines()[-1]
    r = subprocess.run([str(krjenv.BATCH), "users", "add", "alice", "--cost",
                        "4", "--config", "", "--user-file", str(a.users)],
                       input="secret-pw\n", capture_output=True, text=True,
                       env=dict(os.environ, KRJ_PG_DSN=pg.dsn), timeout=60)
    assert r.returncode == 0, r.stderr
    a.session.write_bytes(os.urandom(32))
    os.chown(a.keys, 0, grp.getgrnam("www-data").gr_gid)
    os.chmod(a.keys, 0o640)
    os.chown(a.session, pwd.getpwnam("nobody").pw_uid,
             grp.getgrnam("nogroup").gr_gid)
    os.chmod(a.session, 0o600)
    a.start()
    yield a
    a.stop()
    a.nginx.check_log()


def make_backup(a, pg, out, *extra):
    r = batch(a, pg, "backup", "--output", out, *extra)
    path = r.stdout.splitlines()[-1]
    assert "event=backup_written" in r.stderr
    return path


def rewrite_member(path, to, name, change):
    """A copy of the backup at path in to, member name's bytes changed."""
    with tarfile.open(path) as src, tarfile.open(to, "w") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read() if m.isfile() else None
            if m.name == name:
                data = change(data)
                m.size = len(data)
            dst.addfile(m, io.BytesIO(data) if data is not None else None)
    return to


def test_backup_is_one_dated_private_tar(origin, pg, tmp_path):
    out = tmp_path / "backups"
    path = make_backup(origin, pg, out)
    assert os.path.dirname(path) == str(out)
    assert NAME.match(os.path.basename(path)), path
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o700
    assert sorted(os.listdir(out)) == [os.path.basename(path)], \
        "nothing but the backup is left"
    with tarfile.open(path) as t:
        names = set(t.getnames())
        assert {"MANIFEST", "krj.pgdump", "files/key-file",
                "files/user-file", "files/session-key-file"} <= names
        assert t.extractfile("krj.pgdump").read(5) == b"PGDMP", \
            "pg_dump's custom format"
        assert t.extractfile("files/key-file").read() == \
            origin.keys.read_bytes()
        assert t.extractfile("files/session-key-file").read() == \
            origin.session.read_bytes()
        manifest = t.extractfile("MANIFEST").read().decode().splitlines()
    assert manifest[0] == "krj-backup 1"
    version = (krjenv.REPO / "VERSION").read_text().strip()
    assert "version %s" % version in manifest
    assert "file key-file 0640 root www-data" in manifest
    assert "file session-key-file 0600 nobody nogroup" in manifest


def test_backup_holds_every_session_key(origin, pg, pg_server, tmp_path):
    """The README's rotation makes the new key beside the old one
    (session-2.key beside session.key) and the module verifies with
    both; later the old one is deleted.  Every STEM-WORD.EXT key beside
    the session key file STEM.EXT is in the backup, during and after the
    rotation, and a restore puts each beside this node's session key
    file, as STEM-WORD.EXT of its name (here a name without EXT)."""
    new = origin.session.with_name(origin.session.name + "-2")
    new.write_bytes(os.urandom(32))
    os.chmod(new, 0o600)
    # not session keys: another name, a restore's temporary file, a
    # directory
    (origin.session.parent / "session-keys").write_bytes(b"x")
    (origin.session.parent / (origin.session.name + ".restore.abc123")) \
        .write_bytes(b"x")
    (origin.session.parent / (origin.session.name + "-dir")).mkdir()
    path = make_backup(origin, pg, tmp_path / "during")
    # by its WORD: a restore puts it beside that node's session key file,
    # whatever that is named
    sibling = "files/session-key-file:2"
    with tarfile.open(path) as t:
        files = sorted(n for n in t.getnames() if n.startswith("files/"))
        assert files == ["files/key-file", "files/session-key-file",
                         sibling, "files/user-file"], files
        assert t.extractfile(sibling).read() == new.read_bytes()
        manifest = t.extractfile("MANIFEST").read().decode().splitlines()
    me = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
    assert "file session-key-file:2 0600 %s %s" % me in manifest, manifest

    # the rotation's end: the old key deleted, the new one alone
    old = origin.session.read_bytes()
    origin.session.unlink()
    r = batch(origin, pg, "backup", "--output", tmp_path / "after")
    assert "1 session key file" in r.stderr, r.stderr
    path = r.stdout.splitlines()[-1]
    with tarfile.open(path) as t:
        assert sibling in t.getnames()
        assert "files/session-key-file" not in t.getnames()

    empty = pg_server.create_db()
    target = node_files(tmp_path / "restored")
    target["session"] = target["session"].with_name("session.key")
    try:
        r = batch_to(target, empty, "restore", path)
        assert "1 session key file" in r.stderr, r.stderr
        restored = target["session"].with_name("session-2.key")
        assert restored.read_bytes() == new.read_bytes()
        assert stat.S_IMODE(os.stat(restored).st_mode) == 0o600
        assert not target["session"].exists()
    finally:
        pg_server.drop_db(empty)
    assert old != new.read_bytes()


def test_restore_refuses_a_session_key_of_another_name(origin, pg,
                                                      pg_server, tmp_path):
    """A MANIFEST naming a session key whose WORD is none (here a path
    out of the directory) is refused before anything is changed."""
    path = make_backup(origin, pg, tmp_path / "b")
    bad = rewrite_member(path, tmp_path / "bad.tar", "MANIFEST",
                         lambda data: data + b"file session-key-file:"
                                             b"../../evil 0600 root root\n")
    empty = pg_server.create_db()
    target = node_files(tmp_path / "restored")
    try:
        r = batch_to(target, empty, "restore", bad, check=3)
        assert "cannot go beside this session key file" in r.stderr, r.stderr
        assert "nothing was changed" in r.stderr
        assert empty.scalar("SELECT count(*) FROM pg_class c JOIN "
                            "pg_namespace s ON s.oid = c.relnamespace "
                            "WHERE s.nspname = 'public'") == 0
        assert not target["keys"].exists()
    finally:
        pg_server.drop_db(empty)


def test_backup_without_postgresql_is_a_usage_error(origin, tmp_path):
    r = batch(origin, None, "backup", "--output", tmp_path, check=1)
    assert "PostgreSQL is not configured" in r.stderr
    assert os.listdir(tmp_path) == []


def test_backup_of_a_database_without_krj(origin, pg_server, tmp_path):
    empty = pg_server.create_db()
    try:
        r = batch(origin, empty, "backup", "--output", tmp_path / "b",
                  check=3)
        assert "migrate" in r.stderr
        assert not (tmp_path / "b").exists() or \
            os.listdir(tmp_path / "b") == []
    finally:
        pg_server.drop_db(empty)


def test_keep_removes_only_older_backups(origin, pg, tmp_path):
    out = tmp_path / "backups"
    out.mkdir(mode=0o700)
    old = ["krj-backup-20200101T000000Z.tar", "krj-backup-20210101T000000Z.tar",
           "krj-backup-20220101T000000Z.tar"]
    others = ["krj-backup-notes.txt", "krj-backup-20200101T000000Z.tar.gpg",
              "other.tar"]
    for name in old + others:
        (out / name).write_bytes(b"x")
    path = make_backup(origin, pg, out, "--keep", "2")
    left = sorted(os.listdir(out))
    assert left == sorted([os.path.basename(path), old[-1]] + others)


def test_restore_refuses_a_database_that_is_not_empty(origin, pg, tmp_path):
    path = make_backup(origin, pg, tmp_path)
    runs = pg.scalar("SELECT count(*) FROM krj_runs")
    keys = origin.keys.read_bytes()
    r = batch(origin, pg, "restore", path, check=3)
    assert "not empty" in r.stderr and "nothing was changed" in r.stderr
    assert pg.scalar("SELECT count(*) FROM krj_runs") == runs
    assert origin.keys.read_bytes() == keys


def test_restore_refuses_what_is_not_a_backup(origin, pg_server, tmp_path):
    empty = pg_server.create_db()
    try:
        bogus = tmp_path / "bogus.tar"
        (tmp_path / "MANIFEST").write_text("something else\n")
        with tarfile.open(bogus, "w") as t:
            t.add(tmp_path / "MANIFEST", "MANIFEST")
        r = batch(origin, empty, "restore", bogus, check=3)
        assert "not a krj backup" in r.stderr
        r = batch(origin, empty, "restore", tmp_path / "missing.tar",
                  check=3)
        assert "cannot read" in r.stderr
        assert empty.scalar("SELECT count(*) FROM pg_class c JOIN "
                            "pg_namespace s ON s.oid = c.relnamespace "
                            "WHERE s.nspname = 'public'") == 0
    finally:
        pg_server.drop_db(empty)


def test_failed_pg_restore_leaves_the_database_empty(origin, pg, pg_server,
                                                     tmp_path):
    path = make_backup(origin, pg, tmp_path)
    # a whole header, then the archive cut in its data
    broken = rewrite_member(path, tmp_path / "broken.tar", "krj.pgdump",
                            lambda data: data[:len(data) * 2 // 3])
    empty = pg_server.create_db()
    target = node_files(tmp_path / "restored")
    try:
        r = batch_to(target, empty, "restore", broken, check=3)
        assert "pg_restore failed" in r.stderr
        assert empty.scalar("SELECT count(*) FROM pg_class c JOIN "
                            "pg_namespace s ON s.oid = c.relnamespace "
                            "WHERE s.nspname = 'public'") == 0
        assert not target["keys"].exists(), "no file is put in place"
    finally:
        pg_server.drop_db(empty)


def node_files(d):
    d.mkdir(parents=True, exist_ok=True)
    return {"keys": d / "api-keys", "users": d / "users",
            "session": d / "session-key"}


def batch_to(files, db, *args, check=0):
    env = krj_env(db, KRJ_KEY_FILE=files["keys"], KRJ_USER_FILE=files["users"],
                  KRJ_SESSION_KEY_FILE=files["session"])
    r = krjenv.run_batch(*args, "--config", "", env=env)
    if check is not None:
        assert r.returncode == check, "krj-batch %s exited %d:\n%s%s" % (
            " ".join(map(str, args)), r.returncode, r.stdout, r.stderr)
    return r


def test_restore_into_a_fresh_server_and_follow(origin, pg, tmp_path,
                                                tmp_path_factory):
    path = make_backup(origin, pg, tmp_path / "backups")
    fresh = krjservers.PgServer()
    follower = None
    d = node(tmp_path_factory, [])
    try:
        fresh.start()
        db = fresh.create_db()
        d.keys.unlink()
        d.users.unlink()
        r = batch(d, db, "restore", path)
        assert "event=restored" in r.stderr
        for mine, theirs in ((d.keys, origin.keys), (d.users, origin.users),
                             (d.session, origin.session)):
            assert mine.read_bytes() == theirs.read_bytes(), mine.name
            a, b = os.stat(mine), os.stat(theirs)
            assert (stat.S_IMODE(a.st_mode), a.st_uid, a.st_gid) == \
                (stat.S_IMODE(b.st_mode), b.st_uid, b.st_gid), mine.name
        assert db.scalar("SELECT count(*) FROM krj_runs") == \
            pg.scalar("SELECT count(*) FROM krj_runs")
        # the schema came along: migrate has nothing to do
        r = batch(d, db, "migrate")

        d.start()
        follower = BatchDaemon(d.dir / "follow", [
            "follow", "--output", d.out, "--key-file", d.keys,
            "--user-file", d.users, "--poll", "1s"], krj_env(db))
        follower.start()
        follower.wait_log("event=started")
        h = {"Authorization": "Bearer " + origin.key}
        want = origin.get("/api/v1/categories", headers=h)
        assert want.status == 200
        deadline = time.time() + 15
        got = None
        while time.time() < deadline:
            got = d.get("/api/v1/categories", headers=h)
            if got.status == 200 and got.headers.get("etag") == \
                    want.headers["etag"]:
                break
            time.sleep(0.1)
        assert got.status == 200, "the restored key is accepted"
        assert got.headers.get("etag") == want.headers["etag"], \
            "the same generation:\n" + follower.text()[-3000:]
        assert d.snapshot.read_bytes() == origin.snapshot.read_bytes()
    finally:
        if follower is not None:
            assert follower.stop() == 0, follower.text()
        d.stop()
        fresh.destroy()
    d.nginx.check_log()
