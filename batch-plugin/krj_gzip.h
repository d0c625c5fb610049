
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_GZIP_H_INCLUDED_
#define _KRJ_GZIP_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "krj_buf.h"


/*
 * Appends the gzip (RFC 1952; libdeflate, level 12 under 1 MiB, from there
 * level 6 in streams of 1 MiB compressed in parallel, krj_threads.h) of
 * in[0..len) to out; in must not be in out.  The header carries no name
 * and no time, so equal input gives equal bytes, whatever the threads.
 */
int krj_gzip(krj_buf_t *out, const uint8_t *in, size_t len);

/*
 * One compressor for many bodies, as the history's: the bytes of
 * krj_gzip(), without a new compressor (about 1 MB at level 12) for each.
 * One a thread: it is not shared.
 */
typedef struct krj_gzip_s  krj_gzip_t;

krj_gzip_t *krj_gzip_create(void);
int krj_gzip_next(krj_gzip_t *gz, krj_buf_t *out, const uint8_t *in,
    size_t len);
void krj_gzip_destroy(krj_gzip_t *gz);


/*
 * From this length on a body is compressed in parallel streams of this
 * length, at a faster level: its parts can be shared
 */
#define KRJ_GZIP_LARGE          (1024 * 1024)

/* the 10 bytes before deflate data that krj_gzip() writes too */
#define KRJ_GZIP_HEADER         "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03"
#define KRJ_GZIP_HEADER_LEN     10

/*
 * Appends in[0..len) as a raw deflate stream of its own (libdeflate, as
 * krj_gzip()): final, the end of the deflate data; else flushed to a byte
 * boundary, so that the caller can put other blocks after it
 * (krj_snapshot.h's pages).
 */
int krj_deflate_part(krj_buf_t *out, const uint8_t *in, size_t len,
    int final);

/*
 * How many open parts the inflate walk refused, so that zlib compressed
 * them (none is expected: the tests check)
 */
unsigned long krj_deflate_fallbacks(void);

/* CRC-32 of gzip's trailer */
uint32_t krj_crc32(const uint8_t *p, size_t len);

/*
 * The operator that appends len bytes to a CRC-32 (zlib's
 * crc32_combine_gen()): stored with a span, it spares the module the
 * logarithmic part of combining CRCs on every request.
 */
uint32_t krj_crc32_shift(size_t len);


#endif /* _KRJ_GZIP_H_INCLUDED_ */
