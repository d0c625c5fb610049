
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_SNAPSHOT_WRITE_H_INCLUDED_
#define _KRJ_SNAPSHOT_WRITE_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "krj_buf.h"
#include "krj_cells.h"
#include "krj_csv.h"
#include "krj_out.h"
#include "krj_snapshot.h"


/*
 * What the pre-rendered bodies look like, for krj-batch's input digest: a
 * krj-batch that renders differently (a new member, a final newline) then
 * republishes input that an older one published as it was.  Change it
 * with every change to the bytes krj_layout.h and krj_render.c write.
 */
#define KRJ_SNAP_RENDERING      "krj-rendering-3"


/*
 * A cell as the writer lays it out: where its JSON value and its CSV
 * field went, and its typing.  Only the positions reach the file (the
 * index section); the sort orders are made from the values.
 */
typedef struct {
    krj_snap_ref_t      json;           /* number, null or "string" */
    krj_snap_ref_t      csv;            /* the field, quoted if needed */
    double              num;            /* the value when type is NUMBER */
    uint32_t            type;           /* KRJ_SNAP_NULL|NUMBER|STRING */
    uint32_t            reserved;
} krj_snap_cell_t;


/* one category to publish; csv->data/len are the published CSV bytes */
typedef struct {
    const char         *slug;
    const char         *label;
    const char         *signal_date;
    const char         *source_file;
    char                sha256[65];     /* hex, of the published bytes */
    const krj_csv_t    *csv;
} krj_snap_input_t;


/*
 * Lays out a complete snapshot in out (which must be empty): n categories
 * sorted by slug, every body pre-rendered, the checksum set.  format is
 * KRJ_SNAP_VERSION, or KRJ_SNAP_VERSION_PREV for nodes whose module is not
 * upgraded yet; writer ("krj-batch 0.2.0") goes into format 4 only.
 * Returns 0, or -1 with a reason in err (KRJ_SNAP_ERRLEN bytes).
 */
int krj_snap_write(krj_buf_t *out, const krj_snap_input_t *in, uint32_t n,
    int64_t generated_at, const uint8_t input_digest[32], uint32_t format,
    const char *writer, char *err);

/*
 * krj_snap_write() without the checksum, for a caller that appends a
 * section and seals once (krj_gen.c with krj_history_write()): the
 * SHA-256 of a 100k-row snapshot is a few hundred milliseconds.
 */
int krj_snap_build(krj_buf_t *out, const krj_snap_input_t *in, uint32_t n,
    int64_t generated_at, const uint8_t input_digest[32], uint32_t format,
    const char *writer, char *err);

/*
 * The index of a category (krj_index_write.c): appends its arrays to out
 * and sets ix; the rows' fragments and the cells are laid out already.
 * Returns 0, or -1 when out of memory.
 */
/*
 * The checksum of a snapshot laid out in out, header included, written
 * into its header; again after a section is appended
 * (krj_history_write.c).
 * 0, or -1 with err.
 */
int krj_snap_seal(krj_buf_t *out, char *err);

/*
 * Every column of a category sorted once, by the one rule of sort=
 * (krj_index_write.c): order[c * nrows + i] is the row at place i,
 * start[c * nrows + r] the place where the run of cells equal to row r's
 * begins, nonempty[c] the places before the empty cells.  The index lists
 * them; the dashboard's ranks are made from them.
 */
typedef struct {
    uint32_t                   *order;
    uint32_t                   *start;
    uint32_t                   *nonempty;
    uint32_t                    nrows;
    uint32_t                    ncolumns;
} krj_snap_sorted_t;

/* 0, or -1 without memory; krj_snap_sorted_free() in either case */
int krj_snap_sort(krj_snap_sorted_t *s, const krj_csv_t *t,
    const krj_snap_cell_t *cells);
void krj_snap_sorted_free(krj_snap_sorted_t *s);

int krj_snap_write_index(krj_buf_t *out, const krj_csv_t *t,
    const krj_snap_row_t *rows, const krj_snap_cell_t *cells,
    const krj_snap_sorted_t *sorted, krj_snap_index_t *ix);

/*
 * The encodings section (krj_encoded_write.c): the br and zstd forms of
 * every whole body of h and cats, appended to out, h->encodings set.
 * Returns 0, or -1 when out of memory or a compressor failed.
 */
int krj_snap_write_encodings(krj_buf_t *out, krj_snap_header_t *h,
    const krj_snap_category_t *cats, uint32_t n);

/*
 * krj_snap_row_t.changed of data row row: its signal differs from the
 * prior week's, the texts compared ignoring ASCII case when either is a
 * word other than the three
 */
uint8_t krj_snap_changed(const krj_csv_t *t, uint32_t row);


/* for the writers of the snapshot's parts (krj_dash_write.c) */

typedef void (*krj_snap_render_pt)(krj_out_t *o, const krj_snap_t *view,
    const void *arg);

/*
 * Appends what render writes over the snapshot built so far (view, whose
 * base follows out as it grows); returns its ref.
 */
krj_snap_ref_t krj_snap_render(krj_buf_t *out, krj_snap_t *view,
    krj_snap_render_pt render, const void *arg);

/* appends bytes; the ref of what was appended since start */
krj_snap_ref_t krj_snap_str(krj_buf_t *out, const char *s, size_t len);
krj_snap_ref_t krj_snap_since(krj_buf_t *out, size_t start);

/* the gzip of a body in out, appended to out */
int krj_snap_gzip(krj_buf_t *out, krj_snap_ref_t body, krj_snap_ref_t *gz);

/* room for an array, 8-byte aligned and zeroed; its offset */
size_t krj_snap_reserve(krj_buf_t *out, size_t size);

/*
 * Before a body the module sends whole, of about expect bytes: a large
 * one starts on a page, for sendfile() (krj_snapshot_place.c).
 */
void krj_snap_body_start(krj_buf_t *out, size_t expect);

/* the ticker index of the n categories, into h (krj_tickers_write.c) */
int krj_snap_write_tickers(krj_buf_t *out, const krj_snap_input_t *in,
    uint32_t n, krj_snap_header_t *h, char *err);

/*
 * Appends the rows rendered in parallel: render(b, r, arg) writes row r
 * into b, its refs b's offsets; shift(arg, from, to, base) is then called
 * for the rows [from, to) whose bytes went to base in out, in order, on
 * the caller's thread.  render() must write only what is row r's own.
 */
typedef void (*krj_snap_row_pt)(krj_buf_t *b, uint32_t r, void *arg);
typedef void (*krj_snap_shift_pt)(void *arg, uint32_t from, uint32_t to,
    size_t base);

int krj_snap_render_rows(krj_buf_t *out, uint32_t nrows,
    krj_snap_row_pt render, krj_snap_shift_pt shift, void *arg);


#endif /* _KRJ_SNAPSHOT_WRITE_H_INCLUDED_ */
