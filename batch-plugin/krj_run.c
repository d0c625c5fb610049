
/*
 * Copyright (C) The krj developers
 */


/*
 * The "run" command: the newest file per category, validated; a category
 * whose newest file is bad keeps what is published; then every output is
 * staged and renamed into place in order, CSVs, snapshot, metadata.json.
 */


#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <openssl/evp.h>

#include "krj_assets.h"
#include "krj_csv.h"
#include "krj_date.h"
#include "krj_log.h"
#include "krj_principal.h"
#include "krj_publish.h"
#include "krj_run.h"
#include "krj_scan.h"
#include "krj_snapshot_write.h"
#include "krj_snapshot.h"


typedef struct {
    krj_scan_entry_t    entry;
    char                date[KRJ_SCAN_DATE_LEN + 1];
    char                source_file[KRJ_SCAN_NAME_MAX + 16];
    uint8_t            *data;
    size_t              len;
    krj_csv_t           csv;
    int                 valid;
    int                 from_input;     /* 0: kept from the output dir */
} krj_run_cat_t;


static int krj_run_load(const krj_conf_t *conf, const krj_scan_dir_t *dir,
    const krj_scan_conf_t *sc, krj_run_cat_t *rc);
static int krj_run_keep(const krj_conf_t *conf, krj_run_cat_t *rc,
    json_t *meta);
static void krj_run_warn(void *ctx, uint32_t line, const char *msg);
static void krj_run_digest(const krj_snap_input_t *in, uint32_t n,
    uint8_t *digest);
static int krj_run_unchanged(const krj_conf_t *conf, const uint8_t *digest,
    const krj_snap_input_t *in, uint32_t n);
static int krj_run_publish(const krj_conf_t *conf, const int *from_input,
    const krj_snap_input_t *in, uint32_t n, const uint8_t *digest);
static int krj_run_check_dir(const char *what, const char *dir);
static int krj_run_make_dir(const char *dir);


int
krj_run(const krj_conf_t *conf)
{
    int                 n, i, rejected, status, *from;
    uint32_t            k;
    json_t             *meta;
    krj_run_cat_t      *cats;
    krj_scan_dir_t      dir;
    krj_scan_conf_t     sc;
    krj_scan_entry_t   *entries;
    krj_snap_input_t   *in;
    uint8_t             digest[32];

    /* like run_krj_batch.py, a missing output directory is created */

    if (krj_run_check_dir("input", conf->input) != 0
        || krj_run_make_dir(conf->output) != 0
        || krj_run_check_dir("output", conf->output) != 0)
    {
        return KRJ_EXIT_USAGE;
    }

    sc.today = krj_date_today();
    sc.max_future = conf->max_future;
    sc.follow_symlinks = conf->follow_symlinks;

    if (krj_scan_dir_open(&dir, conf->input) != 0) {
        krj_log(KRJ_LOG_ERROR, conf->input, 0, "cannot open: %s",
                strerror(errno));
        return KRJ_EXIT_USAGE;
    }

    n = krj_scan_dir(&dir, &sc, &entries);
    if (n == -1) {
        krj_log(KRJ_LOG_ERROR, conf->input, 0, "cannot list: %s",
                strerror(errno));
        krj_scan_dir_close(&dir);
        return KRJ_EXIT_USAGE;
    }

    status = KRJ_EXIT_FAILED;
    rejected = 0;
    meta = NULL;
    in = NULL;

    cats = calloc(n ? n : 1, sizeof(krj_run_cat_t));
    in = calloc(n ? n : 1, sizeof(krj_snap_input_t));
    from = calloc(n ? n : 1, sizeof(int));

    if (cats == NULL || in == NULL || from == NULL) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "out of memory");
        goto cleanup;
    }

    if (n == 0) {
        krj_log(KRJ_LOG_ERROR, conf->input, 0, "no KRJ signals files "
                "found, nothing to publish");
        goto cleanup;
    }

    meta = krj_metadata_read(conf->output);

    k = 0;

    for (i = 0; i < n; i++) {
        cats[i].entry = entries[i];

        if (krj_run_load(conf, &dir, &sc, &cats[i]) != 0) {
            rejected++;

            if (krj_run_keep(conf, &cats[i], meta) != 0) {
                continue;
            }
        }

        in[k].slug = cats[i].entry.slug;
        in[k].label = cats[i].entry.label;
        in[k].signal_date = cats[i].date;
        in[k].source_file = cats[i].source_file;
        in[k].csv = &cats[i].csv;
        from[k] = cats[i].from_input;

        if (krj_sha256_hex(cats[i].csv.data, cats[i].csv.len, in[k].sha256)
            != 0)
        {
            krj_log(KRJ_LOG_ERROR, NULL, 0, "SHA-256 failed");
            goto cleanup;
        }

        k++;
    }

    if (k == 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "no valid input, nothing published");
        goto cleanup;
    }

    krj_run_digest(in, k, digest);

    if (krj_run_unchanged(conf, digest, in, k)) {
        krj_log(KRJ_LOG_INFO, NULL, 0, "unchanged: %u categories, the "
                "published snapshot already holds this input", k);
        status = rejected ? KRJ_EXIT_PARTIAL : KRJ_EXIT_OK;
        goto cleanup;
    }

    if (krj_run_publish(conf, from, in, k, digest) != 0) {
        goto cleanup;
    }

    status = rejected ? KRJ_EXIT_PARTIAL : KRJ_EXIT_OK;

