
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_LAYOUT_H_INCLUDED_
#define _KRJ_LAYOUT_H_INCLUDED_


/*
 * Every JSON answer of the API, in one place, as krj_out_fmt() formats
 * (%j: JSON string contents, %r: raw bytes, %u/%U/%d: numbers; see
 * krj_out.h).  krj-batch pre-renders with them, the module renders the
 * filtered and restricted answers with them, so the two cannot drift.
 * The member order is part of the API: clients diff these bodies.
 *
 * Every body ends with KRJ_FMT_EOL after its closing brace, as a shell
 * user expects of `curl URL`; the pieces inside a body (the items of a
 * list, the row objects the snapshot points to) do not.
 */


#define KRJ_FMT_EOL             "\n"


/* every error: {"error":{"status":404,"code":"...","message":"..."}} */
#define KRJ_FMT_ERROR                                                         \
    "{\"error\":{\"status\":%u,\"code\":\"%s\",\"message\":\"%j\"}}"         \
    KRJ_FMT_EOL

/* a slug in another case: {"redirect":{"status":308,"location":"..."}} */
#define KRJ_FMT_REDIRECT                                                      \
    "{\"redirect\":{\"status\":%u,\"location\":\"%j\"}}" KRJ_FMT_EOL

/* GET /health, GET /ready */
#define KRJ_FMT_HEALTH                                                        \
    "{\"status\":\"ok\"}" KRJ_FMT_EOL
#define KRJ_FMT_READY                                                         \
    "{\"status\":\"ready\",\"generated_at\":\"%j\",\"age\":%d,"              \
    "\"format\":%u,\"writer\":\"%j\","                                        \
    "\"categories\":%u,\"signal_dates\":["
/* one per category, comma separated, then KRJ_FMT_READY_END */
#define KRJ_FMT_READY_DATE                                                    \
    "{\"category\":\"%j\",\"signal_date\":\"%j\",\"age\":%d}"
#define KRJ_FMT_READY_END                                                     \
    "]}" KRJ_FMT_EOL
#define KRJ_FMT_NOT_READY                                                     \
    "{\"status\":\"not_ready\",\"reason\":\"%j\"}" KRJ_FMT_EOL

/*
 * The counts of one category, or of the rows a filter matched:
 * counts[week][kind] of krj_snapshot.h, the delta this week minus prior.
 */
#define KRJ_FMT_SUMMARY                                                       \
    "{\"total\":%u,\"long\":%u,\"neutral\":%u,\"short\":%u,"                 \
    "\"prior\":{\"long\":%u,\"neutral\":%u,\"short\":%u},"                   \
    "\"delta\":{\"long\":%d,\"neutral\":%d,\"short\":%d}}"

/*
 * GET /categories and GET /summary: the items of the categories the
 * principal may read, comma separated, between head and tail.
 */
#define KRJ_FMT_LIST_HEAD                                                     \
    "{\"generated_at\":\"%j\",\"categories\":["
#define KRJ_FMT_LIST_TAIL       "]}" KRJ_FMT_EOL

/*
 * An item of GET /categories: the column names go between head and
 * middle, the glossary entries of the columns krj knows (krj_columns.h)
 * between middle and tail.
 */
#define KRJ_FMT_CATEGORY_HEAD                                                 \
    "{\"slug\":\"%j\",\"label\":\"%j\",\"signal_date\":\"%j\","              \
    "\"rows\":%u,\"columns\":["
#define KRJ_FMT_CATEGORY_MIDDLE                                               \
    "],\"sha256\":\"%j\",\"source_file\":\"%j\",\"glossary\":{"
#define KRJ_FMT_CATEGORY_TAIL   "}}"

/* a glossary entry: the column name (a JSON string), its label, meaning */
#define KRJ_FMT_GLOSSARY                                                      \
    "%r:{\"label\":\"%j\",\"description\":\"%j\"}"

/* an item of GET /summary: KRJ_FMT_SUMMARY goes between the two */
#define KRJ_FMT_SUMMARY_HEAD                                                  \
    "{\"category\":\"%j\",\"label\":\"%j\",\"signal_date\":\"%j\","          \
    "\"summary\":"
