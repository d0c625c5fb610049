
/*
 * Copyright (C) The krj developers
 */


#include <stdlib.h>

#include <zlib.h>

#include "krj_gzip.h"


struct krj_gzip_s {
    z_stream    zs;
};


static int krj_gzip_deflate(z_stream *zs, krj_buf_t *out, const uint8_t *in,
    size_t len);


int
krj_gzip(krj_buf_t *out, const uint8_t *in, size_t len)
{
    int       rc;
    z_stream  zs;

    zs.zalloc = Z_NULL;
    zs.zfree = Z_NULL;
    zs.opaque = Z_NULL;

    /* 15 + 16: the largest window, with a gzip wrapper instead of zlib's */
    if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY)
        != Z_OK)
    {
        return -1;
    }

    rc = krj_gzip_deflate(&zs, out, in, len);

    deflateEnd(&zs);

    return rc;
}


krj_gzip_t *
krj_gzip_create(void)
{
    krj_gzip_t  *gz;

    gz = calloc(1, sizeof(krj_gzip_t));
    if (gz == NULL) {
        return NULL;
    }

    gz->zs.zalloc = Z_NULL;
    gz->zs.zfree = Z_NULL;
    gz->zs.opaque = Z_NULL;

    /* krj_gzip()'s parameters: the same bytes */
    if (deflateInit2(&gz->zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY)
        != Z_OK)
    {
        free(gz);
        return NULL;
    }

    return gz;
}


int
krj_gzip_next(krj_gzip_t *gz, krj_buf_t *out, const uint8_t *in, size_t len)
{
    /* a reset stream is a new one, without allocating it again */
    if (deflateReset(&gz->zs) != Z_OK) {
        return -1;
    }

    return krj_gzip_deflate(&gz->zs, out, in, len);
}


void
krj_gzip_destroy(krj_gzip_t *gz)
{
    if (gz != NULL) {
        deflateEnd(&gz->zs);
        free(gz);
    }
}


static int
krj_gzip_deflate(z_stream *zs, krj_buf_t *out, const uint8_t *in, size_t len)
{
    uLong  bound;

    if ((uLong) len != len) {
        return -1;
    }

    /* deflateBound() covers the gzip header and trailer too */
    bound = deflateBound(zs, (uLong) len);

    if (krj_buf_grow(out, bound) != 0 || (uInt) len != len
        || (uInt) bound != bound)
    {
        return -1;
    }

    zs->next_in = (Bytef *) in;
    zs->avail_in = (uInt) len;
    zs->next_out = out->data + out->len;
    zs->avail_out = (uInt) bound;

    if (deflate(zs, Z_FINISH) != Z_STREAM_END) {
        return -1;
    }

    out->len += zs->total_out;

    return 0;
}


/*
 * A raw deflate stream (RFC 1951) of its own: nothing in it refers to
 * bytes before it, so it can follow any other blocks.  Not final, it ends
 * with a sync flush on a byte boundary, where a stored block or another
 * stream may follow; final, its last block ends the deflate data.
 */

int
krj_deflate_part(krj_buf_t *out, const uint8_t *in, size_t len, int final)
{
    int       rc;
    uLong     bound;
    z_stream  zs;

    zs.zalloc = Z_NULL;
    zs.zfree = Z_NULL;
    zs.opaque = Z_NULL;

    if (deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY)
        != Z_OK)
    {
        return -1;
    }

    rc = -1;

    /* the sync flush adds an empty stored block: 5 bytes, and a margin */
    bound = deflateBound(&zs, (uLong) len) + 16;

    if ((uLong) len != len || (uInt) len != len || (uInt) bound != bound
        || krj_buf_grow(out, bound) != 0)
    {
        goto cleanup;
    }

    zs.next_in = (Bytef *) in;
    zs.avail_in = (uInt) len;
    zs.next_out = out->data + out->len;
    zs.avail_out = (uInt) bound;

    if (final) {
        if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
            goto cleanup;
        }

    } else if (deflate(&zs, Z_SYNC_FLUSH) != Z_OK || zs.avail_in != 0
               || zs.avail_out == 0)
    {
        goto cleanup;
    }

    out->len += zs.total_out;
    rc = 0;

cleanup:

    deflateEnd(&zs);

    return rc;
}


uint32_t
krj_crc32(const uint8_t *p, size_t len)
{
    uInt   n;
    uLong  crc;

    crc = crc32(0L, Z_NULL, 0);

    while (len) {
        n = len > (1u << 30) ? (1u << 30) : (uInt) len;

        crc = crc32(crc, p, n);
        p += n;
        len -= n;
    }

    return (uint32_t) crc;
}


uint32_t
krj_crc32_shift(size_t len)
{
    return (uint32_t) crc32_combine_gen((z_off_t) len);
}
