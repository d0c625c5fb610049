
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_RESTORE_H_INCLUDED_
#define _KRJ_RESTORE_H_INCLUDED_


#include "krj_conf.h"


/*
 * "krj-batch restore FILE": into an empty database only (pg_restore in
 * one transaction), then the files of the backup to where this node's
 * configuration puts them, each replaced atomically with the owner and
 * mode it had.  A KRJ_EXIT_* status.
 */
int krj_restore(const krj_conf_t *conf, const char *file);


#endif /* _KRJ_RESTORE_H_INCLUDED_ */
