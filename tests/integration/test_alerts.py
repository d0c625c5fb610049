"""conf/prometheus/krj-alerts.yml: promtool accepts the rules, each rule
fires on synthetic series meant to trip it and stays quiet on the ones
that should not (tests/prometheus/krj-alerts-test.yml), every rule has a
summary and a runbook that names a README section, and every metric a
rule reads is one the README documents."""

import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RULES = REPO / "conf" / "prometheus" / "krj-alerts.yml"
TESTS = REPO / "tests" / "prometheus" / "krj-alerts-test.yml"
README = REPO / "README.md"


def promtool(*args, cwd=None):
    return subprocess.run(["promtool"] + list(args), capture_output=True,
                          text=True, timeout=60, cwd=cwd)


def github_anchor(heading):
    """The id GitHub gives a heading: lower case, punctuation dropped,
    spaces as hyphens."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def rules():
    """[(alert, expr, annotations)] of the rules file, read with promtool's
    own parser through `promtool check rules` plus a plain YAML read."""
    import yaml
    doc = yaml.safe_load(RULES.read_text())
    return [(r["alert"], r["expr"], r.get("annotations", {}))
            for g in doc["groups"] for r in g["rules"]]


def test_promtool_checks_the_rules():
    r = promtool("check", "rules", str(RULES))
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS: %d rules found" % len(rules()) in r.stdout, r.stdout


def test_every_rule_fires_and_stays_quiet():
    r = promtool("test", "rules", TESTS.name, cwd=TESTS.parent)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS" in r.stdout, r.stdout
    tested = set(re.findall(r"alertname: (\w+)", TESTS.read_text()))
    assert tested == {a for a, _, _ in rules()}, \
        "every alert is tested: %s" % ({a for a, _, _ in rules()} ^ tested)


def test_summaries_and_runbooks():
    readme = README.read_text()
    anchors = {github_anchor(h) for h in
               re.findall(r"^#+ (.+)$", readme, re.M)}
    for alert, _, ann in rules():
        assert ann.get("summary"), alert
        m = re.fullmatch(r"README\.md#([\w-]+)", ann.get("runbook", ""))
        assert m, "%s: runbook %r" % (alert, ann.get("runbook"))
        assert m.group(1) in anchors, \
            "%s: README has no section #%s" % (alert, m.group(1))


def test_metrics_read_are_documented():
    readme = README.read_text()
    for alert, expr, _ in rules():
        for name in set(re.findall(r"\b(krj_[a-z0-9_]+)", expr)):
            base = re.sub(r"_(bucket|sum|count)$", "", name)
            assert "`%s`" % name in readme or "`%s`" % base in readme, \
                "%s reads %s, which the README does not document" % (
                    alert, name)
