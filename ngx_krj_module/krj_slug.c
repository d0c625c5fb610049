
/*
 * Copyright (C) The krj developers
 */


/*
 * Both lookups scan the categories.  There is one category per weekly
 * file (six today, tens at most), a scan costs less than parsing the
 * request line, and only requests whose slug is not exact get here: the
 * exact lookup every good request takes stays krj_snap_find_category()'s
 * binary search.  A case-insensitive index in the snapshot would buy
 * nothing at this size.
 */


#include "krj_slug.h"
#include "krj_str.h"


/* a normalized slug; a file name is at most 255 bytes */
#define KRJ_SLUG_NORM_MAX  256


static size_t krj_slug_norm(const char *s, size_t len, char *out);
static char krj_slug_lower(char c);


const krj_snap_category_t *
krj_slug_find_nocase(const krj_snap_t *snap, const char *s, size_t len)
{
    uint32_t                    i;
    const krj_snap_category_t  *cat;

    if (snap->hdr == NULL) {
        return NULL;
    }

    for (i = 0; i < snap->hdr->ncategories; i++) {
        cat = &snap->categories[i];

        if (krj_strcaseeq(krj_snap_ptr(snap, cat->slug), cat->slug.len, s,
                          len))
        {
            return cat;
        }
    }

    return NULL;
}


const krj_snap_category_t *
krj_slug_suggest(const krj_snap_t *snap, const char *s, size_t len)
{
    char                        want[KRJ_SLUG_NORM_MAX];
    char                        have[KRJ_SLUG_NORM_MAX];
    size_t                      n, m, k;
    uint32_t                    i, nsame, nprefix;
    const krj_snap_category_t  *cat, *same, *prefix;

    if (snap->hdr == NULL) {
        return NULL;
    }

    n = krj_slug_norm(s, len, want);

    if (n == 0 || n > KRJ_SLUG_NORM_MAX) {
        return NULL;
    }

    same = NULL;
    prefix = NULL;
    nsame = 0;
    nprefix = 0;

    for (i = 0; i < snap->hdr->ncategories; i++) {
        cat = &snap->categories[i];

        m = krj_slug_norm(krj_snap_ptr(snap, cat->slug), cat->slug.len,
                          have);

        if (m < n || m > KRJ_SLUG_NORM_MAX) {
            continue;
        }

        for (k = 0; k < n && want[k] == have[k]; k++) { /* void */ }

        if (k < n) {
            continue;
        }

        if (m == n) {
            same = cat;
            nsame++;

        } else {
            prefix = cat;
            nprefix++;
        }
    }

    if (nsame) {
        return (nsame == 1) ? same : NULL;
    }

    return (nprefix == 1) ? prefix : NULL;
}


/*
 * Lower case, without '_' and '-', "_and_" read as one separator (the
 * slug rule turns ETFs_and_FX into etfs_fx): "ETFs-and-FX", "etfs_fx" and
 * "ETFSFX" all become "etfsfx".  Returns the length, or more than
 * KRJ_SLUG_NORM_MAX when it would not fit.
 */

static size_t
krj_slug_norm(const char *s, size_t len, char *out)
{
    char    c;
    size_t  i, n;

    n = 0;

    for (i = 0; i < len; i++) {
        c = krj_slug_lower(s[i]);

        if (c == '_' || c == '-') {

            if (len - i > 4
                && krj_slug_lower(s[i + 1]) == 'a'
                && krj_slug_lower(s[i + 2]) == 'n'
                && krj_slug_lower(s[i + 3]) == 'd'
                && (s[i + 4] == '_' || s[i + 4] == '-'))
            {
                i += 3;
            }

            continue;
        }

        if (n == KRJ_SLUG_NORM_MAX) {
            return KRJ_SLUG_NORM_MAX + 1;
        }

        out[n++] = c;
    }

    return n;
}


static char
krj_slug_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char) (c | 0x20) : c;
}