cleanup:

    for (i = 0; cats && i < n; i++) {
        krj_csv_free(&cats[i].csv);
        free(cats[i].data);
    }

    json_decref(meta);
    free(cats);
    free(in);
    free(from);
    free(entries);
    krj_scan_dir_close(&dir);

    return status;
}


/* reads and validates the newest input file of a category */
static int
krj_run_load(const krj_conf_t *conf, const krj_scan_dir_t *dir,
    const krj_scan_conf_t *sc, krj_run_cat_t *rc)
{
    int   fd;
    char  err[KRJ_PUBLISH_ERRLEN];

    fd = krj_scan_open(dir, sc, &rc->entry, err);

    if (fd == -1
        || krj_file_read_fd(fd, conf->max_size, &rc->data, &rc->len, err)
           != 0)
    {
        krj_log(KRJ_LOG_ERROR, rc->entry.file, 0, "rejected: %s", err);
        return -1;
    }

    if (krj_csv_parse(&rc->csv, rc->data, rc->len, conf->max_size,
                      krj_run_warn, rc->entry.file)
        != 0)
    {
        krj_log(KRJ_LOG_ERROR, rc->entry.file, rc->csv.err_line,
                "rejected: %s", rc->csv.err);
        krj_csv_free(&rc->csv);
        free(rc->data);
        rc->data = NULL;
        return -1;
    }

    memcpy(rc->date, rc->entry.date, sizeof(rc->date));
    snprintf(rc->source_file, sizeof(rc->source_file), "%s", rc->entry.file);
    rc->from_input = 1;
    rc->valid = 1;

    krj_log(KRJ_LOG_DEBUG, rc->entry.file, 0, "valid: %u rows, %u columns",
            rc->csv.nrows, rc->csv.ncolumns);

    return 0;
}


/*
 * The newest file was rejected: keep serving the published CSV, with the
 * date and source file metadata.json recorded for it.
 */
static int
krj_run_keep(const krj_conf_t *conf, krj_run_cat_t *rc, json_t *meta)
{
    char          path[PATH_MAX], err[KRJ_PUBLISH_ERRLEN];
    const char   *slug, *date, *source;
    json_t       *d;

    slug = rc->entry.slug;

    date = json_string_value(json_object_get(json_object_get(meta,
                                                             "categories"),
                                             slug));
    d = json_object_get(json_object_get(meta, "details"), slug);
    source = json_string_value(json_object_get(d, "source_file"));

    if (date == NULL || strlen(date) != KRJ_SCAN_DATE_LEN) {
        krj_log(KRJ_LOG_WARN, NULL, 0, "category %s: nothing published "
                "before, it is left out", slug);
        return -1;
    }

    snprintf(path, sizeof(path), "%s/latest_%s.csv", conf->output, slug);

    if (krj_file_read(path, conf->max_size, &rc->data, &rc->len, err) != 0
        || krj_csv_parse(&rc->csv, rc->data, rc->len, conf->max_size,
                         NULL, NULL)
           != 0)
    {
        krj_log(KRJ_LOG_WARN, path, 0, "category %s: the published CSV "
                "cannot be kept, it is left out", slug);
        krj_csv_free(&rc->csv);
        free(rc->data);
        rc->data = NULL;
        return -1;
    }

    memcpy(rc->date, date, KRJ_SCAN_DATE_LEN + 1);

    if (source == NULL) {
        snprintf(rc->source_file, sizeof(rc->source_file), "latest_%s.csv",
                 slug);

    } else {
        snprintf(rc->source_file, sizeof(rc->source_file), "%s", source);
    }

    rc->from_input = 0;
    rc->valid = 1;

    krj_log(KRJ_LOG_WARN, NULL, 0, "category %s: keeping the published data "
            "of %s", slug, rc->date);

    return 0;
}


static void
krj_run_warn(void *ctx, uint32_t line, const char *msg)
{
    krj_log(KRJ_LOG_WARN, ctx, line, "%s", msg);
}


/*
 * SHA-256 over the rendering, the assets' digests (a krj-batch built with
 * another stylesheet republishes), then per category slug, date, source
 * file and CSV digest
 */
