
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_ASSETS_H_INCLUDED_
#define _KRJ_ASSETS_H_INCLUDED_


/*
 * The dashboard's assets (dashboard/krj.css, krj.js, krj.svg), built into
 * krj-batch so that every snapshot carries the ones its pages were
 * rendered for: a page and its stylesheet always come from one build.
 */


#include <stddef.h>
#include <stdint.h>


typedef struct {
    const char                 *name;       /* "krj.css" */
    const char                 *ext;        /* "css" */
    const uint8_t              *data;
    size_t                      len;
} krj_asset_t;


/* the asset KRJ_ASSET_CSS, _JS or _SVG of krj_snapshot.h; NULL past them */
const krj_asset_t *krj_asset_get(unsigned i);


#endif /* _KRJ_ASSETS_H_INCLUDED_ */
