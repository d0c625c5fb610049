"""conf/grafana/krj.json, the Grafana dashboard: valid JSON that Grafana 9
and 10 import (schema basics, a grid without overlaps, ${datasource} on
every panel and target), every metric it queries is one krj exports, every
expression is PromQL that promtool accepts, and the rows show what an
operator needs: traffic, latency, errors, auth, data, ingest, zone, TLS.
No Grafana and no network: promtool checks the expressions offline."""

import json
import re
import shutil
import subprocess

import pytest

from krjenv import REPO

BOARD = REPO / "conf" / "grafana" / "krj.json"

# what `krj_status metrics` exports (README, "Metrics")
MODULE_METRICS = {
    "krj_http_requests_total",
    "krj_http_response_bytes_total",
    "krj_http_request_duration_seconds_bucket",
    "krj_http_request_duration_seconds_sum",
    "krj_http_request_duration_seconds_count",
    "krj_auth_outcomes_total",
    "krj_rate_limited_requests_total",
    "krj_basic_cache_lookups_total",
    "krj_session_cookies_total",
    "krj_snapshot_info",
    "krj_snapshot_generated_timestamp_seconds",
    "krj_snapshot_age_seconds",
    "krj_snapshot_categories",
    "krj_category_rows",
    "krj_category_signal_date_timestamp_seconds",
    "krj_snapshot_loads_total",
    "krj_snapshot_refusals_total",
    "krj_snapshot_load_duration_seconds",
    "krj_zone_used_bytes",
    "krj_zone_size_bytes",
    "krj_zone_nodes",
    "krj_zone_evictions_total",
}

# the node_exporter textfiles of krj-batch and of the certbot deploy hook:
# scraped by node_exporter, so they carry its instance label, not krj's
NODE_METRICS = {
    "krj_batch_last_run_start_timestamp_seconds",
    "krj_batch_last_run_end_timestamp_seconds",
    "krj_batch_last_run_success",
    "krj_batch_last_success_timestamp_seconds",
    "krj_batch_files_accepted",
    "krj_batch_files_rejected",
    "krj_batch_rows_published",
    "krj_batch_warnings",
    "krj_batch_outbox_depth",
    "krj_batch_postgresql_up",
    "krj_batch_redis_up",
    "krj_batch_follow_lag_seconds",
    "krj_tls_certificate_expiry_timestamp_seconds",
}

# each row and the metrics its panels must show
ROWS = [
    ("Traffic", {"krj_http_requests_total", "krj_http_response_bytes_total"}),
    ("Latency", {"krj_http_request_duration_seconds_bucket"}),
    ("Errors", {"krj_http_requests_total"}),
    ("Auth", {"krj_auth_outcomes_total", "krj_rate_limited_requests_total",
              "krj_basic_cache_lookups_total", "krj_session_cookies_total"}),
    ("Data", {"krj_snapshot_age_seconds",
              "krj_category_signal_date_timestamp_seconds",
              "krj_category_rows", "krj_snapshot_categories",
              "krj_snapshot_info", "krj_snapshot_loads_total",
              "krj_snapshot_refusals_total",
              "krj_snapshot_load_duration_seconds"}),
    ("Ingest", {m for m in NODE_METRICS if m.startswith("krj_batch_")}),
    ("Zone", {"krj_zone_used_bytes", "krj_zone_size_bytes", "krj_zone_nodes",
              "krj_zone_evictions_total"}),
    ("TLS", {"krj_tls_certificate_expiry_timestamp_seconds"}),
]

GRID_COLUMNS = 24
DATASOURCE = "${datasource}"
GRAFANA_INTERVALS = ("__rate_interval", "__interval", "__range")
VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")
METRIC = re.compile(r"krj_[a-z0-9_]+")
# a metric name, then its label matchers if it has any
SELECTOR = re.compile(r"(krj_[a-z0-9_]+)(\{[^}]*\})?")

# the Grafana unit ids a krj panel may use
UNITS = {"reqps", "Bps", "bytes", "s", "percentunit", "dtdurations",
         "dateTimeAsIso", "cps", "none"}

DAY = 86400


def strict_object(pairs):
    keys = [k for k, _ in pairs]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    assert not dup, "duplicate keys in %s: %s" % (BOARD, dup)
    return dict(pairs)


def no_constant(name):
    raise AssertionError("%s is not JSON (in %s)" % (name, BOARD))


@pytest.fixture(scope="module")
def board():
    """The board as a browser's JSON.parse reads it: Python's json would
    also take NaN and Infinity, and keep the last of duplicate keys."""
    with open(BOARD, encoding="utf-8") as f:
        return json.load(f, object_pairs_hook=strict_object,
                         parse_constant=no_constant)


