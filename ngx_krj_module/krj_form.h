
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_FORM_H_INCLUDED_
#define _KRJ_FORM_H_INCLUDED_


#include <stddef.h>

#include "krj_str.h"


/* the messages krj_form_next() writes */
#define KRJ_FORM_ERRLEN         256


/*
 * Percent-decodes [p, p + len) into dst (len + 1 bytes), NUL-terminated,
 * the API's way: "+" stays "+"; a malformed escape or a NUL byte is -1.
 */
int krj_form_percent(const char *p, size_t len, char *dst, size_t *n);

/*
 * The next pair of an API query from *p (up to end), decoded by
 * krj_form_percent() into buf (room for the pair and two NULs): name and
 * value NUL-terminated.  Returns 1 with a pair, 0 at the end, -1 with a
 * message in err (KRJ_FORM_ERRLEN bytes) for a pair without "=" or a
 * malformed escape.  Empty pairs are skipped.
 */
int krj_form_pair(const char **p, const char *end, char *buf,
    krj_str_t *name, krj_str_t *value, char *err);

/* krj_form_next() flags */
#define KRJ_FORM_TRIM           0x01    /* a query's values */
#define KRJ_FORM_RAW            0x00    /* a password is what it is */

/*
 * The next pair of a form-encoded query from *p (up to end), decoded into
 * buf (room for the pair and two NULs): name and value NUL-terminated,
 * trimmed with KRJ_FORM_TRIM, the value empty when the pair has no "=".
 * Returns 1 with a pair, 0 at the end, -1 with a message in err
 * (KRJ_FORM_ERRLEN bytes) for a NUL byte or text that is not UTF-8.
 */
int krj_form_next(const char **p, const char *end, char *buf,
    krj_str_t *name, krj_str_t *value, char *err, unsigned flags);

/* ASCII white space, as a form's values are trimmed of it */
int krj_form_space(char c);

/* the value of a hex digit, -1 for any other character */
int krj_form_hex(char c);


#endif /* _KRJ_FORM_H_INCLUDED_ */
