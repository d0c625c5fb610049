
/*
 * Copyright (C) The krj developers
 */


/*
 * The history in PostgreSQL: a published generation recorded in one
 * transaction (its rows bulk-loaded with COPY), read back by followers,
 * and the principals.  The schema is batch-plugin/sql/.
 */


#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "krj_cells.h"
#include "krj_log.h"
#include "krj_pg.h"
#include "krj_publish.h"
#include "krj_record.h"


/* pg_advisory_xact_lock() key of recording: "krjrecd" */
#define KRJ_RECORD_LOCK         "7083107451017651812"
/* COPY data is sent in pieces of about this size */
#define KRJ_RECORD_COPY_CHUNK   (256 * 1024)
/* the largest file a generation may hold: the option's bound */
#define KRJ_RECORD_MAX_SIZE     (1024 * 1024 * 1024)


static int krj_record_file(PGconn *pg, const krj_gen_cat_t *c, char *err);
static int krj_record_week(PGconn *pg, const krj_gen_cat_t *c,
    const char *run_id, char *err);
static int krj_record_copy(PGconn *pg, const krj_gen_cat_t *c,
    const char *revision, char *err);
static void krj_record_copy_text(krj_buf_t *b, const char *s, size_t len);
static void krj_record_copy_cell(krj_buf_t *b, const krj_csv_t *t,
    uint32_t rec, int col);
static int krj_record_flush(PGconn *pg, krj_buf_t *b, char *err);


int
krj_record_run(PGconn *pg, krj_gen_t *g, int *result, char *err)
{
    char          gen_at[24], start[24], end[24], warn[16], pos[16];
    char          rows[16], run_id[24];
    uint32_t      k;
    PGresult     *res;
    const char   *v[10];

    *result = KRJ_RECORD_ALREADY;

    for (k = 0; k < g->ncats; k++) {
        if (krj_gen_parse(&g->cats[k], KRJ_RECORD_MAX_SIZE, err) != 0) {
            return -1;
        }
    }

    if (krj_pg_command(pg, "BEGIN", err) != 0
        || krj_pg_command(pg, "SELECT pg_advisory_xact_lock("
                          KRJ_RECORD_LOCK ")", err) != 0)
    {
        goto failed;
    }

    v[0] = g->generation;

    res = krj_pg_exec(pg, "SELECT id FROM krj_runs WHERE generation = $1",
                      1, v, NULL, NULL, 0, PGRES_TUPLES_OK, err);
    if (res == NULL) {
        goto failed;
    }

    if (PQntuples(res) > 0) {
        /* the same generation twice: nothing changes */
        PQclear(res);
        krj_pg_rollback(pg);
        return 0;
    }

    PQclear(res);

    for (k = 0; k < g->ncats; k++) {
        if (krj_record_file(pg, &g->cats[k], err) != 0) {
            goto failed;
        }
    }

    snprintf(gen_at, sizeof(gen_at), "%" PRId64, g->generated_at);
    snprintf(start, sizeof(start), "%" PRId64, g->started_at);
    snprintf(end, sizeof(end), "%" PRId64, g->finished_at);
    snprintf(warn, sizeof(warn), "%u", g->warnings);

    v[0] = g->generation;
    v[1] = g->input_hex;
    v[2] = gen_at;
    v[3] = krj_gen_signal_date(g);
    v[4] = start;
    v[5] = end;
    v[6] = g->host;
    v[7] = g->outcome;
    v[8] = warn;

    res = krj_pg_exec(pg, "INSERT INTO krj_runs (generation, input_digest, "
                      "generated_at, signal_date, started_at, finished_at, "
                      "host, outcome, warnings) VALUES ($1, $2, "
                      "to_timestamp($3), $4, to_timestamp($5), "
                      "to_timestamp($6), $7, $8, $9) RETURNING id",
                      9, v, NULL, NULL, 0, PGRES_TUPLES_OK, err);
    if (res == NULL) {
        goto failed;
    }

    snprintf(run_id, sizeof(run_id), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);

    for (k = 0; k < g->ncats; k++) {
        snprintf(pos, sizeof(pos), "%u", k);
        snprintf(rows, sizeof(rows), "%u", g->cats[k].csv.nrows);

        v[0] = run_id;
        v[1] = pos;
        v[2] = g->cats[k].slug;
        v[3] = g->cats[k].label;
        v[4] = g->cats[k].signal_date;
        v[5] = g->cats[k].source_file;
        v[6] = g->cats[k].sha256;
        v[7] = rows;

        res = krj_pg_exec(pg, "INSERT INTO krj_run_files (run_id, position, "
                          "category, label, signal_date, source_file, "
                          "sha256, rows) VALUES ($1, $2, $3, $4, $5, $6, "
                          "$7, $8)", 8, v, NULL, NULL, 0, PGRES_COMMAND_OK,
                          err);
        if (res == NULL) {
            goto failed;
        }

        PQclear(res);

        if (krj_record_week(pg, &g->cats[k], run_id, err) != 0) {
            goto failed;
        }
    }

    if (krj_pg_command(pg, "COMMIT", err) != 0) {
        goto failed;
    }

    *result = KRJ_RECORD_NEW;

    return 0;

failed:

    krj_pg_rollback(pg);

    return -1;
}


