
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_ENCODING_H_INCLUDED_
#define _KRJ_ENCODING_H_INCLUDED_


/*
 * Content negotiation of the pre-compressed bodies: which encoding an
 * Accept-Encoding value accepts.  Plain C, for the module, the unit tests
 * and the fuzzer.
 */


#include <stddef.h>


/* 1 when an Accept-Encoding value accepts gzip (q > 0), else 0 */
int krj_accept_gzip(const char *p, size_t len);


#endif /* _KRJ_ENCODING_H_INCLUDED_ */
