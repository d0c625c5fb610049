
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_TEST_SNAP_H_INCLUDED_
#define _KRJ_TEST_SNAP_H_INCLUDED_


#include <stdio.h>
#include <string.h>

#include "krj_test.h"
#include "krj_buf.h"
#include "krj_csv.h"
#include "krj_query.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"


/*
 * Two categories built by krj-batch's own writer, so that the snapshot
 * the tests query is laid out exactly like a published one.  In "sig",
 * column c mixes numbers, a text and an empty cell, and B and F tie at 1,
 * which is what the sort rules are about.
 */

#define SIG_CSV                                                               \
    "ticker,c,name,signal,signal_status_prior_week\n"                         \
    "A,3,x,Long,Long\n"                                                       \
    "B,1,,Short,Long\n"                                                       \
    "C,,y,Neutral,Neutral\n"                                                  \
    "D,2,\"q,r\",Long,Neutral\n"                                              \
    "E,abc,z,Short,Short\n"                                                   \
    "F,1,w,Long,Short\n"

#define PLAIN_CSV                                                             \
    "ticker,price\n"                                                          \
    "a,10\n"                                                                  \
    "Z,20\n"

#define MAX_ALLOCS  65536


static krj_csv_t                   csv[2];
static krj_buf_t                   out;
static krj_snap_t                  snap;
static const krj_snap_category_t  *sig, *plain;
static krj_query_t                 q;
static krj_select_t                sel;
static void                       *allocs[MAX_ALLOCS];
static int                         nallocs;


static void *
test_alloc(void *data, size_t size)
{
    void  *p;

    (void) data;

    if (nallocs == MAX_ALLOCS) {
        return NULL;
    }

    p = malloc(size ? size : 1);
    allocs[nallocs++] = p;

    return p;
}


static void
setup(void)
{
    uint8_t           digest[32];
    char              err[KRJ_SNAP_ERRLEN];
    krj_snap_input_t  in[2];

    memset(in, 0, sizeof(in));
    memset(digest, 0, sizeof(digest));

    ck_assert_int_eq(krj_csv_parse(&csv[0], (const uint8_t *) PLAIN_CSV,
                                   strlen(PLAIN_CSV), 1 << 20, NULL, NULL),
                     0);
    ck_assert_int_eq(krj_csv_parse(&csv[1], (const uint8_t *) SIG_CSV,
                                   strlen(SIG_CSV), 1 << 20, NULL, NULL),
                     0);

    in[0].slug = "plain";
    in[0].label = "Plain";
    in[0].signal_date = "2026-01-02";
    in[0].source_file = "KRJ_signals_latest_week_Plain_2026-01-02.csv";
    memset(in[0].sha256, 'a', 64);
    in[0].csv = &csv[0];

    in[1].slug = "sig";
    in[1].label = "Sig \"quoted\"";
    in[1].signal_date = "2026-01-09";
    in[1].source_file = "KRJ_signals_latest_week_Sig_2026-01-09.csv";
    memset(in[1].sha256, 'b', 64);
    in[1].csv = &csv[1];

    krj_buf_init(&out);

    ck_assert_msg(krj_snap_write(&out, in, 2, 1767981600, digest,
                                 KRJ_SNAP_VERSION, KRJ_TEST_WRITER, err)
                  == 0, "krj_snap_write: %s", err);
    ck_assert_msg(krj_snap_open(&snap, out.data, out.len, err) == 0,
                  "krj_snap_open: %s", err);

    plain = krj_snap_find_category(&snap, "plain", 5);
    sig = krj_snap_find_category(&snap, "sig", 3);

    ck_assert_ptr_nonnull(plain);
    ck_assert_ptr_nonnull(sig);

    nallocs = 0;
}


static void
teardown(void)
{
    while (nallocs) {
        free(allocs[--nallocs]);
    }

    krj_buf_free(&out);
    krj_csv_free(&csv[0]);
    krj_csv_free(&csv[1]);
}


static int
parse(const krj_snap_category_t *cat, const char *args)
{
    return krj_query_parse(&q, &snap, cat, args, strlen(args), test_alloc,
                           NULL);
}


/* the selected tickers, joined: "B,F,D" */

static const char *
selected(const krj_snap_category_t *cat, const char *args)
{
    uint32_t                i;
    krj_snap_ref_t          cell;
    static char             buf[256];

    ck_assert_msg(parse(cat, args) == KRJ_QUERY_OK, "%s: %s", args, q.err);
    ck_assert_int_eq(krj_query_select(&sel, &snap, cat, &q, test_alloc,
                                      NULL),
                     KRJ_QUERY_OK);

    buf[0] = '\0';

    for (i = 0; i < sel.nrows; i++) {
        cell = krj_snap_cell_csv(&snap, cat, sel.rows[i], cat->ticker_col);
        snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%.*s",
                 i ? "," : "", (int) cell.len, krj_snap_ptr(&snap, cell));
    }

    return buf;
}


#endif /* _KRJ_TEST_SNAP_H_INCLUDED_ */
