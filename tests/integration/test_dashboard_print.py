"""Printing: the print dialog of the original produces the print view URL
(groups, current tab, all groups, one-click all Long/Short), the print
view calls print on arrival, and Chromium's --print-to-pdf of the print
view has one group per page with the header repeated on every page."""

import re

import krjdata
import krjenv
import krjbrowser

CATS = krjdata.newest(krjenv.DATA)


def open_dialog(b):
    b.find(".pd summary").click()
    b.wait(lambda: b.js("var d = document.querySelector('dialog.pdlg');"
                        "return d && d.open"), what="dialog open")


def test_dialog_current_tab_by_default(browser):
    b = browser.get("/krj/sp100")
    open_dialog(b)
    checked = [e.get_attribute("value")
               for e in b.finds("dialog input[name=groups]")
               if e.is_selected()]
    assert checked == ["sp100"]
    b.find("dialog button:not([type=button])").click()
    b.wait(lambda: b.current.startswith("/krj/print"), what="print view")
    b.wait_ready()
    assert b.current == "/krj/print?groups=sp100"
    b.wait(lambda: b.printed() == 1, what="window.print() on arrival")
    assert [h.text.split(" \u00b7 ")[0] for h in b.finds("section.grp h2")] \
        == ["SP100"]
    b.reload()
    assert b.printed() == 0, "a reload does not print again"


def test_dialog_groups_ls_and_columns(browser):
    b = browser.get("/krj/sp500")
    b.find(".cc summary").click()
    b.find('.cc input[value="25DMA"]').click()
    b.find(".cc summary").click()
    open_dialog(b)
    b.find('dialog input[name=groups][value=sp100]').click()
    b.find("dialog input[name=ls]").click()
    b.find("dialog button:not([type=button])").click()
    b.wait(lambda: b.current.startswith("/krj/print"), what="print view")
    b.wait_ready()
    fields = ",".join(n for n in CATS["sp500"].columns if n != "25DMA")
    assert b.current == "/krj/print?groups=sp500,sp100&ls=1&fields=" + fields
    assert "25 DMA" not in b.header("section.grp table")
    si = b.header("section.grp table").index("Signal")
    sig = [r[si] for r in b.table("section.grp table")]
    assert sig == sorted(sig, key=lambda s: s != "Long")
    assert set(sig) == {"Long", "Short"}


def test_dialog_quick_buttons_and_cancel(browser):
    b = browser.get("/krj/drc")
    open_dialog(b)
    b.find("dialog button[data-g=all]").click()
    assert all(e.is_selected() for e in b.finds("dialog input[name=groups]"))
    b.find("dialog button[data-g=cur]").click()
    assert [e.get_attribute("value")
            for e in b.finds("dialog input[name=groups]")
            if e.is_selected()] == ["drc"]
    b.find("dialog button[data-x]").click()
    assert not b.js("return document.querySelector('dialog.pdlg').open")
    assert b.current == "/krj/drc"


def test_one_click_all_long_short(browser):
    b = browser.get("/krj/equities")
    open_dialog(b)
    b.find("dialog a[data-one]").click()
    b.wait(lambda: b.current.startswith("/krj/print"), what="print view")
    b.wait_ready()
    assert b.current == "/krj/print?ls=1"
    b.wait(lambda: b.printed() == 1, what="print on arrival")
    assert len(b.finds("section.grp")) == len(CATS)


def test_print_view_without_js(dash):
    b = dash.browser(js=False)
    b.get("/krj/sp500")
    b.find(".pd summary").click()          # <details> opens without JS
    b.find('.pd input[name=groups][value=drc]').click()
    b.find('.pd input[name=ls]').click()
    b.find(".pd form button:not([type=button])").click()
    b.wait(lambda: b.current.startswith("/krj/print"), what="print view")
    b.wait_ready()
    assert b.current == "/krj/print?groups=sp500&groups=drc&ls=1"
    assert len(b.finds("section.grp")) == 2
    assert b.problems() == []


def pdf_of(dash, path, name):
    out = krjbrowser.ARTEFACTS / ("%s.pdf" % name)
    krjbrowser.ARTEFACTS.mkdir(parents=True, exist_ok=True)
    if out.exists():
        out.unlink()
    return krjbrowser.print_pdf(dash.url(path), str(out))


def group_titles(pages, labels):
    """For each page, the group names in its repeated header row."""
    out = []
    for text in pages:
        out.append([lab for lab in labels
                    if re.search(r"(^|\n)\s*%s \u00b7 " % re.escape(lab),
                                 text)])
    return out


def test_pdf_one_group_per_page_headers_repeated(dash):
    pdf = pdf_of(dash, "/krj/print?groups=sp500,equities,drc&ls=1", "print-ls")
    info = krjbrowser.pdf_info(pdf)
    assert "Letter" in info.get("Page size", "") or "A4" in \
        info.get("Page size", "") or "612 x 792" in info.get("Page size", "")
    w, h = (float(x) for x in re.findall(r"[\d.]+", info["Page size"])[:2])
    assert h > w, "portrait"
    pages = krjbrowser.pdf_pages(pdf)
    labels = ["Top Equities", "SP500", "DRC"]     # tab order
    titles = group_titles(pages, labels)
    assert all(len(t) == 1 for t in titles), titles
    seq = [t[0] for t in titles]
    assert seq == sorted(seq, key=labels.index), "groups in order"
    assert set(seq) == set(labels)
    for text in pages:
        assert "Ticker" in text and "Fri Close" in text, \
            "the column header on every page"


def test_pdf_long_group_repeats_header(dash):
    pdf = pdf_of(dash, "/krj/print?groups=sp500", "print-sp500")
    pages = krjbrowser.pdf_pages(pdf)
    assert len(pages) >= 5, "503 rows take several pages"
    for text in pages:
        assert re.search(r"SP500 \u00b7 Jan 9, 2026", text), \
            "group name repeated in the table head"
        assert "Ticker" in text and "Avg Trade" in text
    assert "Long: 18 (+1) | Neutral: 423 (+4) | Short: 62 (-5) | Total: 503" \
        in pages[0]
    body = "\n".join(pages)
    for t in ("AAPL", "ZTS", "NVDA"):
        assert re.search(r"\b%s\b" % t, body)
