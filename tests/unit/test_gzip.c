
/*
 * Copyright (C) The krj developers
 */


/*
 * krj_gzip.c: every gzip decodes to its body, and the dashboard's
 * non-final deflate parts (libdeflate's final streams made open) chain
 * with each other and a final one into one gzip that decodes to their
 * concatenation, wherever in a byte a part's last block ends.
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "krj_gzip.h"
#include "krj_test.h"
#include "krj_threads.h"


#define BIG     (1536 * 1024)


/* text that compresses like a CSV, and noise that does not (stored) */

static uint8_t *
make_input(size_t len, int noise, uint32_t seed)
{
    size_t    i;
    uint8_t  *p;
    uint32_t  x;

    p = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(p);

    x = seed * 2654435761u + 1;

    for (i = 0; i < len; i++) {
        x = x * 1103515245u + 12345;

        if (noise) {
            p[i] = (uint8_t) (x >> 16);

        } else {
            p[i] = (i % 37 == 36) ? '\n' : "0123456789.,LongShrt"[(x >> 16)
                                                                   % 20];
        }
    }

    return p;
}


/* inflates a whole gzip member; 0 when it is exactly want[0..len) */

static int
gunzip_equals(const uint8_t *gz, size_t n, const uint8_t *want, size_t len)
{
    int        rc;
    uint8_t   *buf;
    z_stream   zs;

    memset(&zs, 0, sizeof(z_stream));
    ck_assert_int_eq(inflateInit2(&zs, 15 + 16), Z_OK);

    buf = malloc(len + 1);
    ck_assert_ptr_nonnull(buf);

    zs.next_in = (Bytef *) gz;
    zs.avail_in = (uInt) n;
    zs.next_out = buf;
    zs.avail_out = (uInt) len + 1;

    rc = inflate(&zs, Z_FINISH) == Z_STREAM_END && zs.avail_in == 0
         && zs.total_out == len && memcmp(buf, want, len) == 0 ? 0 : -1;

    inflateEnd(&zs);
    free(buf);

    return rc;
}


static void
put_le32(krj_buf_t *b, uint32_t v)
{
    uint8_t  p[4];

    p[0] = (uint8_t) v;
    p[1] = (uint8_t) (v >> 8);
    p[2] = (uint8_t) (v >> 16);
    p[3] = (uint8_t) (v >> 24);
    krj_buf_append(b, p, 4);
}


START_TEST(test_gzip_decodes)
{
    int         noise;
    size_t      i, lens[] = { 0, 1, 100, 70000, BIG };
    uint8_t    *in;
    krj_buf_t   a, b;

    for (noise = 0; noise < 2; noise++) {
        for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
            in = make_input(lens[i], noise, (uint32_t) i);
            krj_buf_init(&a);
            krj_buf_init(&b);

            ck_assert_int_eq(krj_gzip(&a, in, lens[i]), 0);
            ck_assert_int_eq(gunzip_equals(a.data, a.len, in, lens[i]), 0);
            ck_assert_int_eq(memcmp(a.data, KRJ_GZIP_HEADER,
                                    KRJ_GZIP_HEADER_LEN), 0);

            /* equal input, equal bytes, whatever the threads */
            krj_threads_set(i % 2 ? 1 : 4);
            ck_assert_int_eq(krj_gzip(&b, in, lens[i]), 0);
            krj_threads_set(0);
            ck_assert_uint_eq(a.len, b.len);
            ck_assert_int_eq(memcmp(a.data, b.data, a.len), 0);

            krj_buf_free(&a);
            krj_buf_free(&b);
            free(in);
        }
    }

    ck_assert_uint_eq(krj_deflate_fallbacks(), 0);
}
END_TEST


START_TEST(test_gzip_crc)
{
    ck_assert_uint_eq(krj_crc32((const uint8_t *) "123456789", 9),
                      0xcbf43926);
    ck_assert_uint_eq(krj_crc32((const uint8_t *) "", 0), 0);
}
END_TEST


/* an open part, alone, is a valid deflate prefix that never ends */