def all_panels(board):
    """Every panel, rows and the panels inside collapsed rows included."""
    out = []
    for p in board["panels"]:
        out.append(p)
        out.extend(p.get("panels", []))
    return out


def queried(board):
    return [p for p in all_panels(board) if p["type"] != "row"]


def exprs(panel):
    return [t["expr"] for t in panel["targets"]]


def every_expr(board):
    """(where, expr) for every panel target."""
    return [("panel %d %s" % (p["id"], t["refId"]), t["expr"])
            for p in queried(board) for t in p["targets"]]


def variable(board, name):
    found = [v for v in board["templating"]["list"] if v["name"] == name]
    assert len(found) == 1, "one template variable %r" % name
    return found[0]


def label_values_selector(query):
    """The series selector of a label_values(selector, label) query."""
    m = re.fullmatch(r"label_values\((.+),\s*(\w+)\)", query)
    assert m, "%r is label_values(selector, label)" % query
    return m.group(1), m.group(2)


def promql(expr):
    """expr as Prometheus sees it once Grafana has interpolated it."""
    for name in GRAFANA_INTERVALS:
        expr = expr.replace("${%s}" % name, "5m").replace("$" + name, "5m")
    return VARIABLE.sub(".*", expr)


def promtool_check(tmp_path, expressions):
    """promtool check rules, each expression a recording rule."""
    if shutil.which("promtool") is None:
        pytest.fail("promtool is not installed (run `make deps`)")
    rules = [{"record": "krj_grafana:expr_%d" % n, "expr": e}
             for n, e in enumerate(expressions)]
    path = tmp_path / "rules.yml"
    # JSON is YAML: no YAML writer needed
    path.write_text(json.dumps({"groups": [{"name": "krj_grafana",
                                            "rules": rules}]}, indent=1))
    return subprocess.run(["promtool", "check", "rules", str(path)],
                          capture_output=True, text=True, timeout=60)


def test_dashboard_basics(board):
    assert isinstance(board, dict), "the file is one JSON object"
    assert board["uid"] == "krj" and board["title"] == "krj"
    assert board["tags"] == ["krj"]
    assert board["refresh"] == "1m"
    assert board["time"]["from"] == "now-24h"
    assert board["time"]["to"] == "now"
    assert board["schemaVersion"] >= 37, "Grafana 9 or later"
    assert board.get("id") is None, "an importable board has no id"
    assert "__inputs" not in board, "the datasource is a variable"


def test_datasource_variable(board):
    v = variable(board, "datasource")
    assert v["type"] == "datasource" and v["query"] == "prometheus"


def test_instance_variables(board):
    v = variable(board, "instance")
    assert v["type"] == "query"
    assert v["datasource"]["uid"] == DATASOURCE
    assert v["query"] == "label_values(krj_snapshot_categories, instance)"
    assert v["multi"] is True and v["includeAll"] is True
    # krj-batch and certbot metrics come through node_exporter
    v = variable(board, "node")
    assert v["type"] == "query"
    assert v["datasource"]["uid"] == DATASOURCE
    selector, label = label_values_selector(v["query"])
    assert label == "instance"
    assert set(METRIC.findall(selector)) == {
        "krj_batch_last_run_success",
        "krj_tls_certificate_expiry_timestamp_seconds"}
    assert v["multi"] is True and v["includeAll"] is True


def test_panel_ids_unique(board):
    ids = [p["id"] for p in all_panels(board)]
    assert all(isinstance(i, int) and i > 0 for i in ids), ids
    assert len(ids) == len(set(ids)), "panel ids are unique: %s" % ids


def test_grid_positions_do_not_overlap(board):
    boxes = []
    for p in all_panels(board):
        g = p.get("gridPos")
        assert g, "panel %d has a gridPos" % p["id"]
        assert all(isinstance(g[k], int) for k in "hwxy"), p["id"]
        assert g["w"] >= 1 and g["h"] >= 1, p["id"]
        assert g["x"] >= 0 and g["y"] >= 0, p["id"]
        assert g["x"] + g["w"] <= GRID_COLUMNS, \
            "panel %d fits the 24-column grid" % p["id"]
        if p["type"] == "row":
            assert g["x"] == 0 and g["w"] == GRID_COLUMNS and g["h"] == 1
        boxes.append((p["id"], g))
    for n, (a, ga) in enumerate(boxes):
        for b, gb in boxes[n + 1:]:
            apart = (ga["x"] + ga["w"] <= gb["x"]
                     or gb["x"] + gb["w"] <= ga["x"]
                     or ga["y"] + ga["h"] <= gb["y"]
                     or gb["y"] + gb["h"] <= ga["y"])
            assert apart, "panels %d and %d overlap: %s %s" % (a, b, ga, gb)