static void
krj_run_digest(const krj_snap_input_t *in, uint32_t n, uint8_t *digest)
{
    char                hex[65];
    uint32_t            i;
    EVP_MD_CTX         *md;
    const krj_asset_t  *a;

    memset(digest, 0, 32);

    md = EVP_MD_CTX_new();
    if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
        EVP_MD_CTX_free(md);
        return;
    }

    EVP_DigestUpdate(md, KRJ_SNAP_RENDERING, sizeof(KRJ_SNAP_RENDERING));

    for (i = 0; (a = krj_asset_get(i)) != NULL; i++) {
        if (krj_sha256_hex(a->data, a->len, hex) == 0) {
            EVP_DigestUpdate(md, hex, sizeof(hex));
        }
    }

    for (i = 0; i < n; i++) {
        EVP_DigestUpdate(md, in[i].slug, strlen(in[i].slug) + 1);
        EVP_DigestUpdate(md, in[i].signal_date, strlen(in[i].signal_date) + 1);
        EVP_DigestUpdate(md, in[i].source_file, strlen(in[i].source_file) + 1);
        EVP_DigestUpdate(md, in[i].sha256, 65);
    }

    EVP_DigestFinal_ex(md, digest, NULL);
    EVP_MD_CTX_free(md);
}


/*
 * 1 when the published snapshot is valid, was made from this very input,
 * and metadata.json and every latest_{slug}.csv are still in place.
 */
static int
krj_run_unchanged(const krj_conf_t *conf, const uint8_t *digest,
    const krj_snap_input_t *in, uint32_t n)
{
    int                          same;
    char                         path[PATH_MAX];
    char                         err[KRJ_PUBLISH_ERRLEN];
    size_t                       len, clen;
    uint8_t                     *data, *csv;
    uint32_t                     i;
    krj_snap_t                   snap;
    struct stat                  st;
    const krj_snap_category_t   *cat;

    snprintf(path, sizeof(path), "%s/%s", conf->output, KRJ_SNAPSHOT_NAME);

    if (krj_file_read(path, KRJ_SNAP_MAX_SIZE, &data, &len, err) != 0) {
        return 0;
    }

    same = 0;

    if (krj_snap_open(&snap, data, len, err) != 0) {
        krj_log(KRJ_LOG_WARN, path, 0, "published snapshot is invalid "
                "(%s), replacing it", err);
        goto cleanup;
    }

    if (memcmp(snap.hdr->input_digest, digest, 32) != 0
        || snap.hdr->ncategories != n)
    {
        goto cleanup;
    }

    snprintf(path, sizeof(path), "%s/%s", conf->output, KRJ_METADATA_NAME);

    if (stat(path, &st) != 0) {
        goto cleanup;
    }

    for (i = 0; i < n; i++) {
        cat = krj_snap_find_category(&snap, in[i].slug, strlen(in[i].slug));
        if (cat == NULL) {
            goto cleanup;
        }

        snprintf(path, sizeof(path), "%s/latest_%s.csv", conf->output,
                 in[i].slug);

        if (krj_file_read(path, cat->csv.len, &csv, &clen, err) != 0) {
            goto cleanup;
        }

        same = (clen == cat->csv.len
                && memcmp(csv, krj_snap_ptr(&snap, cat->csv), clen) == 0);
        free(csv);

        if (!same) {
            goto cleanup;
        }
    }

    same = 1;

cleanup:

    free(data);

    return same;
}


