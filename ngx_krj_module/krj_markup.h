
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_MARKUP_H_INCLUDED_
#define _KRJ_MARKUP_H_INCLUDED_


/*
 * Every piece of the dashboard's pages, in one place, as the formats of
 * krj_out_fmt() (%h: HTML-escaped, %q: a query value, %r: raw bytes,
 * %u: a number; see krj_out.h), plus two of krj_page.c's own: %P, the
 * dashboard's location ("/krj"), and %A, the API's ("/api/v1").  They are
 * dashboard/MARKUP.md byte for byte; its oracle,
 * tests/integration/krjdash.py, renders the same pages.  krj-batch
 * pre-renders with them, the module renders the per-request parts with
 * them, so the two cannot drift.
 */


#define KRJ_HTML_TITLE          " \xc2\xb7 KRJ Weekly Signals"

/* the shell: %r title (escaped), the three assets' names, body class */
#define KRJ_HTML_HEAD                                                         \
    "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" \
    "<meta name=\"viewport\" content=\"width=device-width,"                   \
    "initial-scale=1\">\n"                                                    \
    "<title>%r" KRJ_HTML_TITLE "</title>\n"
#define KRJ_HTML_ASSETS                                                       \
    "<link rel=\"icon\" href=\"%P/assets/%r\">\n"                             \
    "<link rel=\"stylesheet\" href=\"%P/assets/%r\">\n"                       \
    "<script src=\"%P/assets/%r\" defer></script>\n"
#define KRJ_HTML_BODY           "</head>\n<body>\n"
#define KRJ_HTML_BODY_CLASS     "</head>\n<body class=\"%s\">\n"
#define KRJ_HTML_END            "</main>\n</body>\n</html>\n"

/* the header: the date, the age, the signed-in user */
#define KRJ_HTML_HEADER         "<header class=\"hd\">\n<h1>KRJ Weekly Signals"
#define KRJ_HTML_DATE           " <span class=\"dt\">%r</span>"
#define KRJ_HTML_AGE                                                          \
    "</h1>\n<p class=\"age%s\">published <time datetime=\"%r\">%r</time>%s"  \
    "</p>\n"
#define KRJ_HTML_USER                                                         \
    "<form class=\"me\" method=\"post\" action=\"%P/logout\"><span>%h</span>" \
    " <button>Sign out</button></form>\n"
#define KRJ_HTML_HEADER_END     "</header>\n"

/* the tab strip: a tab per category, %h slug, %r label, the odd date */
#define KRJ_HTML_TABS           "<nav class=\"tabs\" aria-label=\"Categories\">"
#define KRJ_HTML_TAB            "<a href=\"%P/%h\"%s>%r"
#define KRJ_HTML_TAB_DATE       " <small>%r</small>"
#define KRJ_HTML_TAB_END        "</a>"
#define KRJ_HTML_TABS_END       "</nav>\n"
#define KRJ_HTML_CURRENT        " aria-current=\"page\""

#define KRJ_HTML_MAIN           "<main>\n"

/* a checkbox: name, value, checked, label (the label is markup) */
#define KRJ_HTML_CHECKBOX                                                     \
    "<label><input type=\"checkbox\" name=\"%s\" value=\"%r\"%s> %r</label>"
#define KRJ_HTML_CHECKED        " checked"

/* the toolbar; %P/%h is the page's URL, prefix and slug */
#define KRJ_HTML_TOOLBAR                                                      \
    "<form class=\"tb\" action=\"%P/%h\" role=\"search\" "                    \
    "aria-label=\"Rows and columns\">\n"                                      \
    "<label class=\"q\">Ticker <input type=\"search\" name=\"ticker\" "       \
    "value=\""
#define KRJ_HTML_SEARCH_END                                                   \
    "\" placeholder=\"AAPL, MSFT\" autocomplete=\"off\" "                     \
    "spellcheck=\"false\"></label>\n"
#define KRJ_HTML_WEEKS                                                        \
    "<fieldset class=\"fg\"><legend>Signal</legend>\n"
