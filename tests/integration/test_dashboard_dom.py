"""The dashboard's pages over HTTP, without a browser: every category page
and filtered, sorted, column-chosen views against an independent
computation from the CSV files (krjdata: csv module, README sort), the
formats of the original dashboard cell by cell, the markup rules of
dashboard/MARKUP.md (no inline script or style, content-hashed assets),
the exact CSP, error pages, the print view and the login page."""

import hashlib
import re
import time
import urllib.parse

import pytest

import krjbrowser
import krjdash
import krjdata
import krjdom
import krjenv


def page(dash, path, status=200):
    r = dash.get(path)
    assert r.status == status, "GET %s: HTTP %d, expected %d" % (
        path, r.status, status)
    assert r.headers["content-type"].startswith("text/html"), path
    doc = krjdom.parse(r.body.decode("utf-8"))
    assert doc.errors == [], "%s: badly nested markup: %s" % (path,
                                                              doc.errors)
    return r, doc


def main_table(doc):
    return doc.find("main").find("table", cls="t")


def model(dash):
    return krjdata.newest(krjenv.DATA)


# -- formats: the reference's own examples ------------------------------------

@pytest.mark.parametrize("col,raw,shown", [
    ("ticker", "c:EURUSD", "EURUSD"),
    ("ticker", "AAPL", "AAPL"),
    ("c", "259.37", "259.37"),
    ("weekly_low", "255.7", "255.70"),
    ("25DMA", "272.1868", "272.19"),
    ("25DMA_shifted", "275.7184", "275.72"),
    ("long_signal_value", "-0.06057163683176413", "-6.1%"),
    ("short_signal_value", "-0.047088249687347074", "-4.7%"),
    ("long_signal_value", "12.5%", "12.5%"),
    ("vol_ratio", "1.743550166389382", "174%"),
    ("25DMA_range_bps", "0.01517349535218505", "1.52%"),
    ("25D_ADV_Shares_MM", "42.166244", "42.2M"),
    ("25D_ADV_nortional_B", "11.461235814881793", "11.46B"),
    ("avg_trade_size", "62.33774391978884", "62"),
    ("avg_trade_size", "2.5", "3"),          # toFixed rounds half up
    ("c", "0.125", "0.13"),
    ("long_signal_value", "-6.246461178236379e-05", "-0.0%"),
    ("c", "2.3205844295999998e-05", "0.00"),
    ("c", "", ""),
    ("signal", "Short", "Short"),
])
def test_format(col, raw, shown):
    assert krjdash.KNOWN[col][3](raw) == shown


def test_pretty_date():
    assert krjdash.pretty_date("2026-01-09") == "Jan 9, 2026"
    assert krjdash.pretty_date("2025-12-12") == "Dec 12, 2025"


def test_summary_text():
    cat = krjdash.Cat(model(None)["sp500"])
    s = krjdash.summary(cat, range(cat.n))
    assert krjdash.summary_text(s) == "L:18(+1) | N:423(+4) | S:62(-5) | Tot:503"


# -- every category page ---------------------------------------------------------

def expected_cells(cat, row):
    """The displayed text of each cell, straight from the registry."""
    known = all(n in krjdash.KNOWN for n in cat.columns)
    out = []
    for name, raw in zip(cat.columns, row):
        if known:
            out.append(krjdash.KNOWN[name][3](raw))
        elif len(raw) > krjdash.TEXT_MAX and not krjdata.is_number_text(raw):
            out.append(raw[:krjdash.TEXT_MAX - 1] + "\u2026")
        else:
            out.append(raw)
    return out


