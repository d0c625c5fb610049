
/*
 * Copyright (C) The krj developers
 */


/*
 * The snapshot formats a module reads: its own (4, with the writer in the
 * header) and the previous one (3, which krj-batch still writes for nodes
 * whose module is not upgraded yet), and the refusal of any other.
 */


#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "krj_test.h"
#include "krj_buf.h"
#include "krj_csv.h"
#include "krj_snapshot.h"
#include "krj_snapshot_write.h"


#define CSV                                                                   \
    "ticker,price,signal,signal_status_prior_week\n"                          \
    "AAPL,10,Long,Short\n"                                                    \
    "MSFT,20,Short,Short\n"


static krj_csv_t         csv;
static krj_snap_input_t  in;
static uint8_t           digest[32];


static void
setup(void)
{
    memset(&in, 0, sizeof(in));
    memset(digest, 0x5a, sizeof(digest));

    ck_assert_int_eq(krj_csv_parse(&csv, (const uint8_t *) CSV, strlen(CSV),
                                   1 << 20, NULL, NULL), 0);

    in.slug = "sp500";
    in.label = "SP500";
    in.signal_date = "2026-01-09";
    in.source_file = "KRJ_signals_latest_week_SP500_2026-01-09.csv";
    memset(in.sha256, 'c', 64);
    in.csv = &csv;
}


static void
teardown(void)
{
    krj_csv_free(&csv);
}


/* a snapshot in the given format, in a malloc()ed (aligned) copy */
static uint8_t *
build(uint32_t format, const char *writer, size_t *len)
{
    char       err[KRJ_SNAP_ERRLEN];
    uint8_t   *p;
    krj_buf_t  b;

    krj_buf_init(&b);
    ck_assert_msg(krj_snap_write(&b, &in, 1, 1767981600, digest, format,
                                 writer, err) == 0, "write: %s", err);

    p = malloc(b.len);
    ck_assert_ptr_nonnull(p);
    memcpy(p, b.data, b.len);
    *len = b.len;
    krj_buf_free(&b);

    return p;
}


static void
resum(uint8_t *p, size_t len)
{
    unsigned int  n;

    EVP_Digest(p + KRJ_SNAP_SUMMED_FROM, len - KRJ_SNAP_SUMMED_FROM,
               p + offsetof(krj_snap_header_t, checksum), &n, EVP_sha256(),
               NULL);
}


static void
refused(uint8_t *p, size_t len, const char *expect)
{
    char        err[KRJ_SNAP_ERRLEN];
    krj_snap_t  s;

    ck_assert_int_eq(krj_snap_open(&s, p, len, err), -1);
    ck_assert_str_eq(err, expect);
}


START_TEST(test_both_formats_read)
{
    char                       err[KRJ_SNAP_ERRLEN];
    size_t                     len3, len4;
    uint8_t                   *p3, *p4;
    krj_snap_t                 s3, s4;
    const krj_snap_category_t  *c3, *c4;

    p3 = build(3, "ignored in format 3", &len3);
    p4 = build(4, "krj-batch 0.2.0", &len4);

    ck_assert_msg(krj_snap_open(&s3, p3, len3, err) == 0, "3: %s", err);
    ck_assert_msg(krj_snap_open(&s4, p4, len4, err) == 0, "4: %s", err);

    ck_assert_uint_eq(s3.hdr->version, 3);
    ck_assert_uint_eq(s3.hdr->header_size, KRJ_SNAP_HEADER_V3);
    ck_assert_uint_eq(s3.writer.len, 0);
    ck_assert_ptr_null(memmem(p3, len3, "ignored", 7));

    ck_assert_uint_eq(s4.hdr->version, 4);
    ck_assert_uint_eq(s4.hdr->header_size, sizeof(krj_snap_header_t));
    ck_assert_uint_eq(s4.writer.len, 15);
    ck_assert_int_eq(memcmp(krj_snap_ptr(&s4, s4.writer), "krj-batch 0.2.0",
                            15), 0);

    /* 8 bytes of header and the writer's 15, the arrays realigned */
    ck_assert_uint_eq(len4 - len3, 8 + 16);

    /* the same data in both */
    c3 = krj_snap_find_category(&s3, "sp500", 5);
    c4 = krj_snap_find_category(&s4, "sp500", 5);
    ck_assert_ptr_nonnull(c3);
    ck_assert_ptr_nonnull(c4);
    ck_assert_uint_eq(c3->json.len, c4->json.len);
    ck_assert_int_eq(memcmp(krj_snap_ptr(&s3, c3->json),
                            krj_snap_ptr(&s4, c4->json), c3->json.len), 0);
    ck_assert_uint_eq(c3->csv.len, c4->csv.len);
    ck_assert_int_eq(memcmp(s3.hdr->input_digest, s4.hdr->input_digest, 32),
                     0);

    free(p3);
    free(p4);
}
END_TEST


