"""No libc formatting on the module's request path (issue 12): answers
and their error messages are written by krj_out, digit by digit, and
nginx's own formatter for log lines.  Checked on the objects the module is
linked from: only the two that run when a file is loaded, never for a
request, may call into libc's printf family."""

import re
import subprocess

import pytest

from krjenv import BUILD

OBJS = BUILD / "nginx" / "objs" / "addon" / "ngx_krj_module"

# the snapshot validator (loaded in a thread, or between requests without
# one) and the key and user file grammar (on a reload tick)
LOAD_ONLY = {"krj_snapshot.o": "the snapshot validator",
             "krj_principal.o": "the key and user file lines"}

LIBC = re.compile(r"^(__)?v?(s|sn|f|d|as)?printf(_chk)?$")


def undefined(obj):
    out = subprocess.run(["nm", "-u", str(obj)], capture_output=True,
                         text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def objects():
    objs = sorted(OBJS.glob("*.o"))
    if not objs:
        pytest.skip("no module objects in %s: make module" % OBJS)
    return objs


def test_request_path_calls_no_libc_printf():
    objs = objects()
    names = {o.name for o in objs}
    for need in ("krj_query.o", "krj_select.o", "krj_render.o",
                 "krj_out.o", "krj_encoding.o", "krj_date.o",
                 "ngx_http_krj_api.o", "ngx_http_krj_response.o",
                 "ngx_http_krj_status.o"):
        assert need in names, "%s is among the module's objects" % need
    for o in objs:
        if o.name in LOAD_ONLY:
            continue
        bad = sorted(s for s in undefined(o) if LIBC.match(s))
        assert not bad, "%s calls libc formatting: %s" % (o.name, bad)


def test_the_pattern_sees_libc_printf():
    # the check would notice: the load-time objects do call it
    calls = set()
    for o in objects():
        if o.name in LOAD_ONLY:
            calls |= {s for s in undefined(o) if LIBC.match(s)}
    assert calls & {"snprintf", "vsnprintf", "__snprintf_chk",
                    "__vsnprintf_chk"}, \
        "the load-time objects' snprintf is seen: %s" % sorted(calls)
    assert not LIBC.match("ngx_snprintf") and not LIBC.match("ngx_sprintf")
