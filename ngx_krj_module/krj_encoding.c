
/*
 * Copyright (C) The krj developers
 */


/*
 * Accept-Encoding, RFC 9110 section 12.5.3:
 *
 *     Accept-Encoding  = #( codings [ weight ] )
 *     codings          = content-coding / "identity" / "*"
 *     weight           = OWS ";" OWS "q=" qvalue
 *     qvalue           = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
 *
 * Ties go to the server's preference, the order of KRJ_ENC_*: br, then
 * zstd, then gzip, then identity.  The bodies are compressed once a week,
 * so what is left to choose on is the bytes sent: br is the smallest on
 * JSON and CSV, zstd next (and the fastest to decompress), gzip what
 * every client has.
 */


#include "krj_encoding.h"
#include "krj_str.h"


static int krj_accept_qvalue(const char *p, const char *end);
static int krj_accept_coding(const char *p, size_t len);


void
krj_accept_init(krj_accept_t *a)
{
    int  e;

    for (e = 0; e < KRJ_ENC_N; e++) {
        a->q[e] = KRJ_ENC_UNSET;
    }

    a->star = KRJ_ENC_UNSET;
}


void
krj_accept_parse(krj_accept_t *a, const char *p, size_t len)
{
    int          q, e, *slot;
    const char  *end, *tok, *tend, *v;

    end = p + len;

    while (p < end) {

        while (p < end && (*p == ' ' || *p == '\t' || *p == ',')) {
            p++;
        }

        tok = p;

        while (p < end && *p != ',' && *p != ';' && *p != ' '
               && *p != '\t')
        {
            p++;
        }

        tend = p;
        q = KRJ_ENC_QMAX;

        /* parameters: only q matters, the last one given */

        while (p < end && *p != ',') {
            if (*p != ';') {
                p++;
                continue;
            }

            p++;

            while (p < end && (*p == ' ' || *p == '\t')) {
                p++;
            }

            if (end - p >= 2 && (p[0] | 0x20) == 'q' && p[1] == '=') {
                v = p + 2;

                for (p = v; p < end && *p != ',' && *p != ';' && *p != ' '
                            && *p != '\t'; p++)
                {
                    /* void */
                }

                q = krj_accept_qvalue(v, p);
            }
        }

        if (tend == tok) {
            continue;
        }

        if (tend - tok == 1 && *tok == '*') {
            slot = &a->star;

        } else {
            e = krj_accept_coding(tok, tend - tok);
            if (e < 0) {
                continue;
            }

            slot = &a->q[e];
        }

        if (q > *slot) {
            *slot = q;
        }
    }
}


int
krj_accept_q(const krj_accept_t *a, int enc)
{
    if (a->q[enc] != KRJ_ENC_UNSET) {
        return a->q[enc];
    }

    if (a->star != KRJ_ENC_UNSET) {
        return a->star;
    }

    /*
     * identity named by nobody: acceptable, as RFC 9110 has it, but after
     * any coding the client did name
     */

    return (enc == KRJ_ENC_IDENTITY) ? KRJ_ENC_QMIN : 0;
}


int
krj_accept_choose(const krj_accept_t *a, unsigned offered)
{
    int  e, q, best, best_q;

    best = KRJ_ENC_IDENTITY;
    best_q = krj_accept_q(a, KRJ_ENC_IDENTITY);

    for (e = KRJ_ENC_IDENTITY + 1; e < KRJ_ENC_N; e++) {
        if (!(offered & krj_enc_bit(e))) {
            continue;
        }

        q = krj_accept_q(a, e);

        /* later codings are preferred: an equal q moves to them */

        if (q > 0 && q >= best_q) {
            best = e;
            best_q = q;
        }
    }

    return best;
}


/* thousandths, or 0 for what is not a qvalue */

static int
krj_accept_qvalue(const char *p, const char *end)
{
    int  q, digits;

    if (p == end || (*p != '0' && *p != '1')) {
        return 0;
    }

    q = (*p++ - '0') * KRJ_ENC_QMAX;

    if (p == end) {
        return q;
    }

    if (*p++ != '.') {
        return 0;
    }

    for (digits = 0; p < end; p++, digits++) {
        if (digits == 3 || *p < '0' || *p > '9') {
            return 0;
        }

        q += (*p - '0') * (digits == 0 ? 100 : digits == 1 ? 10 : 1);
    }

    return q > KRJ_ENC_QMAX ? 0 : q;
}


static int
krj_accept_coding(const char *p, size_t len)
{
    if (krj_strcaseeq(p, len, "gzip", 4)
        || krj_strcaseeq(p, len, "x-gzip", 6))
    {
        return KRJ_ENC_GZIP;
    }

    if (krj_strcaseeq(p, len, "br", 2)) {
        return KRJ_ENC_BR;
    }

    if (krj_strcaseeq(p, len, "zstd", 4)) {
        return KRJ_ENC_ZSTD;
    }

    if (krj_strcaseeq(p, len, "identity", 8)) {
        return KRJ_ENC_IDENTITY;
    }

    return -1;
}