/* the bytes of a file, unless a file with its digest is there */
static int
krj_record_file(PGconn *pg, const krj_gen_cat_t *c, char *err)
{
    int          lens[3], formats[3];
    char         size[24];
    PGresult    *res;
    const char  *v[3];

    v[0] = c->sha256;

    res = krj_pg_exec(pg, "SELECT 1 FROM krj_files WHERE sha256 = $1", 1, v,
                      NULL, NULL, 0, PGRES_TUPLES_OK, err);
    if (res == NULL) {
        return -1;
    }

    if (PQntuples(res) > 0) {
        PQclear(res);
        return 0;
    }

    PQclear(res);

    snprintf(size, sizeof(size), "%zu", c->csv.len);

    /* the bytes as a binary parameter: no escaping, no copy */
    v[1] = size;
    v[2] = (const char *) c->csv.data;
    lens[0] = 0;
    lens[1] = 0;
    lens[2] = (int) c->csv.len;
    formats[0] = 0;
    formats[1] = 0;
    formats[2] = 1;

    res = krj_pg_exec(pg, "INSERT INTO krj_files (sha256, size, content) "
                      "VALUES ($1, $2, $3)", 3, v, lens, formats, 0,
                      PGRES_COMMAND_OK, err);
    if (res == NULL) {
        return -1;
    }

    PQclear(res);

    return 0;
}


/*
 * A category's week: nothing when its newest revision has these bytes;
 * else the next revision, whose rows replace the week's.
 */
static int
krj_record_week(PGconn *pg, const krj_gen_cat_t *c, const char *run_id,
    char *err)
{
    int          revision;
    char         rev[16], rows[16];
    PGresult    *res;
    const char  *v[7], *sha;

    v[0] = c->slug;
    v[1] = c->signal_date;

    res = krj_pg_exec(pg, "SELECT revision, sha256 FROM krj_weeks "
                      "WHERE category = $1 AND signal_date = $2 "
                      "ORDER BY revision DESC LIMIT 1 FOR UPDATE", 2, v,
                      NULL, NULL, 0, PGRES_TUPLES_OK, err);
    if (res == NULL) {
        return -1;
    }

    revision = 1;

    if (PQntuples(res) > 0) {
        sha = krj_pg_value(res, 0, 1);

        if (sha != NULL && strcmp(sha, c->sha256) == 0) {
            PQclear(res);
            return 0;
        }

        revision = atoi(PQgetvalue(res, 0, 0)) + 1;
    }

    PQclear(res);

    snprintf(rev, sizeof(rev), "%d", revision);
    snprintf(rows, sizeof(rows), "%u", c->csv.nrows);

    v[2] = rev;
    v[3] = c->sha256;
    v[4] = run_id;
    v[5] = c->source_file;
    v[6] = rows;

    res = krj_pg_exec(pg, "INSERT INTO krj_weeks (category, signal_date, "
                      "revision, sha256, run_id, source_file, rows) VALUES "
                      "($1, $2, $3, $4, $5, $6, $7)", 7, v, NULL, NULL, 0,
                      PGRES_COMMAND_OK, err);
    if (res == NULL) {
        return -1;
    }

    PQclear(res);

    res = krj_pg_exec(pg, "DELETE FROM krj_rows WHERE category = $1 "
                      "AND signal_date = $2", 2, v, NULL, NULL, 0,
                      PGRES_COMMAND_OK, err);
    if (res == NULL) {
        return -1;
    }

    PQclear(res);

    return krj_record_copy(pg, c, rev, err);
}


