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
