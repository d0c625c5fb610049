
/*
 * Copyright (C) The krj developers
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <zlib.h>

#include "krj_gzip.h"
#include "krj_snapshot_write.h"
#include "krj_threads.h"


/*
 * libdeflate at level 12 takes 2.5 s for a 18 MB CSV where 6 takes 0.75 s
 * for 0.8% more bytes (zlib -9: 1.8 s, 9% more than either): the cheap
 * bodies, the small ones, get the best level, the large ones a fast one.
 *
 * A large body is cut every KRJ_GZIP_CHUNK bytes into deflate streams of
 * their own, compressed in parallel (krj_threads.c) and chained as the
 * dashboard's spans are (krj_deflate_part()): the cuts depend on the
 * length only, so every number of threads writes the same bytes.  At
 * level 6 the cuts cost 0.01% on that CSV.
 */
#define KRJ_GZIP_CHUNK          KRJ_GZIP_LARGE
#define KRJ_GZIP_LEVEL_SMALL    12
#define KRJ_GZIP_LEVEL_LARGE    6


struct krj_gzip_s {
    struct libdeflate_compressor  *small;
};


typedef struct {
    const uint8_t      *in;
    size_t              len;
    int                 final;          /* the last chunk's */
    krj_buf_t          *parts;          /* one a chunk */
} krj_deflate_chunks_t;


static int krj_deflate_one(krj_buf_t *out, struct libdeflate_compressor *c,
    const uint8_t *in, size_t len, int final);
static int krj_deflate_chunks(krj_buf_t *out, const uint8_t *in, size_t len,
    int final);
static int krj_deflate_chunk(void *arg, size_t i);
static void krj_gzip_le32(uint8_t *p, uint32_t v);
static int krj_deflate_walk(const uint8_t *p, size_t n, const uint8_t *in,
    size_t len, size_t *last, size_t *end);
static int krj_deflate_zlib(krj_buf_t *out, const uint8_t *in, size_t len);


static unsigned long  krj_deflate_zlib_parts;


int
krj_gzip(krj_buf_t *out, const uint8_t *in, size_t len)
{
    int          rc;
    krj_gzip_t   gz;

    gz.small = NULL;

    rc = krj_gzip_next(&gz, out, in, len);

    libdeflate_free_compressor(gz.small);

    return rc;
}


krj_gzip_t *
krj_gzip_create(void)
{
    /* the compressor comes with the first small body */
    return calloc(1, sizeof(krj_gzip_t));
}


/*
 * The header is written here, not by libdeflate_gzip_compress(), whose
 * XFL and OS bytes follow the level: the dashboard's pages start with
 * KRJ_GZIP_HEADER too, and equal input keeps giving equal bytes.
 */

int
krj_gzip_next(krj_gzip_t *gz, krj_buf_t *out, const uint8_t *in, size_t len)
{
    uint8_t  trailer[8];

    krj_buf_append(out, KRJ_GZIP_HEADER, KRJ_GZIP_HEADER_LEN);

    if (len >= KRJ_GZIP_LARGE) {
        if (krj_deflate_chunks(out, in, len, 1) != 0) {
            return -1;
        }

    } else {
        if (gz->small == NULL) {
            gz->small = libdeflate_alloc_compressor(KRJ_GZIP_LEVEL_SMALL);
            if (gz->small == NULL) {
                return -1;
            }
        }

        if (krj_deflate_one(out, gz->small, in, len, 1) != 0) {
            return -1;
        }
    }

    krj_gzip_le32(trailer, krj_crc32(in, len));
    krj_gzip_le32(trailer + 4, (uint32_t) len);   /* ISIZE: len mod 2^32 */
    krj_buf_append(out, trailer, sizeof(trailer));

    return out->failed ? -1 : 0;
}


void
krj_gzip_destroy(krj_gzip_t *gz)
{
    if (gz != NULL) {
        libdeflate_free_compressor(gz->small);
        free(gz);
    }
}


static void
krj_gzip_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t) v;
    p[1] = (uint8_t) (v >> 8);
    p[2] = (uint8_t) (v >> 16);
    p[3] = (uint8_t) (v >> 24);
}