/* every row of the file, with COPY in text format */
static int
krj_record_copy(PGconn *pg, const krj_gen_cat_t *c, const char *revision,
    char *err)
{
    int               col;
    double            num;
    uint32_t          r;
    PGresult         *res;
    krj_buf_t         b, j;
    const krj_csv_t  *t;

    res = krj_pg_exec(pg, "COPY krj_rows (category, signal_date, "
                      "row_number, revision, ticker, signal, prior, cells) "
                      "FROM STDIN", 0, NULL, NULL, NULL, 0, PGRES_COPY_IN,
                      err);
    if (res == NULL) {
        return -1;
    }

    PQclear(res);

    t = &c->csv;
    krj_buf_init(&b);
    krj_buf_init(&j);

    for (r = 0; r < t->nrows; r++) {
        krj_record_copy_text(&b, c->slug, strlen(c->slug));
        krj_buf_printf(&b, "\t%s\t%u\t%s\t", c->signal_date, r + 1,
                       revision);
        krj_record_copy_cell(&b, t, r + 1, t->ticker_col);
        krj_buf_byte(&b, '\t');
        krj_record_copy_cell(&b, t, r + 1, t->signal_col);
        krj_buf_byte(&b, '\t');
        krj_record_copy_cell(&b, t, r + 1, t->prior_col);
        krj_buf_byte(&b, '\t');

        /* the row as a JSON object, then escaped for COPY as a whole */
        krj_buf_reset(&j);
        krj_buf_byte(&j, '{');

        for (col = 0; col < (int) t->ncolumns; col++) {
            if (col > 0) {
                krj_buf_byte(&j, ',');
            }

            krj_cell_json_string(&j, krj_csv_text(t, 0, col),
                                 krj_csv_len(t, 0, col));
            krj_buf_byte(&j, ':');
            krj_cell_json(&j, krj_csv_text(t, r + 1, col),
                          krj_csv_len(t, r + 1, col), &num);
        }

        krj_buf_byte(&j, '}');

        if (j.failed) {
            snprintf(err, KRJ_PG_ERRLEN, "out of memory");
            goto failed;
        }

        krj_record_copy_text(&b, (const char *) j.data, j.len);
        krj_buf_byte(&b, '\n');

        if (b.len >= KRJ_RECORD_COPY_CHUNK
            && krj_record_flush(pg, &b, err) != 0)
        {
            goto failed;
        }
    }

    if (krj_record_flush(pg, &b, err) != 0) {
        goto failed;
    }

    krj_buf_free(&b);
    krj_buf_free(&j);

    if (PQputCopyEnd(pg, NULL) != 1) {
        snprintf(err, KRJ_PG_ERRLEN, "COPY: %s", PQerrorMessage(pg));
        return -1;
    }

    res = PQgetResult(pg);

    if (res == NULL || PQresultStatus(res) != PGRES_COMMAND_OK) {
        snprintf(err, KRJ_PG_ERRLEN, "COPY: %.*s",
                 (int) strcspn(res ? PQresultErrorMessage(res)
                                   : PQerrorMessage(pg), "\n"),
                 res ? PQresultErrorMessage(res) : PQerrorMessage(pg));
        PQclear(res);

        while ((res = PQgetResult(pg)) != NULL) {
            PQclear(res);
        }

        return -1;
    }

    PQclear(res);

    while ((res = PQgetResult(pg)) != NULL) {
        PQclear(res);
    }

    return 0;

failed:

    krj_buf_free(&b);
    krj_buf_free(&j);

    /* ends the COPY with an error: the transaction is rolled back */
    PQputCopyEnd(pg, "krj-batch gave up");

    while ((res = PQgetResult(pg)) != NULL) {
        PQclear(res);
    }

    return -1;
}