@pytest.mark.parametrize("slug", sorted(krjdata.newest(krjenv.DATA)))
def test_category_page(dash, slug):
    cat = model(dash)[slug]
    r, doc = page(dash, "/krj/" + slug)
    t = main_table(doc)
    assert t is not None
    cells = krjdom.table_cells(t)
    assert len(cells) == len(cat.rows), "every row, file order"
    assert cells == [expected_cells(cat, row) for row in cat.rows]
    heads = t.find("thead").find_all("th")
    assert [h.attrs["data-c"] for h in heads] == cat.columns
    known = all(n in krjdash.KNOWN for n in cat.columns)
    for h, name in zip(heads, cat.columns):
        label = krjdash.KNOWN[name][0] if known else name
        assert h.text() == label
        if known:
            tip = krjdash.KNOWN[name][1].replace(
                "{date}", krjdash.pretty_date(cat.signal_date))
            assert h.find("a").attrs.get("title") == tip
    # numeric columns right-aligned through nN, nothing hidden by default
    cls = t.classes
    assert not any(c.startswith("h") for c in cls)
    for j, name in enumerate(cat.columns):
        vals = [row[j] for row in cat.rows if row[j] != ""]
        numeric = bool(vals) and all(krjdata.is_number_text(v) for v in vals)
        if j:
            assert ("n%d" % j in cls) == numeric, (name, cls)
    assert t.attrs["data-n"] == str(len(cat.rows))
    # header: the signal date of this category, from its file name
    assert doc.find("h1").find("span", cls="dt").text() == \
        krjdash.pretty_date(cat.signal_date)
    # the active tab
    cur = doc.find("nav", cls="tabs").find_all("a", aria_current="page")
    assert [a.attrs["href"] for a in cur] == ["/krj/" + slug]
    # summary card
    si = cat.col("signal")
    sm = doc.find("p", cls="sum")
    if si is not None:
        s = cat.summary()
        tot = s["long"] + s["neutral"] + s["short"]
        text = "L:%d(%s) | N:%d(%s) | S:%d(%s) | Tot:%d" % (
            s["long"], krjdash.signed(s["delta"]["long"]), s["neutral"],
            krjdash.signed(s["delta"]["neutral"]), s["short"],
            krjdash.signed(s["delta"]["short"]), tot)
        if tot != len(cat.rows):
            text += " (%d tickers)" % len(cat.rows)
        assert sm.text() == text
    assert doc.find("p", cls="cnt").text() == "%d of %d rows" % (
        len(cat.rows), len(cat.rows))


def test_sp500_every_cell_and_colour(dash):
    cat = model(dash)["sp500"]
    _, doc = page(dash, "/krj/sp500")
    t = main_table(doc)
    trs = t.find("tbody").find_all("tr")
    si, pi = cat.col("signal"), cat.col("signal_status_prior_week")
    for tr, row in zip(trs, cat.rows):
        cells = [c for c in tr.elements()]
        assert cells[0].tag == "th", "the ticker is the row header"
        assert [c.text() for c in cells] == expected_cells(cat, row)
        for j in (si, pi):
            want = {"Long": {"l"}, "Short": {"s"}}.get(row[j], set())
            assert cells[j].classes == want, (row[0], row[j])
        assert ("ch" in tr.classes) == (row[si] != row[pi]), row[0]


def test_summary_card_markup(dash):
    _, doc = page(dash, "/krj/sp500")
    sm = doc.find("p", cls="sum")
    b = sm.find_all("b")
    assert [x.text() for x in b] == ["L:18", "N:423", "S:62", "Tot:503"]
    assert b[0].classes == {"l"} and b[2].classes == {"s"}
    deltas = sm.find_all("i")
    assert [(d.text(), d.classes) for d in deltas] == [
        ("(+1)", {"up"}), ("(+4)", {"up"}), ("(-5)", {"dn"})]


def test_fx_prefix_hidden_raw_in_title(dash):
    _, doc = page(dash, "/krj/etfs_fx")
    ths = [tr.elements()[0] for tr in
           main_table(doc).find("tbody").find_all("tr")]
    fx = [th for th in ths if th.attrs.get("title", "").startswith("c:")]
    assert {th.text() for th in fx} == {"EURUSD", "GBPUSD", "USDJPY",
                                        "CADUSD", "EURGBP"}
    assert all(th.attrs["title"] == "c:" + th.text() for th in fx)


def test_generic_schema(dash):
    cat = model(dash)["ai_affected"]
    _, doc = page(dash, "/krj/ai_affected")
    t = main_table(doc)
    trs = t.find("tbody").find_all("tr")
    j = cat.col("ai_rationale")
    for tr, row in zip(trs, cat.rows):
        td = tr.elements()[j]
        assert td.attrs.get("title") == row[j], "full text in the tooltip"
        assert len(td.text()) == krjdash.TEXT_MAX
    # numbers as written, right-aligned
    k = cat.col("market_cap_b")
    assert "n%d" % k in t.classes
    assert [tr.elements()[k].text() for tr in trs] == [r[k] for r in cat.rows]


def test_warnings_note(dash):
    _, doc = page(dash, "/krj/equities")
    note = doc.find("ul", cls="note")
    assert note is not None
    assert any("LLY" in li.text() and "28" in li.text() and "37" in li.text()
               for li in note.find_all("li"))
    _, doc = page(dash, "/krj/sp500")
    assert doc.find("ul", cls="note") is None


