"""One upstream version, in VERSION: krj-batch --version prints it, the
module logs "ngx_http_krj_module VERSION" at notice when nginx starts and
after a reload (never for nginx -t), and debian/changelog's version is
it."""

import subprocess

import krjenv

VERSION = (krjenv.REPO / "VERSION").read_text().strip()


def test_version_file_is_one_word():
    assert VERSION and VERSION == VERSION.split()[0]
    assert (krjenv.REPO / "VERSION").read_text() == VERSION + "\n"


def test_debian_changelog_says_it():
    r = subprocess.run(["dpkg-parsechangelog", "-l",
                        str(krjenv.REPO / "debian" / "changelog"), "-S",
                        "Version"], capture_output=True, text=True,
                       timeout=30, check=True)
    assert r.stdout.strip() == VERSION


def test_krj_batch_says_it():
    r = krjenv.run_batch("--version")
    assert r.returncode == 0
    assert r.stdout.split()[:2] == ["krj-batch", VERSION]


def test_module_logs_it_at_start_and_reload(make_krj):
    k = make_krj(files=["KRJ_signals_latest_week_SP500_2026-01-09.csv"],
                 start=False)
    rc, out = k.nginx.test_config()
    assert rc == 0, out
    line = "[notice]"
    assert "ngx_http_krj_module" not in out, "nginx -t says nothing of it"
    k.start()
    log = k.nginx.error_log()
    started = [ln for ln in log.splitlines()
               if "ngx_http_krj_module %s" % VERSION in ln]
    assert len(started) == 1 and line in started[0], log[-2000:]
    size = k.nginx.log_size()
    k.nginx.reload()
    again = k.nginx.error_log(since=size)
    assert "ngx_http_krj_module %s" % VERSION in again, again[-2000:]
