
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_PRINCIPAL_H_INCLUDED_
#define _KRJ_PRINCIPAL_H_INCLUDED_


#include <stddef.h>

#include "krj_date.h"


/*
 * The two files the module reads to know its principals, parsed one line
 * at a time:
 *
 *   key file:   id:sha256:HEX64:scopes[:name=value,...]
 *   user file:  user:hash[:scopes]
 *
 * Lines end with '\n'; one '\r' before it is dropped (CRLF files).  A line
 * whose first byte is '#' is a comment; a line of only spaces, tabs and
 * carriage returns is blank.  Both are KRJ_LINE_SKIP.  Dates are those of
 * krj_date.h, 1970 to 9999.
 */

#define KRJ_PRINCIPAL_ERRLEN    160

/* a key or user file larger than this is refused whole, by both programs */
#define KRJ_PRINCIPAL_FILE_MAX  (16 * 1024 * 1024)

#define KRJ_NAME_MAX            64

#define KRJ_KEY_PREFIX          "krj_"
#define KRJ_KEY_RANDOM_BYTES    32
/* "krj_" and 32 bytes in base64url without padding */
#define KRJ_KEY_LEN             (4 + 43)

#define KRJ_DIGEST_PREFIX       "sha256:"
#define KRJ_DIGEST_LEN          (7 + 64)

/* the largest N of a rate=Nr/s or Nr/m option */
#define KRJ_RATE_MAX            1000000

#define KRJ_NAME_KEY            0       /* [A-Za-z0-9_.-]{1,64} */
#define KRJ_NAME_USER           1       /* the same and '@' */

#define KRJ_LINE_BAD            -1
#define KRJ_LINE_SKIP           0       /* comment or blank */
#define KRJ_LINE_ENTRY          1


typedef struct {
    const char     *data;
    size_t          len;
} krj_span_t;


typedef struct {
    krj_span_t      id;
    krj_span_t      digest;             /* "sha256:" and 64 hex digits */
    krj_span_t      scopes;
    krj_span_t      options;            /* len 0: none */
    unsigned        rate;               /* 0: none */
    char            rate_unit;          /* 's' or 'm' */
    long            expires;            /* days since 1970-01-01, -1: none */
    long            created;            /* the same */
    long            revoked;            /* the same: refused from then */
} krj_key_entry_t;


typedef struct {
    krj_span_t      name;
    krj_span_t      hash;
    krj_span_t      scopes;             /* len 0: not given, that is "*" */
    const char     *scheme;             /* "bcrypt", "sha512-crypt", ... */
} krj_user_entry_t;


/*
 * Lines without their '\n'.  Each returns KRJ_LINE_ENTRY with *e filled
 * in (spans point into the line), KRJ_LINE_SKIP, or KRJ_LINE_BAD with the
 * reason in err (KRJ_PRINCIPAL_ERRLEN bytes).
 */
int krj_key_line_parse(const char *p, size_t len, krj_key_entry_t *e,
    char *err);
int krj_user_line_parse(const char *p, size_t len, krj_user_entry_t *e,
    char *err);

/* the first field of a line that is not a comment or blank, for lines
 * that fail to parse but still name a principal */
krj_span_t krj_line_name(const char *p, size_t len);

/* validators: 0 valid, -1 with the reason in err */
int krj_name_check(const char *p, size_t len, int kind, char *err);
int krj_scopes_check(const char *p, size_t len, char *err);
int krj_rate_parse(const char *p, size_t len, unsigned *rate, char *unit,
    char *err);

/*
 * The relative cost of verifying a password against a hash the grammar
 * accepted, so that an unknown user can be made to cost what the costliest
 * known one does.
 */
unsigned long krj_hash_cost(const char *p, size_t len);


#endif /* _KRJ_PRINCIPAL_H_INCLUDED_ */