START_TEST(test_other_versions_refused)
{
    size_t              len;
    uint8_t            *p;
    krj_snap_header_t  *h;

    p = build(4, KRJ_TEST_WRITER, &len);
    h = (krj_snap_header_t *) p;

    h->version = 5;
    refused(p, len, "unsupported format version 5 (this module reads 3 "
            "and 4)");
    h->version = 2;
    refused(p, len, "unsupported format version 2 (this module reads 3 "
            "and 4)");

    /* a header's size must be its version's */
    h->version = 3;
    refused(p, len, "header size 336, expected 328 for format 3");
    h->version = 4;
    h->header_size = KRJ_SNAP_HEADER_V3;
    refused(p, len, "header size 328, expected 336 for format 4");
    h->header_size = sizeof(krj_snap_header_t);

    /* longer than a format 3 header, shorter than a format 4 one */
    h->total_len = KRJ_SNAP_HEADER_V3 + 4;
    refused(p, KRJ_SNAP_HEADER_V3 + 4, "file too short for a format 4 "
            "header (332 bytes)");
    refused(p, KRJ_SNAP_HEADER_V3 - 8, "file too short for a header "
            "(320 bytes)");

    free(p);
}
END_TEST


START_TEST(test_bad_writer_refused)
{
    size_t              len;
    uint8_t            *p, *w, save;
    uint32_t            i;
    krj_snap_header_t  *h;
    krj_snap_ref_t      ref;
    static const char   expect[] = "writer out of bounds, or not 1 to 64 "
                                   "printable ASCII characters";
    static const uint8_t  bad[] = { 0x00, 0x0a, 0x1b, 0x7f, 0x80, 0xff };

    p = build(4, "krj-batch 0.2.0", &len);
    h = (krj_snap_header_t *) p;
    ref = h->writer;
    w = p + ref.off;

    for (i = 0; i < sizeof(bad); i++) {
        save = w[3];
        w[3] = bad[i];
        resum(p, len);
        refused(p, len, expect);
        w[3] = save;
    }

    h->writer.len = 0;
    resum(p, len);
    refused(p, len, expect);

    /* 65 bytes, all of them in the file */
    h->writer.len = KRJ_SNAP_WRITER_MAX + 1;
    resum(p, len);
    refused(p, len, expect);

    h->writer.off = (uint32_t) len - 4;
    h->writer.len = 8;
    resum(p, len);
    refused(p, len, expect);

    h->writer = ref;
    resum(p, len);
    ck_assert_int_eq(krj_snap_writer_ok((const char *) w, ref.len), 1);

    free(p);
}
END_TEST


START_TEST(test_writer_refuses_to_write)
{
    char       err[KRJ_SNAP_ERRLEN], longest[KRJ_SNAP_WRITER_MAX + 2];
    size_t     len;
    uint8_t   *p;
    krj_buf_t  b;

    krj_buf_init(&b);

    ck_assert_int_eq(krj_snap_write(&b, &in, 1, 1767981600, digest, 5,
                                    KRJ_TEST_WRITER, err), -1);
    ck_assert_str_eq(err, "snapshot format 5: krj-batch writes 3 or 4");
    ck_assert_int_eq(krj_snap_write(&b, &in, 1, 1767981600, digest, 2,
                                    KRJ_TEST_WRITER, err), -1);
    ck_assert_str_eq(err, "snapshot format 2: krj-batch writes 3 or 4");

    ck_assert_int_eq(krj_snap_write(&b, &in, 1, 1767981600, digest, 4, "",
                                    err), -1);
    ck_assert_str_eq(err, "writer is not 1 to 64 printable ASCII "
                     "characters");
    ck_assert_int_eq(krj_snap_write(&b, &in, 1, 1767981600, digest, 4,
                                    "krj\nbatch", err), -1);
    ck_assert_str_eq(err, "writer is not 1 to 64 printable ASCII "
                     "characters");

    memset(longest, 'x', sizeof(longest));
    longest[KRJ_SNAP_WRITER_MAX + 1] = '\0';
    ck_assert_int_eq(krj_snap_write(&b, &in, 1, 1767981600, digest, 4,
                                    longest, err), -1);
    ck_assert_uint_eq(b.len, 0);
    krj_buf_free(&b);

    /* 64 is allowed; format 3 has no writer to check */
    longest[KRJ_SNAP_WRITER_MAX] = '\0';
    free(build(4, longest, &len));
    p = build(3, "", &len);
    ck_assert_uint_eq(((krj_snap_header_t *) p)->header_size,
                      KRJ_SNAP_HEADER_V3);
    free(p);
}
END_TEST


static Suite *
format_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("format");
    tc = tcase_create("format");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_both_formats_read);
    tcase_add_test(tc, test_other_versions_refused);
    tcase_add_test(tc, test_bad_writer_refused);
    tcase_add_test(tc, test_writer_refuses_to_write);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(format_suite)