#define KRJ_HTML_WEEK           "<fieldset><legend>%s</legend>"
#define KRJ_HTML_WEEK_END       "</fieldset>\n"
#define KRJ_HTML_LONG           "<span class=\"l\">Long</span>"
#define KRJ_HTML_SHORT          "<span class=\"s\">Short</span>"
#define KRJ_HTML_CHANGED        "Changed since last week"
#define KRJ_HTML_WEEKS_END      "</fieldset>\n"
#define KRJ_HTML_CHOOSER                                                      \
    "<details class=\"cc\"><summary>Columns</summary><fieldset>"              \
    "<legend>Visible columns</legend>\n"
#define KRJ_HTML_TICKER_BOX                                                   \
    "<label><input type=\"checkbox\" checked disabled> %r</label>"
#define KRJ_HTML_RESET          "\n<a class=\"rc\" href=\""
#define KRJ_HTML_RESET_END                                                    \
    "\"%s>Reset to defaults</a></fieldset></details>\n"
#define KRJ_HTML_HIDDEN         " hidden"
#define KRJ_HTML_SORT_INPUT     "<input type=\"hidden\" name=\"sort\" value=\""
#define KRJ_HTML_LIMIT_INPUT                                                  \
    "<input type=\"hidden\" name=\"limit\" value=\"%U\">"
#define KRJ_HTML_INPUT_END      "\">"
#define KRJ_HTML_TOOLBAR_END                                                  \
    "<button class=\"ap\">Apply</button> <a class=\"cl\" href=\"%P/%h\">"     \
    "Clear</a>\n</form>\n"

/* the print dialog; the groups are the tabs, checked for this one */
#define KRJ_HTML_DIALOG                                                       \
    "<details class=\"pd\"><summary>Print\xe2\x80\xa6</summary>"              \
    "<form action=\"%P/print\" aria-labelledby=\"pdh\">\n"                    \
    "<h2 id=\"pdh\">Print KRJ Signals</h2>\n"                                 \
    "<fieldset><legend>Groups</legend>"
#define KRJ_HTML_DIALOG_MIDDLE                                                \
    "</fieldset>\n<p class=\"jo\"><button type=\"button\" data-g=\"cur\">"    \
    "Current Tab</button> <button type=\"button\" data-g=\"all\">"            \
    "All Groups</button></p>\n"                                               \
    "<label><input type=\"checkbox\" name=\"ls\" value=\"1\"> "               \
    "Long/Short only (sorted) for selected groups</label>\n"
#define KRJ_HTML_DIALOG_FIELDS                                                \
    "<input type=\"hidden\" name=\"fields\" value=\""
#define KRJ_HTML_DIALOG_FIELDS_END "\">\n"
#define KRJ_HTML_DIALOG_END                                                   \
    "<p><a class=\"btn\" data-one href=\"%P/print?ls=1\">Print all "          \
    "(Long/Short only) \xe2\x80\x94 one click</a></p>\n"                      \
    "<p><button type=\"button\" class=\"jo\" data-x>Cancel</button> "         \
    "<button>Print</button></p>\n</form></details>\n"

/* the status line: the summary card, the count, the sort */
#define KRJ_HTML_STATUS         "<div class=\"st\">"
#define KRJ_HTML_SUMMARY                                                      \
    "<p class=\"sum\" title=\"Signal summary of the rows shown. L = Long, "   \
    "N = Neutral, S = Short; in parentheses the change since last week. "     \
    "Tot = rows with a signal.\"><b class=\"l\">L:%u</b>"
#define KRJ_HTML_SUMMARY_N      " | <b>N:%u</b>"
#define KRJ_HTML_SUMMARY_S      " | <b class=\"s\">S:%u</b>"
#define KRJ_HTML_SUMMARY_TOT    " | <b>Tot:%u</b>"
#define KRJ_HTML_SUMMARY_ROWS   " (%u tickers)"
#define KRJ_HTML_SUMMARY_END    "</p>"
#define KRJ_HTML_DELTA_UP       "<i class=\"up\">(+%d)</i>"
#define KRJ_HTML_DELTA_DOWN     "<i class=\"dn\">(%d)</i>"
#define KRJ_HTML_DELTA_ZERO     "<i>(0)</i>"
#define KRJ_HTML_COUNT                                                        \
    "<p class=\"cnt\" aria-live=\"polite\">%u of %u rows</p>"