# -- filtered, sorted, column-chosen views ----------------------------------------

def select(cat, q):
    """Independent: the README semantics over the raw rows."""
    rows = list(cat.rows)
    si, pi = cat.col("signal"), cat.col("signal_status_prior_week")
    if "ticker" in q:
        want = {t.lower() for t in q["ticker"].split(",")}
        rows = [r for r in rows if r[cat.col("ticker")].lower() in want]
    for k, col in (("signal", si), ("prior", pi)):
        if k in q:
            rows = [r for r in rows if r[col] in q[k].split(",")]
    if "either" in q:
        v = q["either"].split(",")
        rows = [r for r in rows if r[si] in v or r[pi] in v]
    if q.get("changed") == "1":
        rows = [r for r in rows if r[si] != r[pi]]
    if "sort" in q:
        s = q["sort"]
        rows = krjdata.sort_rows(cat, rows, s.lstrip("-"), s.startswith("-"))
    matched = rows
    off = int(q.get("offset", 0))
    lim = int(q["limit"]) if "limit" in q else None
    return matched, rows[off:None if lim is None else off + lim]


VIEWS = [
    ("sp500", {"signal": "Long,Short"}),
    ("sp500", {"sort": "-c"}),
    ("sp500", {"sort": "long_signal_value"}),
    ("sp500", {"either": "Short", "sort": "-vol_ratio"}),
    ("sp500", {"changed": "1", "sort": "ticker"}),
    ("sp500", {"prior": "Long", "signal": "Neutral"}),
    ("sp500", {"ticker": "AAPL,msft,NVDA"}),
    ("sp500", {"sort": "-25D_ADV_nortional_B", "limit": "20", "offset": "40"}),
    ("etfs_fx", {"sort": "ticker"}),
    ("equities", {"sort": "-signal"}),
    ("ai_affected", {"sort": "market_cap_b"}),
    ("ai_affected", {"sort": "-operating_margin_change_2y"}),
    ("ai_affected", {"signal": "Long", "sort": "-fcf_yield"}),
]


@pytest.mark.parametrize("slug,q", VIEWS,
                         ids=["%s?%s" % (s, urllib.parse.urlencode(q))
                              for s, q in VIEWS])
def test_view(dash, slug, q):
    cat = model(dash)[slug]
    path = "/krj/%s?%s" % (slug, urllib.parse.urlencode(q, safe=","))
    _, doc = page(dash, path)
    matched, shown = select(cat, q)
    t = main_table(doc)
    assert krjdom.table_cells(t) == [expected_cells(cat, r) for r in shown]
    assert doc.find("p", cls="cnt").text() == "%d of %d rows" % (
        len(matched), len(cat.rows))
    if "sort" in q:
        name = q["sort"].lstrip("-")
        th = t.find("th", data_c=name)
        assert th.attrs["aria-sort"] == ("descending"
                                         if q["sort"].startswith("-")
                                         else "ascending")
        assert len(t.find_all("th", **{"aria-sort": None})) >= 0
        others = [h for h in t.find("thead").find_all("th")
                  if "aria-sort" in h.attrs]
        assert others == [th]
    # the summary follows the filter
    if cat.col("signal") is not None:
        s = cat.summary(matched)
        assert doc.find("p", cls="sum").find("b").text() == \
            "L:%d" % s["long"]
    # downloads: the API URL with the same parameters
    links = {a.text(): a.attrs["href"] for a in
             doc.find("p", cls="dl").find_all("a")}
    api_q = dict(urllib.parse.parse_qsl(links["CSV"].partition("?")[2]))
    assert links["CSV"].startswith("/api/v1/signals/%s.csv" % slug)
    assert links["JSON"].partition("?")[0] == "/api/v1/signals/%s" % slug
    for k, v in q.items():
        if k == "ticker":
            assert api_q[k].lower() == v.lower()
        else:
            assert api_q[k] == v, k


