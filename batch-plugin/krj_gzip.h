
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


#endif /* _KRJ_GZIP_H_INCLUDED_ */