#define KRJ_HTML_SORTED         "<p class=\"so\">Sort: %r %s <a href=\""
#define KRJ_HTML_SORTED_END                                                   \
    "\" aria-label=\"Original order\">\xe2\x9c\x95</a></p>"
#define KRJ_HTML_UNSORTED       "<p class=\"so\" hidden></p>"
#define KRJ_HTML_UP             "\xe2\x86\x91"
#define KRJ_HTML_DOWN           "\xe2\x86\x93"
#define KRJ_HTML_STATUS_END                                                   \
    "<p class=\"hint\">Click a column header to sort; hover over it for "     \
    "details.</p></div>\n"

/* the downloads: the API's URLs with the page's query */
#define KRJ_HTML_DOWNLOADS                                                    \
    "<p class=\"dl\">Download the rows shown: <a href=\"%A/signals/%h.csv"
#define KRJ_HTML_DOWNLOADS_JSON                                               \
    "\" download=\"%h.csv\">CSV</a> <a href=\"%A/signals/%h"
#define KRJ_HTML_DOWNLOADS_END  "\" download=\"%h.json\">JSON</a></p>\n"

/* the table: %r numeric classes, hidden classes, then width and rows */
#define KRJ_HTML_TABLE          "<div class=\"tw\"><table class=\"t%r"
#define KRJ_HTML_HIDE           " h%u"
#define KRJ_HTML_TABLE_ATTRS    "\" data-w=\"%u\" data-n=\"%u\">\n"
#define KRJ_HTML_CAPTION                                                      \
    "<caption class=\"vh\">%r, week ending %r</caption>\n<thead><tr>"
#define KRJ_HTML_TH             "<th data-c=\"%r\"%s><a href=\""
#define KRJ_HTML_TH_LINK        "\"%s%r%s>%r</a></th>"
#define KRJ_HTML_ASC            " aria-sort=\"ascending\""
#define KRJ_HTML_DESC           " aria-sort=\"descending\""
#define KRJ_HTML_TITLE_ATTR     " title=\""
#define KRJ_HTML_QUOTE          "\""
#define KRJ_HTML_THEAD_END      "</tr></thead>\n<tbody>\n"
#define KRJ_HTML_TABLE_END      "</tbody>\n</table></div>\n"
#define KRJ_HTML_NO_ROWS        "<p class=\"nr\"%s>No rows match.</p>\n"

/* one row: ranks, the changed flag, cells; a cell: tag, class, title */
#define KRJ_HTML_ROW            "<tr data-r=\""
#define KRJ_HTML_ROW_RANKS_END  "\"%s>"
#define KRJ_HTML_ROW_CHANGED    " class=\"ch\""
#define KRJ_HTML_ROW_END        "</tr>\n"
#define KRJ_HTML_CELL_LONG      " class=\"l\""
#define KRJ_HTML_CELL_SHORT     " class=\"s\""
#define KRJ_HTML_ELLIPSIS       "\xe2\x80\xa6"

/* the pager, with limit or offset */
#define KRJ_HTML_PAGER          "<nav class=\"pg\" aria-label=\"Pages\">"
#define KRJ_HTML_PAGE_LINK      "<a href=\""
#define KRJ_HTML_PAGE_PREV      "\" rel=\"prev\">\xe2\x80\xb9 Previous</a> "
#define KRJ_HTML_PAGE_ROWS                                                    \
    "<span>Rows %U\xe2\x80\x93%U of %u</span>"
#define KRJ_HTML_PAGE_NEXT_LINK " <a href=\""
#define KRJ_HTML_PAGE_NEXT      "\" rel=\"next\">Next \xe2\x80\xba</a>"
#define KRJ_HTML_PAGER_END      "</nav>\n"

