"""Keyboard only: sort, filter, search, column chooser and the print
dialog reached with Tab and worked with Enter, Space and Escape."""

from selenium.webdriver.common.keys import Keys

import krjdata
import krjenv

CATS = krjdata.newest(krjenv.DATA)


def focus_is(css):
    return lambda b: b.js("return document.activeElement === "
                          "document.querySelector(arguments[0])", css)


def test_keyboard_sort(browser):
    c = CATS["sp500"]
    b = browser.get("/krj/sp500")
    b.tab_to(focus_is('th[data-c="c"] a'))
    b.keys(Keys.ENTER)
    assert b.current == "/krj/sp500?sort=c"
    assert focus_is('th[data-c="c"] a')(b), "focus stays on the header"
    b.keys(Keys.ENTER)
    assert b.current == "/krj/sp500?sort=-c"
    assert b.tickers() == [r[0] for r in krjdata.sort_rows(c, c.rows, "c",
                                                          True)]
    b.keys(Keys.ENTER)
    assert b.current == "/krj/sp500"


def test_keyboard_filter_and_search(browser):
    b = browser.get("/krj/sp500")
    b.tab_to(focus_is("input[name=ticker]"))
    b.keys("NV")
    b.wait(lambda: b.tickers() == ["NVDA", "NVR"], what="NV*")
    b.keys(Keys.BACKSPACE, Keys.BACKSPACE)
    b.wait(lambda: len(b.tickers()) == 503, what="all rows")
    b.tab_to(focus_is('input[name=signal][value=Short]'))
    b.keys(Keys.SPACE)
    assert b.current == "/krj/sp500?signal=Short"
    assert b.text(".cnt") == "62 of 503 rows"
    b.keys(Keys.SPACE)
    assert b.text(".cnt") == "503 of 503 rows"
    # Enter in the search box does what Apply does without JS
    b.tab_to(focus_is("input[name=ticker]"))
    b.keys("aapl", Keys.ENTER)
    b.wait(lambda: b.tickers() == ["AAPL"], what="AAPL")
    assert b.current == "/krj/sp500?ticker=AAPL"


def test_keyboard_column_chooser(browser):
    b = browser.get("/krj/sp500")
    b.tab_to(focus_is(".cc summary"))
    b.keys(Keys.ENTER)
    assert b.js("return document.querySelector('.cc').open")
    b.tab_to(focus_is('.cc input[value="vol_ratio"]'))
    b.keys(Keys.SPACE)
    assert "Vol Ratio" not in b.header()
    assert b.find(".rc").is_displayed()
    b.tab_to(focus_is(".rc"))
    b.keys(Keys.ENTER)
    assert "Vol Ratio" in b.header()
    b.keys(Keys.ESCAPE)
    assert not b.js("return document.querySelector('.cc').open")
    assert focus_is(".cc summary")(b)


def test_keyboard_print_dialog(browser):
    b = browser.get("/krj/sp100")
    b.tab_to(focus_is(".pd summary"))
    b.keys(Keys.ENTER)
    assert b.js("return document.querySelector('dialog.pdlg').open")
    assert b.js("return document.querySelector('dialog.pdlg')"
                ".contains(document.activeElement)"), "focus moves in"
    b.keys(Keys.ESCAPE)
    assert not b.js("return document.querySelector('dialog.pdlg').open")
    assert focus_is(".pd summary")(b), "focus comes back"
    b.keys(Keys.ENTER)
    b.tab_to(focus_is("dialog button[data-g=all]"), limit=20)
    b.keys(Keys.ENTER)
    b.tab_to(focus_is("dialog input[name=ls]"), limit=20)
    b.keys(Keys.SPACE)
    b.tab_to(focus_is("dialog button:not([type=button])"), limit=20)
    b.keys(Keys.ENTER)
    b.wait(lambda: b.current.startswith("/krj/print"), what="print view")
    b.wait_ready()
    assert b.current == "/krj/print?groups=" + ",".join(
        ["equities", "etfs_fx", "sp500", "sp100", "drc", "ai_affected"]) \
        + "&ls=1"