/* a cell as a COPY text field; a missing column or empty cell is NULL */
static void
krj_record_copy_cell(krj_buf_t *b, const krj_csv_t *t, uint32_t rec,
    int col)
{
    if (col < 0 || krj_csv_len(t, rec, col) == 0) {
        krj_buf_str(b, "\\N");
        return;
    }

    krj_record_copy_text(b, krj_csv_text(t, rec, col),
                         krj_csv_len(t, rec, col));
}


/* COPY's text format: backslash, tab, newline and CR escaped */
static void
krj_record_copy_text(krj_buf_t *b, const char *s, size_t len)
{
    size_t  i;

    for (i = 0; i < len; i++) {
        switch (s[i]) {

        case '\\':
            krj_buf_str(b, "\\\\");
            break;

        case '\t':
            krj_buf_str(b, "\\t");
            break;

        case '\n':
            krj_buf_str(b, "\\n");
            break;

        case '\r':
            krj_buf_str(b, "\\r");
            break;

        default:
            krj_buf_byte(b, (uint8_t) s[i]);
        }
    }
}


/* what is buffered, sent */
static int
krj_record_flush(PGconn *pg, krj_buf_t *b, char *err)
{
    if (b->failed) {
        snprintf(err, KRJ_PG_ERRLEN, "out of memory");
        return -1;
    }

    if (b->len > 0
        && PQputCopyData(pg, (const char *) b->data, (int) b->len) != 1)
    {
        snprintf(err, KRJ_PG_ERRLEN, "COPY: %s", PQerrorMessage(pg));
        return -1;
    }

    krj_buf_reset(b);

    return 0;
}


int
krj_record_newest(PGconn *pg, krj_record_ref_t *ref, char *err)
{
    PGresult  *res;

    memset(ref, 0, sizeof(krj_record_ref_t));

    res = krj_pg_exec(pg, "SELECT id, generation, input_digest, "
                      "extract(epoch FROM generated_at)::bigint, "
                      "extract(epoch FROM recorded_at)::bigint "
                      "FROM krj_runs ORDER BY id DESC LIMIT 1", 0, NULL,
                      NULL, NULL, 0, PGRES_TUPLES_OK, err);
    if (res == NULL) {
        return -1;
    }

    if (PQntuples(res) == 1) {
        ref->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        snprintf(ref->generation, sizeof(ref->generation), "%s",
                 PQgetvalue(res, 0, 1));
        snprintf(ref->input_digest, sizeof(ref->input_digest), "%s",
                 PQgetvalue(res, 0, 2));
        ref->generated_at = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
        ref->recorded_at = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
    }

    PQclear(res);

    return 0;
}


int
krj_record_fetch(PGconn *pg, int64_t id, krj_gen_t *g, char *err)
{
    int            i, n;
    char           run_id[24];
    uint8_t       *data;
    PGresult      *res;
    const char    *v[1];
    krj_gen_cat_t *c;

    snprintf(run_id, sizeof(run_id), "%" PRId64, id);
    v[0] = run_id;

    /* in binary: the bytes as they are; the rest is text in binary too */
    res = krj_pg_exec(pg, "SELECT rf.category, rf.label, "
                      "rf.signal_date::text, rf.source_file, rf.sha256, "
                      "f.content, r.generation, "
                      "extract(epoch FROM r.generated_at)::bigint::text "
                      "FROM krj_run_files rf "
                      "JOIN krj_files f USING (sha256) "
                      "JOIN krj_runs r ON r.id = rf.run_id "
                      "WHERE rf.run_id = $1 ORDER BY rf.position", 1, v,
                      NULL, NULL, 1, PGRES_TUPLES_OK, err);
    if (res == NULL) {
        return -1;
    }

    n = PQntuples(res);

    if (n == 0 || krj_gen_alloc(g, (uint32_t) n) != 0) {
        snprintf(err, KRJ_PG_ERRLEN, "run %s has no files", run_id);
        PQclear(res);
        return -1;
    }

    for (i = 0; i < n; i++) {
        c = &g->cats[i];

        snprintf(c->slug, sizeof(c->slug), "%.*s", PQgetlength(res, i, 0),
                 PQgetvalue(res, i, 0));
        snprintf(c->label, sizeof(c->label), "%.*s", PQgetlength(res, i, 1),
                 PQgetvalue(res, i, 1));
        snprintf(c->signal_date, sizeof(c->signal_date), "%.*s",
                 PQgetlength(res, i, 2), PQgetvalue(res, i, 2));
        snprintf(c->source_file, sizeof(c->source_file), "%.*s",
                 PQgetlength(res, i, 3), PQgetvalue(res, i, 3));

        data = malloc((size_t) PQgetlength(res, i, 5) + 1);
        if (data == NULL) {
            snprintf(err, KRJ_PG_ERRLEN, "out of memory");
            goto failed;
        }

        memcpy(data, PQgetvalue(res, i, 5), (size_t) PQgetlength(res, i, 5));
        c->data = data;
        c->len = (size_t) PQgetlength(res, i, 5);
        c->from_input = 1;

        if (krj_gen_parse(c, KRJ_RECORD_MAX_SIZE, err) != 0) {
            goto failed;
        }

        /* what PostgreSQL gave is what was recorded, or it is refused */
        if ((size_t) PQgetlength(res, i, 4) != 64
            || memcmp(PQgetvalue(res, i, 4), c->sha256, 64) != 0)
        {
            snprintf(err, KRJ_PG_ERRLEN, "run %s: %s: the bytes do not "
                     "match their SHA-256", run_id, c->source_file);
            goto failed;
        }
    }

    snprintf(g->generation, sizeof(g->generation), "%.*s",
             PQgetlength(res, 0, 6), PQgetvalue(res, 0, 6));
    g->generated_at = strtoll(PQgetvalue(res, 0, 7), NULL, 10);

    PQclear(res);

    return 0;

failed:

    PQclear(res);
    krj_gen_free(g);

    return -1;
}


