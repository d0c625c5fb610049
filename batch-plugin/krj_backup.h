
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_BACKUP_H_INCLUDED_
#define _KRJ_BACKUP_H_INCLUDED_


#include "krj_conf.h"


/* the first line of a backup's MANIFEST: the layout of the archive */
#define KRJ_BACKUP_MAGIC        "krj-backup 1"

/*
 * "krj-batch backup": pg_dump of krj's tables (custom format) and the key,
 * user and session key files, with their owner and mode, in one tar file
 * krj-backup-YYYYmmddTHHMMSSZ.tar (mode 0600) in conf->backup_dir; then,
 * with --keep N, every older backup but the newest N is removed.  Its
 * path is printed on stdout.  A KRJ_EXIT_* status.
 */
int krj_backup(const krj_conf_t *conf);

/*
 * "krj-batch restore FILE": into an empty database only (pg_restore in
 * one transaction), then the files to where this node's configuration
 * puts them, each replaced atomically with the owner and mode it had.
 */
int krj_backup_restore(const krj_conf_t *conf, const char *file);


#endif /* _KRJ_BACKUP_H_INCLUDED_ */