static int
krj_run_publish(const krj_conf_t *conf, const int *from_input,
    const krj_snap_input_t *in, uint32_t n, const uint8_t *digest)
{
    int           rc, ncats;
    char          name[KRJ_SCAN_NAME_MAX + 16], iso[32];
    char          err[KRJ_PUBLISH_ERRLEN];
    char         *meta;
    int64_t       now;
    uint32_t      k, nst;
    krj_buf_t     snap;
    krj_snap_t    check;
    krj_stage_t  *st;

    rc = -1;
    meta = NULL;
    nst = 0;
    krj_buf_init(&snap);

    st = calloc(n + 2, sizeof(krj_stage_t));
    if (st == NULL) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "out of memory");
        return -1;
    }

    now = (int64_t) time(NULL);
    krj_date_iso(now, iso);

    if (krj_snap_write(&snap, in, n, now, digest, err) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "cannot build the snapshot: %s", err);
        goto cleanup;
    }

    /* what the module will refuse must never be published */
    if (krj_snap_open(&check, snap.data, snap.len, err) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "built snapshot is invalid: %s",
                err);
        goto cleanup;
    }

    meta = krj_metadata_render(in, n, iso);
    if (meta == NULL) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "cannot render metadata.json");
        goto cleanup;
    }

    /* stage everything first: a failure here replaces nothing */
    ncats = 0;

    for (k = 0; k < n; k++) {
        if (!from_input[k]) {
            continue;
        }

        snprintf(name, sizeof(name), "latest_%s.csv", in[k].slug);

        if (krj_stage_file(&st[nst], conf->output, name, in[k].csv->data,
                           in[k].csv->len, 0644, err)
            != 0)
        {
            krj_log(KRJ_LOG_ERROR, NULL, 0, "%s", err);
            goto cleanup;
        }

        nst++;
        ncats++;
    }

    if (krj_stage_file(&st[nst++], conf->output, KRJ_SNAPSHOT_NAME,
                       snap.data, snap.len, 0644, err)
        != 0
        || krj_stage_file(&st[nst++], conf->output, KRJ_METADATA_NAME,
                          meta, strlen(meta), 0644, err)
           != 0)
    {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "%s", err);
        goto cleanup;
    }

    for (k = 0; k < nst; k++) {
        if (krj_stage_commit(&st[k], err) != 0) {
            krj_log(KRJ_LOG_ERROR, NULL, 0, "%s", err);
            goto cleanup;
        }
    }

    if (krj_sync_dir(conf->output, err) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "%s", err);
        goto cleanup;
    }

    for (k = 0; k < n; k++) {
        krj_log(KRJ_LOG_INFO, in[k].source_file, 0, "published %s "
                "(%s, %u rows, %u columns)", in[k].slug, in[k].signal_date,
                in[k].csv->nrows, in[k].csv->ncolumns);
    }

    krj_log(KRJ_LOG_INFO, NULL, 0, "published %u categories (%d new), "
            "snapshot of %zu bytes", n, ncats, snap.len);

    rc = 0;

cleanup:

    for (k = 0; k < nst; k++) {
        krj_stage_discard(&st[k]);
    }

    free(st);
    free(meta);
    krj_buf_free(&snap);

    return rc;
}


static int
krj_run_check_dir(const char *what, const char *dir)
{
    struct stat  st;

    if (stat(dir, &st) != 0) {
        krj_log(KRJ_LOG_ERROR, dir, 0, "%s directory: %s", what,
                strerror(errno));
        return -1;
    }

    if (!S_ISDIR(st.st_mode)) {
        krj_log(KRJ_LOG_ERROR, dir, 0, "%s directory: not a directory",
                what);
        return -1;
    }

    return 0;
}


static int
krj_run_make_dir(const char *dir)
{
    char  err[KRJ_PUBLISH_ERRLEN];

    if (krj_make_dir(dir, err) != 0) {
        krj_log(KRJ_LOG_ERROR, NULL, 0, "output directory: %s", err);
        return -1;
    }

    return 0;
}


int
krj_status(const krj_conf_t *conf)
{
    int                         status;
    char                        path[PATH_MAX], err[KRJ_PUBLISH_ERRLEN];
    size_t                      len;
    uint8_t                    *data;
    uint32_t                    i;
    krj_snap_t                  snap;
    const krj_snap_category_t  *cat;

    snprintf(path, sizeof(path), "%s/%s", conf->output, KRJ_SNAPSHOT_NAME);

    if (krj_file_read(path, KRJ_SNAP_MAX_SIZE, &data, &len, err) != 0) {
        krj_log(KRJ_LOG_ERROR, path, 0, "%s", err);
        return KRJ_EXIT_FAILED;
    }

    status = KRJ_EXIT_FAILED;

    if (krj_snap_open(&snap, data, len, err) != 0) {
        krj_log(KRJ_LOG_ERROR, path, 0, "invalid snapshot: %s", err);
        goto cleanup;
    }

    printf("snapshot: %s (%zu bytes, valid)\n", path, len);
    printf("generated_at: %.*s\n", (int) snap.hdr->generated_at_iso.len,
           krj_snap_ptr(&snap, snap.hdr->generated_at_iso));
    printf("categories: %u, tickers: %u\n", snap.hdr->ncategories,
           snap.hdr->ntickers);

    for (i = 0; i < snap.hdr->ncategories; i++) {
        cat = &snap.categories[i];

        printf("  %-14.*s %.*s  %5u rows  %3u columns  L:%u N:%u S:%u  %.*s\n",
               (int) cat->slug.len, krj_snap_ptr(&snap, cat->slug),
               (int) cat->signal_date.len,
               krj_snap_ptr(&snap, cat->signal_date),
               cat->nrows, cat->ncolumns,
               cat->counts[KRJ_WEEK_THIS][KRJ_COUNT_LONG],
               cat->counts[KRJ_WEEK_THIS][KRJ_COUNT_NEUTRAL],
               cat->counts[KRJ_WEEK_THIS][KRJ_COUNT_SHORT],
               (int) cat->source_file.len,
               krj_snap_ptr(&snap, cat->source_file));
    }

    status = KRJ_EXIT_OK;

cleanup:

    free(data);

    return status;
}