/*
 * A raw deflate stream (RFC 1951) of its own: nothing in it refers to
 * bytes before it, so it can follow any other blocks.  Not final, it ends
 * with a sync flush on a byte boundary, where a stored block or another
 * stream may follow; final, its last block ends the deflate data.
 *
 * libdeflate only writes final streams.  A non-final one is made of it
 * the way zlib's examples/gzappend.c does: inflate() with Z_BLOCK walks
 * the blocks (and checks that they give back in[]), which tells the bit
 * where the last one starts, whose BFINAL is cleared, and the bit where
 * it ends, behind which the empty stored block of a sync flush goes.  If
 * the walk finds anything else, zlib compresses the part instead.
 */

int
krj_deflate_part(krj_buf_t *out, const uint8_t *in, size_t len, int final)
{
    int                            rc;
    struct libdeflate_compressor  *c;

    if (len >= KRJ_GZIP_LARGE) {
        return krj_deflate_chunks(out, in, len, final);
    }

    c = libdeflate_alloc_compressor(KRJ_GZIP_LEVEL_SMALL);
    if (c == NULL) {
        return -1;
    }

    rc = krj_deflate_one(out, c, in, len, final);

    libdeflate_free_compressor(c);

    return rc;
}


/* in[0..len) in pieces of KRJ_GZIP_CHUNK, each an open stream but the last */

static int
krj_deflate_chunks(krj_buf_t *out, const uint8_t *in, size_t len, int final)
{
    int                    rc;
    size_t                 i, n;
    krj_deflate_chunks_t   job;

    n = (len + KRJ_GZIP_CHUNK - 1) / KRJ_GZIP_CHUNK;

    job.in = in;
    job.len = len;
    job.final = final;
    job.parts = calloc(n, sizeof(krj_buf_t));

    if (job.parts == NULL) {
        return -1;
    }

    rc = krj_threads_run(n, krj_deflate_chunk, &job);

    for (i = 0; i < n; i++) {
        if (rc == 0) {
            krj_buf_append(out, job.parts[i].data, job.parts[i].len);
        }

        krj_buf_free(&job.parts[i]);
    }

    free(job.parts);

    return (rc == 0 && !out->failed) ? 0 : -1;
}


static int
krj_deflate_chunk(void *arg, size_t i)
{
    int                            rc;
    size_t                         off, len;
    krj_deflate_chunks_t          *job = arg;
    struct libdeflate_compressor  *c;

    off = i * KRJ_GZIP_CHUNK;
    len = job->len - off < KRJ_GZIP_CHUNK ? job->len - off : KRJ_GZIP_CHUNK;

    c = libdeflate_alloc_compressor(KRJ_GZIP_LEVEL_LARGE);
    if (c == NULL) {
        return -1;
    }

    krj_buf_init(&job->parts[i]);

    rc = krj_deflate_one(&job->parts[i], c, job->in + off, len,
                         job->final && off + len == job->len);

    libdeflate_free_compressor(c);

    return rc;
}


/* one stream; in must not be in out, which may move */

static int
krj_deflate_one(krj_buf_t *out, struct libdeflate_compressor *c,
    const uint8_t *in, size_t len, int final)
{
    size_t    bound, n, last, end;
    uint8_t  *p;

    /* and the 6 bytes of a sync flush's tail */
    bound = libdeflate_deflate_compress_bound(c, len);

    if (bound > SIZE_MAX - 6 || krj_buf_grow(out, bound + 6) != 0) {
        return -1;
    }

    p = out->data + out->len;

    /* the bound is enough: 0 here is a failure, never "too small" */
    n = libdeflate_deflate_compress(c, in, len, p, bound);
    if (n == 0) {
        return -1;
    }

    if (final) {
        out->len += n;
        return 0;
    }

    if (krj_deflate_walk(p, n, in, len, &last, &end) != 0) {
        __atomic_fetch_add(&krj_deflate_zlib_parts, 1, __ATOMIC_RELAXED);
        return krj_deflate_zlib(out, in, len);
    }

    p[last / 8] &= (uint8_t) ~(1u << (last % 8));

    /* the bits after the end of the last block: zero, BFINAL 0, stored */
    if (end % 8) {
        p[end / 8] &= (uint8_t) ((1u << (end % 8)) - 1);
    }

    n = (end + 7) / 8;

    /* the 3 header bits fit in the last byte's free bits, or need one */
    if (end % 8 == 0 || end % 8 > 5) {
        p[n++] = 0;
    }

    memcpy(p + n, "\x00\x00\xff\xff", 4);
    out->len += n + 4;

    return 0;
}