def test_panels_have_title_and_datasource(board):
    for p in all_panels(board):
        assert p.get("title"), "panel %d has a title" % p["id"]
        ds = p.get("datasource")
        assert ds == {"type": "prometheus", "uid": DATASOURCE}, \
            "panel %r uses ${datasource}: %r" % (p["title"], ds)


def test_targets(board):
    for p in queried(board):
        assert p.get("targets"), "panel %r queries something" % p["title"]
        refs = []
        for t in p["targets"]:
            assert t.get("expr", "").strip(), \
                "panel %r: a target has an expr" % p["title"]
            assert t.get("refId"), "panel %r: a target has a refId" \
                % p["title"]
            assert t.get("datasource") == p["datasource"], \
                "panel %r: target %s uses ${datasource}" \
                % (p["title"], t["refId"])
            refs.append(t["refId"])
        assert len(refs) == len(set(refs)), \
            "panel %r: refIds unique: %s" % (p["title"], refs)


def test_metric_names_are_exported(board):
    known = MODULE_METRICS | NODE_METRICS
    used = set()
    for where, expr in every_expr(board):
        names = set(METRIC.findall(expr))
        assert names, "%s queries a krj metric: %s" % (where, expr)
        assert names <= known, "%s: unknown %s" % (where, names - known)
        used |= names
    for v in board["templating"]["list"]:
        if v["type"] == "query":
            names = set(METRIC.findall(v["query"]))
            assert names and names <= known, (v["name"], names - known)
    assert used == known, "every exported metric is on the board, " \
        "missing: %s" % sorted(known - used)


def test_variables_are_defined(board):
    defined = {v["name"] for v in board["templating"]["list"]}
    for where, expr in every_expr(board):
        assert "[[" not in expr, "%s: ${var}, not [[var]]" % where
        for m in VARIABLE.finditer(expr):
            name = m.group(1) or m.group(2)
            assert name in defined or name in GRAFANA_INTERVALS, \
                "%s uses an undefined $%s" % (where, name)


def test_panels_filter_by_instance(board):
    """krj's own metrics by $instance, node_exporter's by $node."""
    for where, expr in every_expr(board):
        for m in SELECTOR.finditer(expr):
            name, matchers = m.group(1), m.group(2) or ""
            var = "instance" if name in MODULE_METRICS else "node"
            assert 'instance=~"$%s"' % var in matchers, \
                "%s: %s is filtered by $%s: %s" % (where, name, var, expr)


def test_range_selectors(board):
    """rate() and increase() over $__rate_interval, so that a window
    always holds two scrapes; $__range only in an instant query."""
    for p in queried(board):
        for t in p["targets"]:
            ranges = re.findall(r"\[([^\]]*)\]", t["expr"])
            assert set(ranges) <= {"$__rate_interval", "$__range"}, \
                (p["title"], ranges)
            if "$__range" in ranges:
                assert t.get("instant") is True, p["title"]
            for fn in re.findall(r"\b(rate|increase)\(", t["expr"]):
                assert "$__rate_interval" in ranges, (p["title"], fn)


def test_expressions_are_promql(board, tmp_path):
    found = [e for _, e in every_expr(board)]
    for v in board["templating"]["list"]:
        if v["type"] == "query":
            found.append(label_values_selector(v["query"])[0])
    checked = [promql(e) for e in found]
    for e in checked:
        assert "$" not in e, "every variable was replaced: %s" % e
    r = promtool_check(tmp_path, checked)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "SUCCESS: %d rules found" % len(checked) in r.stdout, r.stdout


def test_promtool_refuses_bad_promql(tmp_path):
    """The check above can fail: promtool parses every expression."""
    r = promtool_check(tmp_path, [
        'sum(rate(krj_http_requests_total{instance=~".*"}[5m]))',
        'sum(rate(krj_http_requests_total{instance=~".*"}[5m])'])
    assert r.returncode != 0, r.stdout
    assert "krj_grafana:expr_1" in r.stdout + r.stderr
    assert "unclosed left parenthesis" in r.stdout + r.stderr


def rows(board):
    """[(row title, [panels below it up to the next row])] in grid order."""
    out = []
    for p in sorted(board["panels"], key=lambda p: (p["gridPos"]["y"],
                                                    p["gridPos"]["x"])):
        if p["type"] == "row":
            out.append((p["title"], list(p.get("panels", []))))
        else:
            assert out, "panel %r is under a row" % p["title"]
            out[-1][1].append(p)
    return out


