"""conf/systemd: every unit's ExecStart runs (with the build's krj-batch
in place of the installed one) --help successfully, systemd-analyze
verify has nothing to say about it, every Documentation= left names
something that exists, and the units mention no variable or command that
krj-batch does not read."""

import os
import re
import shutil
import subprocess

import pytest

import krjenv

UNITS = sorted((krjenv.REPO / "conf" / "systemd").glob("*.service")) + \
    sorted((krjenv.REPO / "conf" / "systemd").glob("*.timer"))
INSTALLED = "/usr/local/bin/krj-batch"


def every_help():
    out = ""
    for cmd in ([], ["run"], ["watch"], ["follow"], ["migrate"],
                ["status"], ["keys", "add"], ["users", "add"]):
        out += krjenv.run_batch(*cmd, "--help").stdout
    return out


def directives(path, name):
    return re.findall(r"(?m)^%s=(.*)$" % name, path.read_text())


def test_units_exist():
    names = {p.name for p in UNITS}
    assert {"krj-batch.service", "krj-batch.timer",
            "krj-batch-watch.service", "krj-batch-follow.service"} <= names


@pytest.mark.parametrize("unit", [u for u in UNITS
                                  if u.suffix == ".service"],
                         ids=lambda u: u.name)
def test_exec_start_runs(unit):
    starts = directives(unit, "ExecStart")
    assert len(starts) == 1, unit
    words = starts[0].split()
    assert words[0] == INSTALLED, words
    r = subprocess.run([str(krjenv.BATCH)] + words[1:] + ["--help"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and r.stdout.startswith(
        "Usage: krj-batch " + " ".join(words[1:])), r.stderr


@pytest.mark.parametrize("unit", [u for u in UNITS
                                  if u.suffix == ".service"],
                         ids=lambda u: u.name)
def test_systemd_analyze_verify(unit, tmp_path):
    if shutil.which("systemd-analyze") is None:
        pytest.fail("systemd-analyze is missing (Debian's systemd)")
    copy = tmp_path / unit.name
    copy.write_text(unit.read_text().replace(INSTALLED, str(krjenv.BATCH)))
    r = subprocess.run(["systemd-analyze", "verify", str(copy)],
                       capture_output=True, text=True, timeout=60)
    # it names users and directories that exist only once deployed
    noise = re.compile(r"Failed to resolve user|Failed to resolve group"
                       r"|does not exist|Unit .* not found")
    said = [ln for ln in (r.stdout + r.stderr).splitlines()
            if ln.strip() and not noise.search(ln)]
    assert r.returncode == 0 and not said, "\n".join(said)


def test_daemons_notify_systemd():
    for name in ("krj-batch-watch.service", "krj-batch-follow.service"):
        unit = krjenv.REPO / "conf" / "systemd" / name
        assert directives(unit, "Type") == ["notify"], name
        assert directives(unit, "WatchdogSec"), name
        assert directives(unit, "ExecReload") == ["/bin/kill -HUP $MAINPID"]


@pytest.mark.parametrize("unit", UNITS, ids=lambda u: u.name)
def test_documentation_exists(unit):
    for doc in directives(unit, "Documentation"):
        for uri in doc.split():
            assert uri.startswith("file://"), \
                "%s: only local documentation can be checked: %s" % (
                    unit.name, uri)
            assert os.path.exists(uri[len("file://"):]), \
                "%s: Documentation=%s does not exist" % (unit.name, uri)


def test_units_mention_only_what_is_read():
    helps = every_help()
    read = set(re.findall(r"env (KRJ_[A-Z_]+)", helps))
    commands = set(re.findall(r"(?m)^  ([a-z]+) ", krjenv.run_batch(
        "--help").stdout))
    for unit in UNITS:
        text = unit.read_text()
        for var in set(re.findall(r"\bKRJ_[A-Z_]+", text)):
            assert var in read, "%s mentions %s, which nothing reads" % (
                unit.name, var)
        # the command in ExecStart, or named as "krj-batch watch:"
        for cmd in re.findall(r"krj-batch ([a-z]+):|^ExecStart=\S*krj-batch "
                              r"([a-z]+)", text, re.M):
            cmd = cmd[0] or cmd[1]
            assert cmd in commands, "%s: krj-batch %s" % (unit.name, cmd)
        for line in re.findall(r"(?m)^.*krj-batch [a-z].*$", text):
            for opt in re.findall(r"(?<![\w-])--([a-z][a-z-]+)", line):
                assert "--" + opt in helps, "%s: --%s" % (unit.name, opt)
