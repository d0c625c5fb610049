
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_GZIP_H_INCLUDED_
#define _KRJ_GZIP_H_INCLUDED_


#include <stddef.h>
#include <stdint.h>

#include "krj_buf.h"


/*
 * Appends the gzip (RFC 1952, level 9) of in[0..len) to out.  The header
 * carries no name and no time, so equal input gives equal bytes.
 */
int krj_gzip(krj_buf_t *out, const uint8_t *in, size_t len);

/*
 * One compressor for many bodies, as the history's: the bytes of
 * krj_gzip(), without a new deflate state (some 400 KB) for each.
 */
typedef struct krj_gzip_s  krj_gzip_t;

krj_gzip_t *krj_gzip_create(void);
int krj_gzip_next(krj_gzip_t *gz, krj_buf_t *out, const uint8_t *in,
    size_t len);
void krj_gzip_destroy(krj_gzip_t *gz);


#endif /* _KRJ_GZIP_H_INCLUDED_ */
