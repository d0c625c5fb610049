"""krj-batch run in a hostile input directory: only regular files are read
(a FIFO, socket, device or directory with a signal file's name is skipped
with a warning, never opened in a way that blocks); symbolic links are
skipped unless --follow-symlinks, and then followed only to a regular file
inside the input directory; a file dated more than --max-future days after
today (UTC) is refused, and the next newest file of its category is used.
Every run has a timeout, so a hang fails instead of blocking the suite."""

import datetime
import os
import re
import socket
import subprocess

import pytest

import krjenv

P = "KRJ_signals_latest_week_"
SP100_OLD = P + "SP100_2025-12-12.csv"
SP100_NEW = P + "SP100_2026-01-09.csv"
DRC = P + "DRC_2026-01-09.csv"
EQ = P + "Equities_2026-01-09.csv"


def fixture(name):
    return (krjenv.DATA / name).read_bytes()


def run(k, *args):
    try:
        return k.run_batch("run", *args, timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail("krj-batch run hung (killed after 20 s)", pytrace=False)


def warnings_about(r, name):
    return [l for l in r.stderr.splitlines()
            if re.search(r" krj-batch warning: event=(skipped|future_date) "
                         r"%s: " % re.escape(name), l)]


def published(k, slug):
    p = k.out / ("latest_%s.csv" % slug)
    return p.read_bytes() if p.exists() else None


def today():
    return datetime.datetime.now(datetime.timezone.utc).date()


@pytest.fixture
def k(make_krj):
    """sp100's older week and DRC as regular files"""
    return make_krj(files=[SP100_OLD, DRC], publish=False, start=False)


# not a regular file


def make_fifo(path):
    os.mkfifo(path)


def make_socket(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.close()


def make_device(path):
    if os.geteuid() != 0:
        pytest.skip("mknod needs root (CI)")
    os.mknod(path, 0o644 | 0o020000, os.makedev(1, 3))   # like /dev/null


def make_dir(path):
    os.mkdir(path)
    (path / "inner.csv").write_bytes(fixture(SP100_NEW))


@pytest.mark.parametrize("make,what", [
    (make_fifo, "a FIFO"), (make_socket, "a socket"),
    (make_device, "a character device"), (make_dir, "a directory")])
def test_not_a_regular_file_is_skipped(k, make, what):
    make(k.data / SP100_NEW)
    r = run(k)
    assert r.returncode == 0, "a skipped entry is a warning: %s" % r.stderr
    (w,) = warnings_about(r, SP100_NEW)
    assert "skipped: %s, not a regular file" % what in w, w
    assert published(k, "sp100") == fixture(SP100_OLD), \
        "the category's next newest file is used"
    assert published(k, "drc") == fixture(DRC), "the others are published"


def test_fifo_only_file_of_its_category(k):
    # nothing else for the category: it is left out, the rest publishes
    make_fifo(k.data / EQ)
    r = run(k)
    assert r.returncode == 0, r.stderr
    assert warnings_about(r, EQ)
    assert published(k, "equities") is None
    assert published(k, "drc") == fixture(DRC)


# symbolic links


def test_symlink_skipped_by_default(k, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.csv").write_bytes(fixture(SP100_NEW))
    os.symlink(outside / "secret.csv", k.data / SP100_NEW)
    r = run(k)
    assert r.returncode == 0, r.stderr
    (w,) = warnings_about(r, SP100_NEW)
    assert "skipped: a symbolic link" in w and "--follow-symlinks" in w, w
    assert published(k, "sp100") == fixture(SP100_OLD), \
        "a CSV elsewhere on the machine is not published"


def test_symlink_inside_followed_with_option(k):
    # the usual reason for a link: the week's file under a fixed name
    (k.data / "archive").mkdir()
    (k.data / "archive" / "sp100.csv").write_bytes(fixture(SP100_NEW))
    os.symlink("archive/sp100.csv", k.data / SP100_NEW)
    r = run(k, "--follow-symlinks")
    assert r.returncode == 0, r.stderr
    assert not warnings_about(r, SP100_NEW), r.stderr
    assert published(k, "sp100") == fixture(SP100_NEW), "followed"
    assert krjenv.run_batch("status", output=k.out).stdout.count(
        SP100_NEW) == 1, "the source file is the link's name"


def test_symlink_chain_inside_followed(k):
    (k.data / "real.csv").write_bytes(fixture(SP100_NEW))
    os.symlink("real.csv", k.data / "hop.csv")
    os.symlink("hop.csv", k.data / SP100_NEW)
    r = run(k, "--follow-symlinks")
    assert r.returncode == 0 and published(k, "sp100") == \
        fixture(SP100_NEW), r.stderr


def link_outside(k, tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.csv").write_bytes(fixture(SP100_NEW))
    os.symlink(outside / "secret.csv", k.data / SP100_NEW)


def link_outside_by_dotdot(k, tmp_path):
    (k.data.parent / "secret.csv").write_bytes(fixture(SP100_NEW))
    os.symlink("../secret.csv", k.data / SP100_NEW)


def link_outside_through_dir(k, tmp_path):
    # a directory inside that is a link to a directory outside
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "secret.csv").write_bytes(fixture(SP100_NEW))
    os.symlink(outside, k.data / "sub")
    os.symlink("sub/secret.csv", k.data / SP100_NEW)


def link_to_fifo(k, tmp_path):
    os.mkfifo(k.data / "pipe")
    os.symlink("pipe", k.data / SP100_NEW)


def link_to_dir(k, tmp_path):
    (k.data / "d").mkdir()
    os.symlink("d", k.data / SP100_NEW)


def link_dangling(k, tmp_path):
    os.symlink("nothing-here.csv", k.data / SP100_NEW)


def link_loop(k, tmp_path):
    os.symlink(SP100_NEW, k.data / SP100_NEW)


@pytest.mark.parametrize("make,reason", [
    (link_outside, "outside the input directory"),
    (link_outside_by_dotdot, "outside the input directory"),
    (link_outside_through_dir, "outside the input directory"),
    (link_to_fifo, "a FIFO, not a regular file"),
    (link_to_dir, "a directory, not a regular file"),
    (link_dangling, "No such file or directory"),
    (link_loop, "Too many levels of symbolic links")])
def test_symlink_refused_with_option(k, tmp_path, make, reason):
    make(k, tmp_path)
    r = run(k, "--follow-symlinks")
    assert r.returncode == 0, r.stderr
    (w,) = warnings_about(r, SP100_NEW)
    assert "skipped: a symbolic link" in w and reason in w, w
    assert published(k, "sp100") == fixture(SP100_OLD)


# dates in the future


def dated(day):
    return P + "SP100_%s.csv" % day.isoformat()


def test_far_future_date_refused(k):
    # it would stay newest for ever, and the category never update
    far = P + "SP100_9999-12-31.csv"
    k.add_file(far, fixture(SP100_NEW))
    k.add_file(SP100_NEW)
    r = run(k)
    assert r.returncode == 0, r.stderr
    (w,) = warnings_about(r, far)
    assert "refused: dated more than 7 days after today" in w, w
    assert published(k, "sp100") == fixture(SP100_NEW), \
        "the next newest valid file is used"
    assert "2026-01-09" in (k.out / "metadata.json").read_text()


@pytest.mark.parametrize("args,days,ok", [
    ([], 7, True), ([], 8, False),
    (["--max-future", "0"], 0, True), (["--max-future", "0"], 1, False),
    (["--max-future", "30"], 30, True), (["--max-future", "30"], 31, False),
])
def test_max_future_boundary(k, args, days, ok):
    name = dated(today() + datetime.timedelta(days=days))
    k.add_file(name, fixture(SP100_NEW))
    r = run(k, *args)
    assert r.returncode == 0, r.stderr
    if ok:
        assert published(k, "sp100") == fixture(SP100_NEW), \
            "%d days ahead with %s is accepted" % (days, args)
        assert not warnings_about(r, name)
    else:
        assert published(k, "sp100") == fixture(SP100_OLD), \
            "%d days ahead with %s is refused" % (days, args)
        assert warnings_about(r, name)


@pytest.mark.parametrize("value", ["-1", "3651", "x", "1d", ""])
def test_max_future_bad_value(k, value):
    r = run(k, "--max-future", value)
    assert r.returncode == 1
    assert "--max-future is a number from 0 to 3650" in r.stderr
