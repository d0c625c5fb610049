
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_ENCODING_H_INCLUDED_
#define _KRJ_ENCODING_H_INCLUDED_


/*
 * Content negotiation of the pre-compressed bodies (RFC 9110 section
 * 12.5.3): what each coding's q is after one or more Accept-Encoding
 * values, and which of the codings a body has to send.  Plain C, for the
 * module, the unit tests and the fuzzer.
 */


#include <stddef.h>


/* the codings krj knows, in the server's order of preference, last best */
#define KRJ_ENC_IDENTITY        0
#define KRJ_ENC_GZIP            1
#define KRJ_ENC_ZSTD            2
#define KRJ_ENC_BR              3
#define KRJ_ENC_N               4

#define krj_enc_bit(e)          (1u << (e))

/* q-values in thousandths: 1000 is q=1, 1 the least above refusal */
#define KRJ_ENC_QMAX            1000
#define KRJ_ENC_QMIN            1

/* krj_accept_t.q and .star: the value does not name it */
#define KRJ_ENC_UNSET           -1


typedef struct {
    int         q[KRJ_ENC_N];           /* or KRJ_ENC_UNSET */
    int         star;                   /* "*", or KRJ_ENC_UNSET */
} krj_accept_t;


void krj_accept_init(krj_accept_t *a);

/*
 * Adds one Accept-Encoding value: several fields are one list.  A coding
 * named twice keeps its highest q; a q that is not an RFC 9110 qvalue
 * (0 to 1, at most three decimals) counts as q=0.
 */
void krj_accept_parse(krj_accept_t *a, const char *p, size_t len);

/*
 * A coding's q after the values: as named, else "*"'s; identity named by
 * neither is acceptable but after every coding named (KRJ_ENC_QMIN), any
 * other coding is refused (0).  No value at all (no field): identity.
 */
int krj_accept_q(const krj_accept_t *a, int enc);

/*
 * Of the codings offered (krj_enc_bit()s; identity is always available),
 * the one with the highest q above 0; ties go to the server's preference,
 * the smaller body (br, zstd, gzip, identity; see krj_encoding.c).  When
 * none is acceptable, identity: an answer the client may refuse is more
 * use than a 406 for data that is the same in every coding.
 */
int krj_accept_choose(const krj_accept_t *a, unsigned offered);


#endif /* _KRJ_ENCODING_H_INCLUDED_ */