/* the warnings of krj-batch, one item each */
#define KRJ_HTML_NOTES          "<ul class=\"note\">"
#define KRJ_HTML_NOTE           "<li>%h</li>"
#define KRJ_HTML_NOTES_END      "</ul>\n"
#define KRJ_HTML_NOTE_DUPLICATE "Duplicate ticker \"%r\" (lines %u and %u)"
#define KRJ_HTML_NOTE_SIGNAL                                                  \
    "Line %u: %r \"%r\" is not Long, Neutral or Short"

/* the print view: its header, and one section per group */
#define KRJ_HTML_PRINT_TITLE    "Print"
#define KRJ_HTML_PRINT_HEADER                                                 \
    "<header class=\"hd\">\n<h1>KRJ Weekly Signals <span class=\"dt\">%r"     \
    "</span></h1>\n<p class=\"np\"><button type=\"button\" class=\"jo\" "     \
    "data-p>Print</button> <a href=\"%P/%h\">Back to the dashboard</a></p>\n" \
    "</header>\n<main>\n"
#define KRJ_HTML_GROUP                                                        \
    "<section class=\"grp\" aria-labelledby=\"g-%h\">\n<h2 id=\"g-%h\">"
#define KRJ_HTML_GROUP_TITLE    "%r \xc2\xb7 %r%s"
#define KRJ_HTML_GROUP_LS       " (Filtered: Current Week: Long, Short)"
#define KRJ_HTML_GROUP_H2_END   "</h2>\n"
#define KRJ_HTML_PSUM                                                         \
    "<p class=\"psum\">Long: %u (%r) | Neutral: %u (%r) | Short: %u (%r) | "  \
    "Total: %u</p>\n"
#define KRJ_HTML_GROUP_TABLE    "<table class=\"t%r"
#define KRJ_HTML_GROUP_HEAD                                                   \
    "<thead><tr class=\"gh\"><th colspan=\"%u\">"
#define KRJ_HTML_GROUP_HEAD_END "</th></tr><tr>"
#define KRJ_HTML_GROUP_TH       "<th data-c=\"%r\"%s%r%s>%r</th>"
#define KRJ_HTML_GROUP_END      "</tbody>\n</table>\n</section>\n"

/* the login page */
#define KRJ_HTML_LOGIN_TITLE    "Sign in"
#define KRJ_HTML_LOGIN                                                        \
    "<main>\n<h1>KRJ Weekly Signals</h1>\n"                                   \
    "<form class=\"login\" method=\"post\" action=\"%P/login\">\n"            \
    "<h2>Sign in</h2>\n"
#define KRJ_HTML_LOGIN_ERROR    "<p class=\"err\" role=\"alert\">%h</p>\n"
#define KRJ_HTML_LOGIN_FIELDS                                                 \
    "<label for=\"u\">User</label>\n"                                         \
    "<input id=\"u\" name=\"user\" autocomplete=\"username\" "                \
    "autocapitalize=\"none\" spellcheck=\"false\" required>\n"                \
    "<label for=\"pw\">Password</label>\n"                                    \
    "<input id=\"pw\" type=\"password\" name=\"password\" "                   \
    "autocomplete=\"current-password\" required>\n"
#define KRJ_HTML_LOGIN_NEXT                                                   \
    "<input type=\"hidden\" name=\"next\" value=\"%h\">\n"
#define KRJ_HTML_LOGIN_END      "<button>Sign in</button>\n</form>\n"

/* an error page: the API's code, the message, the way back */
#define KRJ_HTML_ERROR                                                        \
    "<main>\n<p class=\"err\" role=\"alert\" data-code=\"%s\">%h</p>\n"
#define KRJ_HTML_ERROR_BACK                                                   \
    "<p><a href=\"%P/%h\">Show all rows of %r</a></p>\n"
#define KRJ_HTML_SIGN_IN        "<p><a href=\"%P/login\">Sign in</a></p>\n"


#endif /* _KRJ_MARKUP_H_INCLUDED_ */
