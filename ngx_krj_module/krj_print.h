
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_PRINT_H_INCLUDED_
#define _KRJ_PRINT_H_INCLUDED_


/*
 * The dashboard's print view (dashboard/MARKUP.md "Print view"): its
 * parameters, read as a form, and its page.  Plain C, nothing of nginx.
 */


#include <stddef.h>
#include <stdint.h>

#include "krj_query.h"
#include "krj_snapshot.h"


typedef struct {
    uint32_t                   *groups;     /* category indexes, tab order */
    uint32_t                    ngroups;
    krj_str_t                  *fields;     /* names; NULL: every column */
    uint32_t                    nfields;
    unsigned                    ls;         /* Long, then Short rows only */
    int                         error;      /* KRJ_QUERY_* */
    char                        err[KRJ_QUERY_ERRLEN];
} krj_print_t;


/*
 * groups=a,b (repeatable; default: every readable category), ls=1 or 0,
 * fields=c1,c2 (repeatable; names a group does not have are ignored).
 * A slug that is unknown or that visible refuses is a bad parameter.
 * Returns KRJ_QUERY_OK or an error code with a message in p->err.
 */
int krj_print_parse(krj_print_t *p, const krj_snap_t *snap, const char *args,
    size_t len, krj_visible_pt visible, void *vdata, krj_alloc_pt alloc,
    void *data);


#endif /* _KRJ_PRINT_H_INCLUDED_ */