def test_fields_hide_columns_by_class(dash):
    cat = model(dash)["sp500"]
    _, doc = page(dash, "/krj/sp500?fields=c,signal,vol_ratio")
    t = main_table(doc)
    hidden = {int(c[1:]) for c in t.classes if re.fullmatch(r"h\d+", c)}
    assert hidden == {j for j, n in enumerate(cat.columns)
                      if n not in ("ticker", "c", "signal", "vol_ratio")}
    # cells never change: every cell is still there
    assert len(krjdom.table_cells(t)[0]) == len(cat.columns)
    # the chooser shows the state; reset link visible
    boxes = {i.attrs["value"]: "checked" in i.attrs
             for i in doc.find("form", cls="tb").find_all("input",
                                                          name="fields")}
    assert boxes == {n: n in ("c", "signal", "vol_ratio")
                     for n in cat.columns if n != "ticker"}
    assert "hidden" not in doc.find("a", cls="rc").attrs
    dl = doc.find("p", cls="dl").find("a").attrs["href"]
    assert "fields=ticker,c,signal,vol_ratio" in dl


def test_form_encoding_accepted(dash):
    """What a GET form sends: empty fields, repeated checkboxes, '+'."""
    cat = model(dash)["sp500"]
    _, doc = page(dash, "/krj/sp500?ticker=&signal=Long&signal=Short"
                        "&fields=c&fields=signal&sort=")
    matched, _ = select(cat, {"signal": "Long,Short"})
    assert len(krjdom.table_cells(main_table(doc))) == len(matched)
    _, doc = page(dash, "/krj/sp500?ticker=AAPL,+MSFT")
    assert [r[0] for r in krjdom.table_cells(main_table(doc))] == \
        ["AAPL", "MSFT"]


@pytest.mark.parametrize("q", [
    "sort=nope", "fields=c,nope", "signal=Maybe", "limit=-1", "limit=x",
    "offset=99999999999", "bogus=1", "sort=c&sort=-c", "changed=2",
])
def test_bad_parameter_page(dash, q):
    r, doc = page(dash, "/krj/sp500?" + q, status=400)
    err = doc.find("p", cls="err")
    assert err is not None and err.attrs.get("role") == "alert"
    assert err.text().strip()
    assert doc.find("nav", cls="tabs") is not None
    assert_csp(r)


def test_unknown_category_page(dash):
    r, doc = page(dash, "/krj/sp400", status=404)
    assert doc.find("p", cls="err").text()
    assert_csp(r)


def test_krj_redirects_to_first_tab(dash):
    r = dash.get("/krj")
    assert r.status in (301, 302, 303, 307)
    assert r.headers["location"].endswith("/krj/equities")


# -- the markup rules ----------------------------------------------------------------

def assert_csp(r):
    assert r.headers.get("content-security-policy") == krjbrowser.CSP
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert r.headers.get("x-frame-options") == "DENY"


PAGES = ["/krj/%s" % s for s in sorted(krjdata.newest(krjenv.DATA))] + [
    "/krj/sp500?signal=Long&sort=-c&fields=c,signal&limit=5",
    "/krj/print?groups=sp500,sp100&ls=1", "/krj/print", "/krj/login",
]


@pytest.mark.parametrize("path", PAGES)
def test_no_inline_script_or_style(dash, path):
    r, doc = page(dash, path)
    assert_csp(r)
    text = r.body.decode()
    for n in doc.iter():
        assert "style" not in n.attrs, "style= on %r" % n
        assert not any(k.startswith("on") for k in n.attrs), \
            "event handler attribute on %r" % n
        assert n.tag != "style", "<style> element"
        if n.tag == "script":
            assert n.attrs.get("src") and not n.text().strip()
    assert "javascript:" not in text
    # every asset is ours, content-hashed, and served with that content
    refs = [n.attrs["src"] for n in doc.find_all("script")] + \
        [n.attrs["href"] for n in doc.find_all("link")]
    assert len(refs) == 3
    for ref in refs:
        m = re.fullmatch(r"/krj/assets/krj\.([0-9a-f]{12})\.(js|css|svg)", ref)
        assert m, ref
        a = dash.get(ref)
        assert a.status == 200
        assert hashlib.sha256(a.body).hexdigest()[:12] == m.group(1)
        assert (krjdash.ASSET_DIR / ("krj." + m.group(2))).read_bytes() \
            == a.body


def test_js_and_css_rules():
    """No eval and no style strings in the JS; a CSS rule for every column
    class MARKUP.md promises."""
    js = (krjdash.ASSET_DIR / "krj.js").read_text()
    for bad in ("eval(", "new Function", "setAttribute('style'",
                'setAttribute("style"', ".style.", "innerHTML",
                "document.write", "cssText"):
        assert bad not in js, bad
    css = (krjdash.ASSET_DIR / "krj.css").read_text()
    for n in range(1, krjdash.MAX_COL_CLASS + 1):
        assert ".n%d tr>:nth-child(%d){text-align:right}" % (n, n + 1) in css
        assert ".h%d tr>:nth-child(%d){display:none}" % (n, n + 1) in css
    assert "@media print" in css and "prefers-color-scheme: light" in css
    assert "url(" not in css.replace("url()", ""), "no external resource"


