
/*
 * Copyright (C) The krj developers
 */


/*
 * The error codes and messages of the query parser (krj_query.c):
 * written by krj_out, digit by digit, since they are written for a
 * request, and cut so that a long query cannot fill them.
 */


#include "krj_out.h"
#include "krj_query.h"


static void krj_query_message(krj_out_t *o, const char *fmt,
    const char *name, const char *value, size_t vlen);


const char *
krj_query_code(int error)
{
    switch (error) {

    case KRJ_QUERY_UNKNOWN_PARAMETER:
        return "unknown_parameter";

    case KRJ_QUERY_UNKNOWN_COLUMN:
        return "unknown_column";

    case KRJ_QUERY_OVER_BOUND:
        return "over_bound";

    default: /* KRJ_QUERY_BAD_PARAMETER */
        return "bad_parameter";
    }
}


/* over a bound of the server: which, and the directive that sets it */

int
krj_query_over(krj_query_t *q, const char *name, const char *directive,
    uint64_t max, uint64_t got)
{
    krj_out_t  o;

    q->error = KRJ_QUERY_OVER_BOUND;

    /* a name and a directive of krj_query.c: short enough */

    krj_out_init(&o, q->err);
    krj_out_fmt(&o, "\"%s\" is at most %U on this server (%s), not %U",
                name, max, directive, got);
    q->err[o.len] = '\0';

    return q->error;
}


/*
 * fmt takes an optional "%s" (name) and then an optional "%r" (value);
 * the value is cut so that a long query cannot fill the message.  krj_out
 * formats, not libc: this is the request path.
 */

int
krj_query_error(krj_query_t *q, int code, const char *fmt, const char *name,
    const char *value, size_t vlen)
{
    char       *p;
    krj_out_t   o;

    vlen = vlen > 64 ? 64 : vlen;

    q->error = code;

    /* measured first; the formats of krj_query.c all fit */

    krj_out_init(&o, NULL);
    krj_query_message(&o, fmt, name, value, vlen);

    if (o.len >= KRJ_QUERY_ERRLEN) {
        fmt = "bad query";
        name = NULL;
        value = NULL;
    }

    krj_out_init(&o, q->err);
    krj_query_message(&o, fmt, name, value, vlen);
    q->err[o.len] = '\0';

    /* the message quotes the client: keep it printable ASCII */

    for (p = q->err; *p; p++) {
        if ((unsigned char) *p < 0x20 || (unsigned char) *p > 0x7e) {
            *p = '?';
        }
    }

    return code;
}


static void
krj_query_message(krj_out_t *o, const char *fmt, const char *name,
    const char *value, size_t vlen)
{
    if (name != NULL && value != NULL) {
        krj_out_fmt(o, fmt, name, value, vlen);

    } else if (name != NULL) {
        krj_out_fmt(o, fmt, name);

    } else if (value != NULL) {
        krj_out_fmt(o, fmt, value, vlen);

    } else {
        krj_out_str(o, fmt);
    }
}