/*
 * Decodes the n bytes of p, a final raw deflate stream, checks that they
 * are in[0..len) and nothing after, and gives the bit offsets (LSB first)
 * of its last block's header and of its end.
 */

static int
krj_deflate_walk(const uint8_t *p, size_t n, const uint8_t *in, size_t len,
    size_t *last, size_t *end)
{
    int        rc, zrc, seen;
    size_t     got, k;
    uint8_t    buf[16384];
    z_stream   zs;

    zs.zalloc = Z_NULL;
    zs.zfree = Z_NULL;
    zs.opaque = Z_NULL;
    zs.next_in = (Bytef *) p;
    zs.avail_in = 0;

    if ((uInt) n != n || inflateInit2(&zs, -15) != Z_OK) {
        return -1;
    }

    rc = -1;
    got = 0;
    seen = 0;
    *last = 0;
    zs.avail_in = (uInt) n;

    for ( ;; ) {
        zs.next_out = buf;
        zs.avail_out = sizeof(buf);

        zrc = inflate(&zs, Z_BLOCK);

        if (zrc != Z_OK && zrc != Z_STREAM_END) {
            goto cleanup;
        }

        k = sizeof(buf) - zs.avail_out;

        if (k > len - got || memcmp(buf, in + got, k) != 0) {
            goto cleanup;
        }

        got += k;

        if (zrc == Z_STREAM_END) {
            break;
        }

        /*
         * Between blocks (inflate() stops there after the last one too,
         * before Z_STREAM_END drops the padding bits): the next header,
         * or the end, is at this bit.  Without progress it says
         * Z_BUF_ERROR: the loop ends.
         */
        if (zs.data_type & 128) {
            if (zs.data_type & 64) {
                *end = (size_t) zs.total_in * 8 - (zs.data_type & 7);
                seen = 1;

            } else {
                *last = (size_t) zs.total_in * 8 - (zs.data_type & 7);
            }
        }
    }

    if (got != len || zs.avail_in != 0 || !seen) {
        goto cleanup;
    }

    rc = 0;

cleanup:

    inflateEnd(&zs);

    return rc;
}


/* the zlib way of krj_deflate_part() for a part that is not final */

static int
krj_deflate_zlib(krj_buf_t *out, const uint8_t *in, size_t len)
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

    if (deflate(&zs, Z_SYNC_FLUSH) != Z_OK || zs.avail_in != 0
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


unsigned long
krj_deflate_fallbacks(void)
{
    return __atomic_load_n(&krj_deflate_zlib_parts, __ATOMIC_RELAXED);
}


uint32_t
krj_crc32(const uint8_t *p, size_t len)
{
    /* libdeflate's takes a size_t: no 1 GiB steps as zlib's uInt needs */
    return libdeflate_crc32(0, p, len);
}


uint32_t
krj_crc32_shift(size_t len)
{
    return (uint32_t) crc32_combine_gen((z_off_t) len);
}


/*
 * A body of the snapshot being written, gzipped into it: into a buffer of
 * its own first, which leaves out where it is while the threads read the
 * body, and tells how long the gzip is before it is placed.
 */
int
krj_snap_gzip(krj_buf_t *out, krj_snap_ref_t body, krj_snap_ref_t *gz)
{
    int        rc;
    krj_buf_t  tmp;

    krj_buf_init(&tmp);

    rc = -1;

    if (!out->failed
        && krj_gzip(&tmp, out->data ? out->data + body.off
                                    : (const uint8_t *) "",
                    body.len)
           == 0)
    {
        krj_snap_body_start(out, tmp.len);
        *gz = krj_snap_str(out, (const char *) tmp.data, tmp.len);
        rc = out->failed ? -1 : 0;
    }

    krj_buf_free(&tmp);

    return rc;
}