#define KRJ_FMT_SUMMARY_TAIL    "}"

/*
 * GET /signals/{slug}: the members every answer about a category shares,
 * then the columns shown, the counts, the summary of the matched rows and
 * the rows, comma separated.
 */
#define KRJ_FMT_SIGNALS_META                                                  \
    "\"category\":\"%j\",\"label\":\"%j\",\"signal_date\":\"%j\","           \
    "\"generated_at\":\"%j\""
#define KRJ_FMT_SIGNALS_HEAD    "{%r,\"columns\":["
#define KRJ_FMT_SIGNALS_COUNTS  "],\"count\":%u,\"matched\":%u,\"summary\":"
#define KRJ_FMT_SIGNALS_ROWS    ",\"rows\":["
#define KRJ_FMT_SIGNALS_TAIL    "]}" KRJ_FMT_EOL

/* a row with some of the columns: {"name":value,...} */
#define KRJ_FMT_ROW_OPEN        "{"
#define KRJ_FMT_ROW_MEMBER      "%r:%r"
#define KRJ_FMT_ROW_CLOSE       "}"

/* GET /tickers/{ticker}: one item per row of the ticker, in any category */
#define KRJ_FMT_TICKER_HEAD                                                   \
    "{\"ticker\":\"%j\",\"generated_at\":\"%j\",\"count\":%u,"               \
    "\"results\":["
#define KRJ_FMT_TICKER_ITEM                                                   \
    "{\"category\":\"%j\",\"label\":\"%j\",\"signal_date\":\"%j\","          \
    "\"row\":%r}"
#define KRJ_FMT_TICKER_TAIL     "]}" KRJ_FMT_EOL

/*
 * GET /history/{slug}/{ticker}: the ticker's weeks, newest first, then
 * the weeks its signal changed, newest first.  The members of a week go
 * between its pieces, where the snapshot points at them
 * (krj_snap_hweek_t): the date, then the JSON values of signal, prior
 * and c.
 */
#define KRJ_FMT_HISTORY_HEAD                                                  \
    "{\"category\":\"%j\",\"ticker\":\"%j\",\"weeks\":["
#define KRJ_FMT_HISTORY_WEEK    "{\"signal_date\":\""
#define KRJ_FMT_HISTORY_SIGNAL  "\",\"signal\":"
#define KRJ_FMT_HISTORY_PRIOR   ",\"prior\":"
#define KRJ_FMT_HISTORY_C       ",\"c\":"
#define KRJ_FMT_HISTORY_WEEK_END "}"
#define KRJ_FMT_HISTORY_MIDDLE  "],\"transitions\":["
#define KRJ_FMT_HISTORY_TRANSITION                                            \
    "{\"signal_date\":\"%r\",\"from\":%r,\"to\":%r}"
#define KRJ_FMT_HISTORY_TAIL    "]}" KRJ_FMT_EOL

/*
 * GET / of the API: the endpoints, each with its parameters, then the
 * categories the principal may read with their links.  Paths start with
 * the location's prefix as the client used it (%j twice: prefix, rest).
 */
#define KRJ_FMT_INDEX_HEAD                                                    \
    "{\"generated_at\":\"%j\",\"endpoints\":["
#define KRJ_FMT_ENDPOINT_HEAD                                                 \
    "{\"path\":\"%j%j\",\"description\":\"%j\",\"parameters\":["
#define KRJ_FMT_PARAMETER                                                     \
    "{\"name\":\"%j\",\"takes\":\"%j\",\"description\":\"%j\"}"
#define KRJ_FMT_ENDPOINT_TAIL   "]}"
#define KRJ_FMT_INDEX_MIDDLE    "],\"categories\":["
#define KRJ_FMT_INDEX_CATEGORY                                                \
    "{\"slug\":\"%j\",\"label\":\"%j\",\"signal_date\":\"%j\","              \
    "\"links\":{\"json\":\"%j/signals/%j\",\"csv\":\"%j/signals/%j.csv\"}}"
#define KRJ_FMT_INDEX_TAIL      "]}" KRJ_FMT_EOL

/* between the items of every list */
#define KRJ_FMT_SEP             ","


#endif /* _KRJ_LAYOUT_H_INCLUDED_ */