def test_rows(board):
    found = rows(board)
    assert [t for t, _ in found] == [t for t, _ in ROWS]
    # Grafana gives a row the panels that follow it in the array
    order = [p["id"] for p in board["panels"]]
    grid = [p["id"] for _, ps in found for p in ps]
    assert [i for i in order if i in grid] == grid, \
        "the panels array is in grid order"
    for (title, panels), (_, wanted) in zip(found, ROWS):
        assert panels, "row %s has panels" % title
        shown = set()
        for p in panels:
            for e in exprs(p):
                shown |= set(METRIC.findall(e))
        assert wanted <= shown, "row %s shows %s" % (title, wanted - shown)


def row_panels(board, title):
    return dict(rows(board))[title]


def test_latency_quantiles(board):
    quantile = re.compile(
        r"histogram_quantile\((0\.\d+), sum by \((le, route|route, le)\) "
        r"\(rate\(krj_http_request_duration_seconds_bucket\{[^}]*\}"
        r"\[\$__rate_interval\]\)\)\)")
    found = set()
    for p in row_panels(board, "Latency"):
        for e in exprs(p):
            m = quantile.fullmatch(e)
            if m:
                found.add(m.group(1))
                assert "{{route}}" in [t["legendFormat"]
                                       for t in p["targets"]], p["title"]
    assert found == {"0.5", "0.95", "0.99"}, found


def test_error_ratios(board):
    for cls in ("4xx", "5xx"):
        ratio = [p for p in row_panels(board, "Errors")
                 if any('status="%s"' % cls in e and " / " in e
                        and "sum by (route)" in e for e in exprs(p))]
        assert len(ratio) == 1, "one %s ratio panel by route" % cls


def test_snapshot_age_thresholds(board):
    age = [p for p in row_panels(board, "Data")
           if any("krj_snapshot_age_seconds" in e for e in exprs(p))]
    assert len(age) == 1 and age[0]["type"] == "stat"
    d = age[0]["fieldConfig"]["defaults"]
    assert d["unit"] == "dtdurations"
    steps = [s["value"] for s in d["thresholds"]["steps"]]
    assert steps == [None, 7 * DAY, 8 * DAY], steps
    colors = [s["color"] for s in d["thresholds"]["steps"]]
    assert len(set(colors)) == 3, colors


def test_generation_from_info(board):
    info = [p for p in row_panels(board, "Data")
            if any("krj_snapshot_info" in e for e in exprs(p))]
    assert len(info) == 1 and info[0]["type"] == "table"
    t = [t for t in info[0]["targets"] if "krj_snapshot_info" in t["expr"]]
    assert t[0]["instant"] is True and t[0]["format"] == "table"
    assert re.search(r"by \([^)]*\bgeneration\b", t[0]["expr"]), \
        "the generation label is kept"
    for tr in info[0].get("transformations", []):
        hidden = tr["options"].get("excludeByName", {})
        assert not hidden.get("generation"), "the generation is shown"


def test_tls_days_left(board):
    tls = row_panels(board, "TLS")
    assert len(tls) == 1 and tls[0]["title"].startswith("Days until")
    assert [e for e in exprs(tls[0]) if re.fullmatch(
        r"\(krj_tls_certificate_expiry_timestamp_seconds\{[^}]*\} - "
        r"time\(\)\) / 86400", e)], "seconds left over seconds a day"
    steps = [s["value"] for s in
             tls[0]["fieldConfig"]["defaults"]["thresholds"]["steps"]]
    assert steps[0] is None and steps[1:] == sorted(steps[1:]), steps
    assert 0 < steps[-1] <= 30, "warns before certbot's 30 days run out"


def test_units(board):
    """The unit follows from what a panel plots."""
    def plots(p, pattern):
        return all(re.search(pattern, e) for e in exprs(p))

    for p in queried(board):
        unit = p["fieldConfig"]["defaults"].get("unit")
        title = p["title"]
        assert unit in UNITS, "panel %r has a unit: %r" % (title, unit)
        ratio = re.search(r"\bratio\b", title) is not None
        assert ratio == (unit == "percentunit"), title
        if ratio:
            assert plots(p, r"\) / |\} / "), "%r divides" % title
        elif plots(p, r"krj_http_request_duration_seconds"):
            assert unit == "s", title
        elif plots(p, r"^time\(\) - "):
            assert unit == "dtdurations", title
        elif plots(p, r"rate\(krj_(http_requests|auth_outcomes|"
                      r"rate_limited_requests)_total"):
            assert unit == "reqps", title
        elif plots(p, r"rate\(krj_http_response_bytes_total"):
            assert unit == "Bps", title
        elif plots(p, r"_bytes\{"):
            assert unit == "bytes", title
        elif plots(p, r"_seconds\{[^}]*\}( - krj_\w+\{[^}]*\})?$"):
            assert unit == "s", title
