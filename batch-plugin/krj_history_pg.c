
/*
 * Copyright (C) The krj developers
 */


/*
 * The history's weeks from PostgreSQL: one query over krj_rows for every
 * exported category at once (never one per ticker), read through a
 * cursor a batch at a time, so that 52 weeks of a large category stream
 * through bounded memory.  The transaction is REPEATABLE READ, so every
 * batch sees the same rows.  PostgreSQL does neither the upper-casing nor
 * the order: krj_history.c does both in C, the same on every node whatever
 * the database's collation.
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_cells.h"
#include "krj_date.h"
#include "krj_history.h"
#include "krj_pg.h"


/* rows per FETCH: a few MB of result at a time */
#define KRJ_HISTORY_FETCH       "FETCH FORWARD 20000 FROM krj_history"


static int krj_history_pg_row(krj_history_t *h, const PGresult *res, int i,
    const uint32_t *index, uint32_t nindex, krj_buf_t *b);
static void krj_history_pg_array(krj_buf_t *b, const char *s);


int
krj_history_add_pg(krj_history_t *h, PGconn *pg, char *err)
{
    int          i, n;
    char         window[16];
    size_t       mark, text_mark, from_pg;
    uint32_t     k, nindex, *index;
    PGresult    *res;
    krj_buf_t    slugs, dates, b;
    const char  *v[4];

    krj_buf_init(&slugs);
    krj_buf_init(&dates);
    krj_buf_init(&b);

    index = calloc(h->ncats ? h->ncats : 1, sizeof(uint32_t));
    if (index == NULL) {
        snprintf(err, KRJ_PG_ERRLEN, "out of memory");
        return -1;
    }

    /* the categories as two arrays, slugs and dates, in the same order */

    nindex = 0;
    krj_buf_byte(&slugs, '{');
    krj_buf_byte(&dates, '{');

    for (k = 0; k < h->ncats; k++) {
        if (!h->cats[k].exported) {
            continue;
        }

        if (nindex) {
            krj_buf_byte(&slugs, ',');
            krj_buf_byte(&dates, ',');
        }

        krj_history_pg_array(&slugs, h->cats[k].slug);
        krj_date_format(h->cats[k].until, window);
        krj_buf_str(&dates, window);
        index[nindex++] = k;
    }

    krj_buf_str(&slugs, "}");
    krj_buf_byte(&slugs, '\0');
    krj_buf_str(&dates, "}");
    krj_buf_byte(&dates, '\0');

    mark = h->n;
    text_mark = h->text.len;
    from_pg = h->from_pg;

    if (slugs.failed || dates.failed) {
        snprintf(err, KRJ_PG_ERRLEN, "out of memory");
        goto failed;
    }

    snprintf(window, sizeof(window), "%u", 7 * h->weeks);

    v[0] = (const char *) slugs.data;
    v[1] = (const char *) dates.data;
    v[2] = window;
    v[3] = KRJ_HISTORY_C_COLUMN;

    if (krj_pg_command(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                       err) != 0)
    {
        goto failed;
    }

    /*
     * The weeks of the window before each category's date: those after
     * until - window days, before until.  ordinality is the category's
     * place in the arrays.
     */
    res = krj_pg_exec(pg, "DECLARE krj_history NO SCROLL CURSOR FOR "
                      "SELECT g.i, r.signal_date - DATE '1970-01-01', "
                      "r.row_number, r.ticker, r.signal, r.prior, "
                      "jsonb_typeof(r.cells -> $4), r.cells ->> $4 "
                      "FROM unnest($1::text[], $2::date[]) "
                      "WITH ORDINALITY AS g (category, until, i) "
                      "JOIN krj_rows r ON r.category = g.category "
                      "AND r.signal_date < g.until "
                      "AND r.signal_date > g.until - $3::integer",
                      4, v, NULL, NULL, 0, PGRES_COMMAND_OK, err);
    if (res == NULL) {
        goto failed;
    }

    PQclear(res);

    for ( ;; ) {
        res = krj_pg_exec(pg, KRJ_HISTORY_FETCH, 0, NULL, NULL, NULL, 0,
                          PGRES_TUPLES_OK, err);
        if (res == NULL) {
            goto failed;
        }

        n = PQntuples(res);

        for (i = 0; i < n; i++) {
            if (krj_history_pg_row(h, res, i, index, nindex, &b) != 0) {
                snprintf(err, KRJ_PG_ERRLEN, "history: row %d: out of "
                         "memory or not a row of krj_rows", i);
                PQclear(res);
                goto failed;
            }
        }

        PQclear(res);

        if (n == 0) {
            break;
        }
    }

    if (krj_pg_command(pg, "COMMIT", err) != 0) {
        goto failed;
    }

    free(index);
    krj_buf_free(&slugs);
    krj_buf_free(&dates);
    krj_buf_free(&b);

    return 0;

failed:

    krj_pg_rollback(pg);

    /* nothing of a failed query is kept */
    h->n = mark;
    h->text.len = text_mark;
    h->from_pg = from_pg;
    h->failed = 0;

    for (k = 0; k < h->ncats; k++) {
        if (h->cats[k].from_pg != NULL) {
            memset(h->cats[k].from_pg, 0, (size_t) 7 * h->weeks / 8 + 1);
        }
    }

    /* the interned signals may point past the mark */
    while (h->nknown && h->known[h->nknown - 1].off >= text_mark) {
        h->nknown--;
    }

    free(index);
    krj_buf_free(&slugs);
    krj_buf_free(&dates);
    krj_buf_free(&b);

    return -1;
}