def test_data_age_and_stale():
    site = krjdash.Site(krjdata.newest(krjenv.DATA), generated_at=1000,
                        now=1000 + 2 * 86400 + 5, max_age=8 * 86400)
    doc = krjdom.parse(site.get("/krj/sp500")[2])
    age = doc.find("p", cls="age")
    assert age.text() == "published 2 days ago" and "old" not in age.classes
    site.now = 1000 + 9 * 86400
    doc = krjdom.parse(site.get("/krj/sp500")[2])
    age = doc.find("p", cls="age")
    assert "old" in age.classes and "9 days ago" in age.text()


def test_signed_in_user_block(dash):
    site = dash.site
    doc = krjdom.parse(site.get("/krj/sp500", user="alice")[2])
    me = doc.find("form", cls="me")
    assert me.attrs["method"] == "post" and me.attrs["action"] == "/krj/logout"
    assert me.find("span").text() == "alice" and me.find("button")
    doc = krjdom.parse(site.get("/krj/sp500")[2])
    assert doc.find("form", cls="me") is None


def test_login_page(dash):
    r, doc = page(dash, "/krj/login?next=/krj/sp500%3Fsignal%3DLong")
    f = doc.find("form", cls="login")
    assert f.attrs["method"] == "post" and f.attrs["action"] == "/krj/login"
    names = [i.attrs.get("name") for i in f.find_all("input")]
    assert names == ["user", "password", "next"]
    assert f.find("input", name="next").attrs["value"] == \
        "/krj/sp500?signal=Long"
    # next only within the dashboard
    _, doc = page(dash, "/krj/login?next=https://evil.example/")
    assert doc.find("input", name="next") is None
    for evil in ("//evil.example/", "/krj/%5Cevil", "/krjx", "/krj/a%0Db"):
        _, doc = page(dash, "/krj/login?next=" + evil)
        assert doc.find("input", name="next") is None, evil
    # the form posts to the dashboard itself (form-action 'self')
    assert f.find("input", name="password").attrs["type"] == "password"


def test_print_view_markup(dash):
    _, doc = page(dash, "/krj/print?groups=sp500,sp100&ls=1")
    groups = doc.find_all("section", cls="grp")
    assert [g.find("h2").text().split(" \u00b7 ")[0] for g in groups] == \
        ["SP500", "SP100"]
    m = model(dash)
    for g, slug in zip(groups, ("sp500", "sp100")):
        cat = m[slug]
        t = g.find("table")
        gh = t.find("thead").find("tr", cls="gh")
        assert gh.text().startswith(cat.label)
        si = cat.col("signal")
        want = [r for r in cat.rows if r[si] == "Long"] + \
            [r for r in cat.rows if r[si] == "Short"]
        assert krjdom.table_cells(t) == [expected_cells(cat, r) for r in want]
        s = cat.summary()
        assert g.find("p", cls="psum").text() == (
            "Long: %d (%s) | Neutral: %d (%s) | Short: %d (%s) | Total: %d"
            % (s["long"], krjdash.signed(s["delta"]["long"]), s["neutral"],
               krjdash.signed(s["delta"]["neutral"]), s["short"],
               krjdash.signed(s["delta"]["short"]),
               s["long"] + s["neutral"] + s["short"]))
    _, doc = page(dash, "/krj/print")
    assert len(doc.find_all("section", cls="grp")) == len(m)
    page(dash, "/krj/print?groups=nope", status=400)


def test_page_weight(dash, capsys):
    """Bytes and gzip bytes of the sp500 page and the assets (reported)."""
    import gzip
    r = dash.get("/krj/sp500")
    sizes = {"sp500.html": r.body}
    for ext in ("css", "js"):
        sizes["krj." + ext] = (krjdash.ASSET_DIR / ("krj." + ext)).read_bytes()
    with capsys.disabled():
        for k, v in sizes.items():
            print("\n  weight %-11s %7d bytes, %6d gzip -9" % (
                k, len(v), len(gzip.compress(v, 9))), end="")
        print()
    assert len(gzip.compress(sizes["sp500.html"], 9)) < 40000