int
krj_record_principal(PGconn *pg, const char *kind, const char *name,
    const char *line, char *err)
{
    PGresult    *res;
    const char  *v[3];

    v[0] = kind;
    v[1] = name;
    v[2] = line;

    if (krj_pg_command(pg, "BEGIN", err) != 0) {
        goto failed;
    }

    if (line != NULL) {
        res = krj_pg_exec(pg, "INSERT INTO krj_principals (kind, name, line) "
                          "VALUES ($1, $2, $3) ON CONFLICT (kind, name) DO "
                          "UPDATE SET line = excluded.line, updated_at = "
                          "now()", 3, v, NULL, NULL, 0, PGRES_COMMAND_OK,
                          err);

    } else {
        res = krj_pg_exec(pg, "DELETE FROM krj_principals WHERE kind = $1 "
                          "AND name = $2", 2, v, NULL, NULL, 0,
                          PGRES_COMMAND_OK, err);
    }

    if (res == NULL) {
        goto failed;
    }

    PQclear(res);

    if (krj_pg_command(pg, "UPDATE krj_state SET value = value + 1 "
                       "WHERE name = 'principals'", err) != 0
        || krj_pg_command(pg, "COMMIT", err) != 0)
    {
        goto failed;
    }

    return 0;

failed:

    krj_pg_rollback(pg);

    return -1;
}


int
krj_record_principals(PGconn *pg, const char *kind, int64_t *version,
    krj_buf_t *lines, char *err)
{
    int          i;
    PGresult    *res;
    const char  *v[1];

    /* one snapshot of the counter and the lines */
    if (krj_pg_command(pg, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
                       err) != 0)
    {
        goto failed;
    }

    res = krj_pg_exec(pg, "SELECT value FROM krj_state "
                      "WHERE name = 'principals'", 0, NULL, NULL, NULL, 0,
                      PGRES_TUPLES_OK, err);
    if (res == NULL) {
        goto failed;
    }

    *version = (PQntuples(res) == 1)
               ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);

    if (lines != NULL) {
        v[0] = kind;

        res = krj_pg_exec(pg, "SELECT line FROM krj_principals WHERE "
                          "kind = $1 ORDER BY position", 1, v, NULL, NULL,
                          0, PGRES_TUPLES_OK, err);
        if (res == NULL) {
            goto failed;
        }

        for (i = 0; i < PQntuples(res); i++) {
            krj_buf_str(lines, PQgetvalue(res, i, 0));
            krj_buf_byte(lines, '\n');
        }

        PQclear(res);
    }

    if (krj_pg_command(pg, "COMMIT", err) != 0) {
        goto failed;
    }

    return 0;

failed:

    krj_pg_rollback(pg);

    return -1;
}