/* one row: category, days, row_number, ticker, signal, prior, c */
static int
krj_history_pg_row(krj_history_t *h, const PGresult *res, int i,
    const uint32_t *index, uint32_t nindex, krj_buf_t *b)
{
    long                i1, days, off;
    size_t              sl, cl;
    const char         *s, *type;
    krj_history_cat_t  *hc;

    i1 = strtol(PQgetvalue(res, i, 0), NULL, 10);
    days = strtol(PQgetvalue(res, i, 1), NULL, 10);

    if (i1 < 1 || (unsigned long) i1 > nindex) {
        return -1;
    }

    hc = &h->cats[index[i1 - 1]];
    off = hc->until - days;

    if (off <= 0 || off >= 7 * (long) h->weeks || PQgetisnull(res, i, 3)) {
        return -1;
    }

    krj_buf_reset(b);

    s = krj_pg_value(res, i, 4);

    if (s == NULL) {
        krj_buf_str(b, "null");

    } else {
        krj_cell_json_string(b, s, strlen(s));
    }

    sl = b->len;
    s = krj_pg_value(res, i, 5);

    if (s == NULL) {
        krj_buf_str(b, "null");

    } else {
        krj_cell_json_string(b, s, strlen(s));
    }

    cl = b->len;
    type = krj_pg_value(res, i, 6);
    s = krj_pg_value(res, i, 7);

    /* the cell as krj_record.c wrote it: a number, a string or null */
    if (type != NULL && s != NULL && strcmp(type, "number") == 0) {
        krj_history_number(b, s, strlen(s));

    } else if (type != NULL && s != NULL && strcmp(type, "string") == 0) {
        krj_cell_json_string(b, s, strlen(s));

    } else {
        krj_buf_str(b, "null");
    }

    if (b->failed) {
        return -1;
    }

    s = PQgetvalue(res, i, 3);

    if (s[0] == '\0') {
        return 0;
    }

    if (krj_history_add(h, index[i1 - 1], days,
                        (uint32_t) strtoul(PQgetvalue(res, i, 2), NULL, 10),
                        s, strlen(s), (const char *) b->data, sl,
                        (const char *) b->data + sl, cl - sl,
                        (const char *) b->data + cl, b->len - cl)
        != 0)
    {
        return -1;
    }

    hc->from_pg[off / 8] |= (uint8_t) (1 << (off % 8));
    h->from_pg++;

    return 0;
}


/* an element of a text[] literal, quoted: "sp500" */
static void
krj_history_pg_array(krj_buf_t *b, const char *s)
{
    krj_buf_byte(b, '"');

    for ( ; *s; s++) {
        if (*s == '"' || *s == '\\') {
            krj_buf_byte(b, '\\');
        }

        krj_buf_byte(b, (uint8_t) *s);
    }

    krj_buf_byte(b, '"');
}