static void
check_open(const uint8_t *p, size_t n, const uint8_t *in, size_t len)
{
    int        zrc;
    uint8_t   *buf;
    z_stream   zs;

    ck_assert_uint_ge(n, 4);
    ck_assert_int_eq(memcmp(p + n - 4, "\x00\x00\xff\xff", 4), 0);

    memset(&zs, 0, sizeof(z_stream));
    ck_assert_int_eq(inflateInit2(&zs, -15), Z_OK);

    buf = malloc(len + 1);
    ck_assert_ptr_nonnull(buf);

    zs.next_in = (Bytef *) p;
    zs.avail_in = (uInt) n;
    zs.next_out = buf;
    zs.avail_out = (uInt) len + 1;

    zrc = inflate(&zs, Z_SYNC_FLUSH);

    ck_assert_int_eq(zrc, Z_OK);
    ck_assert_uint_eq(zs.avail_in, 0);
    ck_assert_uint_eq(zs.total_out, len);
    ck_assert_int_eq(memcmp(buf, in, len), 0);

    inflateEnd(&zs);
    free(buf);
}


/*
 * Parts of 1 to 200 bytes end their last block at all kinds of bits;
 * noise makes stored blocks, BIG more than one block.
 */

START_TEST(test_deflate_parts_chain)
{
    int         noise;
    size_t      len, from, total;
    uint8_t    *in, *all;
    uint32_t    crc;
    krj_buf_t   gz;

    for (noise = 0; noise < 2; noise++) {
        for (len = 1; len <= 200; len++) {
            in = make_input(len, noise, (uint32_t) len);
            all = malloc(2 * len + 5);
            ck_assert_ptr_nonnull(all);

            krj_buf_init(&gz);
            krj_buf_append(&gz, KRJ_GZIP_HEADER, KRJ_GZIP_HEADER_LEN);

            from = gz.len;
            ck_assert_int_eq(krj_deflate_part(&gz, in, len, 0), 0);
            check_open(gz.data + from, gz.len - from, in, len);

            from = gz.len;
            ck_assert_int_eq(krj_deflate_part(&gz, in, len, 0), 0);
            check_open(gz.data + from, gz.len - from, in, len);

            ck_assert_int_eq(krj_deflate_part(&gz, (const uint8_t *) "tail.",
                                              5, 1), 0);

            memcpy(all, in, len);
            memcpy(all + len, in, len);
            memcpy(all + 2 * len, "tail.", 5);
            total = 2 * len + 5;

            crc = krj_crc32(all, total);
            put_le32(&gz, crc);
            put_le32(&gz, (uint32_t) total);

            ck_assert_int_eq(gunzip_equals(gz.data, gz.len, all, total), 0);
            ck_assert_uint_eq(krj_deflate_fallbacks(), 0);

            krj_buf_free(&gz);
            free(all);
            free(in);
        }
    }
}
END_TEST


START_TEST(test_deflate_part_big)
{
    int         noise;
    size_t      from;
    uint8_t    *in;
    krj_buf_t   gz;

    for (noise = 0; noise < 2; noise++) {
        in = make_input(BIG, noise, 7);

        krj_buf_init(&gz);
        krj_buf_append(&gz, KRJ_GZIP_HEADER, KRJ_GZIP_HEADER_LEN);

        from = gz.len;
        ck_assert_int_eq(krj_deflate_part(&gz, in, BIG, 0), 0);
        check_open(gz.data + from, gz.len - from, in, BIG);

        /* an empty final part ends the data */
        ck_assert_int_eq(krj_deflate_part(&gz, (const uint8_t *) "", 0, 1),
                         0);
        put_le32(&gz, krj_crc32(in, BIG));
        put_le32(&gz, BIG);

        ck_assert_int_eq(gunzip_equals(gz.data, gz.len, in, BIG), 0);
        ck_assert_uint_eq(krj_deflate_fallbacks(), 0);

        krj_buf_free(&gz);
        free(in);
    }
}
END_TEST


static Suite *
gzip_suite(void)
{
    Suite  *s;
    TCase  *tc;

    s = suite_create("gzip");
    tc = tcase_create("gzip");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_gzip_decodes);
    tcase_add_test(tc, test_gzip_crc);
    tcase_add_test(tc, test_deflate_parts_chain);
    tcase_add_test(tc, test_deflate_part_big);
    suite_add_tcase(s, tc);

    return s;
}


KRJ_TEST_MAIN(gzip_suite)
