
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_HTML_H_INCLUDED_
#define _KRJ_HTML_H_INCLUDED_


/*
 * The small text transformations of the dashboard's pages
 * (dashboard/MARKUP.md): HTML escaping, query values in URLs, the date
 * and the data age as shown, ranks in base 36.  krj-batch uses them to
 * pre-render, the module for the few values of a request (a user name, a
 * ticker typed into the search box).  Plain C, nothing of nginx, no libc
 * formatting.
 */


#include <stddef.h>
#include <stdint.h>

#include "krj_out.h"


/* "Dec 12, 2026", and a NUL */
#define KRJ_HTML_DATE_LEN   13

/* "18446744073709551615 minutes ago", and a NUL */
#define KRJ_HTML_AGE_LEN    40


/*
 * The one escaping rule of the pages, for text and attribute values alike:
 * & < > " as entities, nothing else.  A byte that does not belong to a
 * valid UTF-8 sequence becomes U+FFFD, so the page stays UTF-8 whatever a
 * client sent.  Writes into out (NULL measures); returns the length.
 */
size_t krj_html_escape(char *out, const char *p, size_t len);

void krj_out_html(krj_out_t *o, const char *s, size_t len);

/*
 * A query value as the pages write URLs: every byte but A-Z a-z 0-9 - _ .
 * ~ and "," as %XX (encodeURIComponent, with ! ' ( ) * encoded too, and
 * the list separator kept).  The result needs no HTML escaping.
 */
void krj_out_query(krj_out_t *o, const char *s, size_t len);

/* a file name date "2026-01-09" as "Jan 9, 2026"; returns the length */
size_t krj_html_date(char *buf, const char *iso, size_t len);

/*
 * seconds since publication as the header says it: "just now" under a
 * minute, then "N minute(s) ago", "N hour(s) ago", "N day(s) ago", floored
 */
size_t krj_html_age(char *buf, int64_t seconds);

/* v in exactly width base-36 digits (0-9a-z), the high ones first */
void krj_out_base36(krj_out_t *o, uint64_t v, unsigned width);

/* the number of UTF-8 characters in valid UTF-8 text */
size_t krj_html_chars(const char *p, size_t len);

/* the length of the first n characters of valid UTF-8 text */
size_t krj_html_prefix(const char *p, size_t len, size_t n);


#endif /* _KRJ_HTML_H_INCLUDED_ */
