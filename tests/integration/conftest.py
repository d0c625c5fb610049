"""pytest fixtures for the krj integration tests (see krjenv.py)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import krjenv  # noqa: E402
from krjenv import Krj  # noqa: E402


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "packages: the package build and install test (minutes; "
        "scripts/run-tests.sh runs it as a stage of its own)")


def _require_build():
    missing = [str(p) for p in (krjenv.MODULE, krjenv.BATCH)
               if not p.exists()]
    if missing:
        pytest.fail("not built: %s (run `make all asan`)" % ", ".join(missing))


class _Factory:
    """make_krj(**kw): builds, publishes and starts a Krj; every instance is
    stopped at teardown and its error log must be clean."""

    def __init__(self, tmp_path_factory):
        self.tmp = tmp_path_factory
        self.made = []

    def __call__(self, files=None, publish=True, start=True, **kw):
        _require_build()
        k = Krj(self.tmp.mktemp("krj"), files=files, **kw)
        k.allow_log = []
        self.made.append(k)
        if publish:
            k.publish()
        if start:
            k.start()
        return k

    def finish(self):
        errors = []
        for k in self.made:
            k.stop()
        for k in self.made:
            try:
                k.nginx.check_log(allow=k.allow_log)
            except AssertionError as e:
                errors.append(str(e))
            if k.nginx.exit_code not in (None, 0):
                errors.append("nginx in %s exited with %s"
                              % (k.dir, k.nginx.exit_code))
        if errors:
            pytest.fail("\n".join(errors), pytrace=False)


@pytest.fixture
def make_krj(tmp_path_factory):
    """A factory of Krj instances for one test (function scope)."""
    f = _Factory(tmp_path_factory)
    yield f
    f.finish()


@pytest.fixture(scope="module")
def krj(tmp_path_factory):
    """All fixture CSVs (so the newest week wins), published and served by
    one nginx for the whole test module.  Read-only tests only."""
    f = _Factory(tmp_path_factory)
    k = f()
    yield k
    f.finish()


@pytest.fixture(scope="module")
def model(krj):
    """The independent parse of krj's data dir: {slug: Category}."""
    import krjdata
    return krjdata.newest(krj.data)


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway PostgreSQL for the session (krjservers.PgServer);
    tests get a fresh database each through the pg fixture."""
    import krjservers
    s = krjservers.PgServer()
    try:
        s.start()
        yield s
    finally:
        s.destroy()


@pytest.fixture
def pg(pg_server):
    """A fresh, empty database on the shared server, dropped afterwards."""
    if not pg_server.running():
        pg_server.start()
    db = pg_server.create_db()
    yield db
    pg_server.drop_db(db)


@pytest.fixture
def redis(tmp_path_factory):
    """A redis-server of this test's own, on a loopback port."""
    import krjservers
    r = krjservers.RedisServer(tmp_path_factory.mktemp("redis"))
    r.start()
    yield r
    r.stop()


# -- the dashboard (dashboard/MARKUP.md) ---------------------------------------

class Dash:
    """The dashboard under test: base URL, the oracle Site it must match
    (built from the same CSV files, at the snapshot's time), the Krj that
    serves it (None with KRJ_DASH_BASE), and browsers that are closed at
    the end."""

    def __init__(self, base, site, users, tmp, krj=None):
        self.base = base
        self.site = site
        self.users = users
        self.tmp = tmp
        self.krj = krj
        self.browsers = []

    def url(self, path):
        return self.base + path

    def get(self, path, headers=None, method="GET", body=None):
        return krjenv.http(method, self.base + path, headers=headers,
                           body=body)

    def browser(self, **kw):
        import krjbrowser
        b = krjbrowser.Browser(self.base, **kw)
        self.browsers.append(b)
        return b

    def close(self):
        for b in self.browsers:
            b.close()
        self.browsers = []


def _require_browser_tools():
    import krjbrowser
    missing = krjbrowser.missing_tools()
    if missing:
        pytest.fail("missing for the dashboard tests: %s (run `make deps`)"
                    % ", ".join(missing))


# The dashboard under test: unset, nginx with the built module and
# krj_dashboard at /krj serving tests/data; set, a running krj_dashboard
# (e.g. http://127.0.0.1:8080) serving tests/data.
DASH_BASE = os.environ.get("KRJ_DASH_BASE")

DASH_LOCATIONS = krjenv.API_LOCATIONS + """
        location /krj { krj_dashboard; }
"""


def snapshot_time(snapshot):
    """generated_at of a snapshot file (krj_snapshot.h's header)."""
    import struct
    with open(snapshot, "rb") as f:
        return struct.unpack_from("<q", f.read(72), 64)[0]


@pytest.fixture(scope="session")
def dash(tmp_path_factory):
    """The dashboard, one server for every dashboard test."""
    import krjbrowser
    import krjdash
    import krjdata
    _require_browser_tools()
    krjbrowser.ensure_axe()
    tmp = tmp_path_factory.mktemp("dash")
    users = {"alice": "wonderland"}
    if DASH_BASE:
        import re
        page = krjenv.http("GET", DASH_BASE.rstrip("/") + "/krj/sp500").body
        when = re.search(rb'<time datetime="([^"]+)"', page).group(1)
        import datetime
        t = datetime.datetime.strptime(when.decode(), "%Y-%m-%dT%H:%M:%SZ")
        site = krjdash.Site(krjdata.newest(krjenv.DATA), generated_at=int(
            t.replace(tzinfo=datetime.timezone.utc).timestamp()))
        d = Dash(DASH_BASE.rstrip("/"), site, users, tmp)
        yield d
        d.close()
        return
    _require_build()
    k = Krj(tmp / "krj", locations=DASH_LOCATIONS)
    k.publish()
    k.start()
    site = krjdash.Site(krjdata.newest(k.data),
                        generated_at=snapshot_time(k.snapshot))
    d = Dash(k.base, site, users, tmp, krj=k)
    try:
        yield d
    finally:
        d.close()
        k.stop()
    k.nginx.check_log()
    assert k.nginx.exit_code in (None, 0), "nginx exited %s" % \
        k.nginx.exit_code


@pytest.fixture
def browser(dash):
    """A fresh headless Chromium (JS on) for one test; at the end it must
    have seen no console error, JS error or CSP violation."""
    b = dash.browser()
    yield b
    problems = b.problems()
    b.close()
    dash.browsers.remove(b)
    assert not problems, "browser problems:\n" + "\n".join(problems)
