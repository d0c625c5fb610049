
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_BACKUP_H_INCLUDED_
#define _KRJ_BACKUP_H_INCLUDED_


#include <sys/types.h>

#include <libpq-fe.h>

#include "krj_conf.h"


/*
 * A backup is one tar file:
 *
 *     MANIFEST            "krj-backup 1", then "version V", "created T"
 *                         and one "file NAME MODE OWNER GROUP" a file
 *     krj.pgdump          pg_dump --format=custom of the krj_* tables
 *     files/NAME          key-file, user-file, session-key-file, and
 *                         session-key-file:WORD for each other session
 *                         key beside it (krj_backup_sibling())
 *
 * Owner and mode are in MANIFEST, by name, so that a restore on another
 * node gives the files the owner and mode they had, whatever the uids are
 * there; the tar members themselves are root's and are never trusted.
 */
#define KRJ_BACKUP_MAGIC        "krj-backup 1"
#define KRJ_BACKUP_DUMP         "krj.pgdump"
#define KRJ_BACKUP_MANIFEST     "MANIFEST"
/* the three files, then up to KRJ_BACKUP_NSIBLINGS more session keys */
#define KRJ_BACKUP_NFIXED       3
#define KRJ_BACKUP_NSIBLINGS    16
#define KRJ_BACKUP_NFILES       (KRJ_BACKUP_NFIXED + KRJ_BACKUP_NSIBLINGS)
#define KRJ_BACKUP_SESSION      2
#define KRJ_BACKUP_SIBLING      "session-key-file:"
/* a directory, and a path in it (or an option naming one) */
#define KRJ_BACKUP_DIR_MAX      2048
#define KRJ_BACKUP_PATH_MAX     (KRJ_BACKUP_DIR_MAX + 256)


typedef struct {
    const char         *name;           /* "key-file": the option */
    const char         *path;           /* where this node has it */
    char                name_buf[128];  /* a sibling's name and path */
    char                path_buf[KRJ_BACKUP_PATH_MAX];
    int                 present;        /* in the backup */
    mode_t              mode;
    char                owner[64];
    char                group[64];
} krj_backup_file_t;

/*
 * "krj-batch backup": pg_dump of krj's tables (custom format) and the key,
 * user and session key files, with their owner and mode, in one tar file
 * krj-backup-YYYYmmddTHHMMSSZ.tar (mode 0600) in conf->backup_dir; then,
 * with --keep N, every older backup but the newest N is removed.  Its
 * path is printed on stdout.  A KRJ_EXIT_* status.
 */
int krj_backup(const krj_conf_t *conf);

/* the files of a backup, named as their options, at conf's paths */
void krj_backup_files(const krj_conf_t *conf, krj_backup_file_t *files);

/*
 * A session key beside the session key file: the module verifies with
 * every krj_session_key_file, and the README's rotation makes the new
 * one beside the old (session-2.key beside session.key), so a backup
 * holds each regular file STEM-WORD.EXT in that directory (STEM.EXT the
 * session key file's name, EXT empty or from its last dot; WORD letters,
 * digits, "-", "_", "."), as session-key-file:WORD, and a restore puts it
 * at STEM-WORD.EXT beside this node's session key file.
 * krj_backup_sibling() puts WORD into the first free entry of files with
 * that path: the entry, or NULL when word is no WORD or there is no room.
 * krj_backup_siblings() adds each that exists, by name: 0, or -1
 * (logged).
 */
krj_backup_file_t *krj_backup_sibling(krj_backup_file_t *files,
    const char *word);
int krj_backup_siblings(krj_backup_file_t *files);

/* argv[0] run from PATH and waited for: 0 when it exited 0, else -1
   (logged, what names it) */
int krj_backup_spawn(const char *what, char *const argv[]);

/* what pg_dump and pg_restore get as --dbname */
const char *krj_backup_dbname(const krj_conf_t *conf, PGconn *pg);

/* from's bytes into the open file to, fsync'ed; 0 or -1 (errno) */
int krj_backup_copy(const char *from, int to);

void krj_backup_fsync_dir(const char *dir);
void krj_backup_rmtree(const char *dir);


#endif /* _KRJ_BACKUP_H_INCLUDED_ */
