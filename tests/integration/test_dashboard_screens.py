"""Screenshots as test artefacts (build/artefacts/): every tab, a filtered
view, the print view, the login page, a phone, the light theme; with the
layout facts a person would check on them: the sticky header and ticker
column, colours of the summary card and of Long/Short, the themes."""

import pytest

import krjdata
import krjenv

SLUGS = sorted(krjdata.newest(krjenv.DATA))


def colour(b, css, prop="color"):
    return b.js("return getComputedStyle(document.querySelector("
                "arguments[0]))[arguments[1]]", css, prop)


@pytest.mark.parametrize("slug", SLUGS)
def test_tab_screenshot(browser, slug):
    b = browser.get("/krj/" + slug)
    p = b.shot("tab-%s" % slug)
    assert p.stat().st_size > 10000
    assert colour(b, "body", "backgroundColor") == "rgb(3, 7, 18)", "dark"


def test_colours(browser):
    b = browser.get("/krj/sp500")
    assert colour(b, ".sum", "backgroundColor") == "rgb(253, 224, 71)"
    assert colour(b, ".sum b.l") == "rgb(29, 78, 216)"
    assert colour(b, ".sum b.s") == "rgb(185, 28, 28)"
    assert colour(b, ".sum .up") == "rgb(22, 101, 52)"
    assert colour(b, ".sum .dn") == "rgb(153, 27, 27)"
    assert colour(b, "main tbody td.l") == "rgb(96, 165, 250)"   # blue-400
    assert colour(b, "main tbody td.s") == "rgb(248, 113, 113)"  # red-400
    assert b.js("return getComputedStyle(document.querySelector("
                "'main td:nth-child(2)')).textAlign") == "right"
    # zebra rows
    z = b.js("""var r = document.querySelector('main tbody').rows;
        for (var i = 0; i + 1 < r.length; i++) {
          if (!r[i].classList.contains('ch') &&
              !r[i + 1].classList.contains('ch')) {
            return [getComputedStyle(r[i].cells[1]).backgroundColor,
                    getComputedStyle(r[i + 1].cells[1]).backgroundColor];
          }
        }""")
    assert z[0] != z[1], "zebra rows"


def test_sticky_header(browser):
    b = browser.get("/krj/sp500")
    top0 = b.js("return document.querySelector('main thead th')"
                ".getBoundingClientRect().top")
    b.js("document.querySelector('.tw').scrollTop = 3000")
    top1 = b.js("return document.querySelector('main thead th')"
                ".getBoundingClientRect().top")
    assert abs(top0 - top1) < 1, "the header stays while the rows scroll"
    b.shot("sp500-scrolled")


def test_filtered_view_screenshot(browser):
    b = browser.get("/krj/sp500?either=Long,Short&sort=-long_signal_value")
    b.shot("sp500-long-short")
    b.find(".cc summary").click()
    b.shot("column-chooser")
    b.find(".cc summary").click()
    b.find(".pd summary").click()
    b.shot("print-dialog")


def test_print_view_screenshot(browser):
    b = browser.get("/krj/print?groups=sp500,sp100&ls=1")
    b.shot("print-view")


def test_login_screenshot(browser):
    b = browser.get("/krj/login?next=/krj/sp500")
    b.shot("login")
    assert b.find("input[name=user]").is_displayed()


def test_phone(dash):
    b = dash.browser(width=390, height=844, mobile=True)
    try:
        b.get("/krj/sp500")
        b.shot("phone-sp500")
        tw = b.js("var r = document.querySelector('.tw')"
                  ".getBoundingClientRect(); return [r.left, r.right];")
        assert tw[1] <= 390 + 1, "the page does not scroll sideways"
        assert b.js("return document.documentElement.scrollWidth") <= 391
        left0 = b.js("return document.querySelector('main tbody th')"
                     ".getBoundingClientRect().left")
        b.js("document.querySelector('.tw').scrollLeft = 400")
        assert b.js("return document.querySelector('.tw').scrollLeft") > 0
        left1 = b.js("return document.querySelector('main tbody th')"
                     ".getBoundingClientRect().left")
        assert abs(left0 - left1) < 1, "the ticker column stays"
        b.shot("phone-sp500-scrolled")
        assert b.problems() == []
    finally:
        b.close()
        dash.browsers.remove(b)


def test_light_theme(dash):
    b = dash.browser(light=True)
    try:
        b.get("/krj/sp500")
        assert colour(b, "body", "backgroundColor") == "rgb(255, 255, 255)"
        assert colour(b, "main tbody td.l") == "rgb(29, 78, 216)"
        b.shot("light-sp500")
        b.get("/krj/print?groups=equities")
        b.shot("light-print-view")
        assert b.problems() == []
    finally:
        b.close()
        dash.browsers.remove(b)
