
/*
 * Copyright (C) The krj developers
 */


#include <zlib.h>

#include "krj_gzip.h"


int
krj_gzip(krj_buf_t *out, const uint8_t *in, size_t len)
{
    int       rc;
    uLong     bound;
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

    rc = -1;

    if ((uLong) len != len) {
        goto cleanup;
    }

    /* deflateBound() covers the gzip header and trailer too */
    bound = deflateBound(&zs, (uLong) len);

    if (krj_buf_grow(out, bound) != 0 || (uInt) len != len
        || (uInt) bound != bound)
    {
        goto cleanup;
    }

    zs.next_in = (Bytef *) in;
    zs.avail_in = (uInt) len;
    zs.next_out = out->data + out->len;
    zs.avail_out = (uInt) bound;

    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) {
        goto cleanup;
    }

    out->len += zs.total_out;
    rc = 0;

cleanup:

    deflateEnd(&zs);

    return rc;
}
