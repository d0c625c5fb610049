
/*
 * Copyright (C) The krj developers
 */


#include "krj_encoding.h"
#include "krj_str.h"


/*
 * RFC 9110 section 12.5.3: "gzip" or "x-gzip" with q > 0, or "*" with
 * q > 0 when gzip is not named.  A q of 0, 0.0, 0.00 or 0.000 refuses.
 */

int
krj_accept_gzip(const char *p, size_t len)
{
    int          star, gzip, q;
    const char  *end, *tok, *tend, *s;

    star = -1;
    gzip = -1;
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
        q = 1;

        /* parameters: only q matters */

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
                s = p + 2;

                if (s < end && *s == '0') {
                    s++;

                    if (s < end && *s == '.') {
                        s++;

                        while (s < end && *s == '0') {
                            s++;
                        }
                    }

                    q = (s < end && *s >= '1' && *s <= '9');

                } else if (s < end && *s == '1') {
                    q = 1;

                } else {
                    q = 0;
                }

                p = s;
            }
        }

        if (krj_strcaseeq(tok, tend - tok, "gzip", 4)
            || krj_strcaseeq(tok, tend - tok, "x-gzip", 6))
        {
            if (gzip != 1) {
                gzip = q;
            }

        } else if (tend - tok == 1 && *tok == '*') {
            star = q;
        }
    }

    if (gzip != -1) {
        return gzip;
    }

    return star == 1;
}
