
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_SLUG_H_INCLUDED_
#define _KRJ_SLUG_H_INCLUDED_


/*
 * Category slugs as clients type them.  A slug is exact in the snapshot
 * (lower case, found by krj_snap_find_category()); these find the
 * category a request meant when it is not: SP500 for sp500 (answered
 * with a redirect to the one canonical URL), sp5 or etfs-fx (named in the
 * 404).  Plain C, nothing of nginx.
 */


#include <stddef.h>

#include "krj_snapshot.h"


/* the category whose slug equals s ignoring ASCII case, or NULL */
const krj_snap_category_t *krj_slug_find_nocase(const krj_snap_t *snap,
    const char *s, size_t len);

/*
 * The one category that s probably meant: the same letters and digits
 * ignoring case, '_' and '-' (and "_and_" read as "_", as slugs are made
 * from file names), or else a unique prefix of them.  NULL when nothing
 * is close, or more than one category is.
 */
const krj_snap_category_t *krj_slug_suggest(const krj_snap_t *snap,
    const char *s, size_t len);


#endif /* _KRJ_SLUG_H_INCLUDED_ */
