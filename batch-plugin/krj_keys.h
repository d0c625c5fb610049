
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_KEYS_H_INCLUDED_
#define _KRJ_KEYS_H_INCLUDED_


#include "krj_conf.h"


/* "krj-batch keys add|list|revoke": each returns a KRJ_EXIT_* status */
int krj_keys_add(const krj_conf_t *conf, const char *id);
int krj_keys_list(const krj_conf_t *conf, const char *arg);
int krj_keys_revoke(const krj_conf_t *conf, const char *id);


#endif /* _KRJ_KEYS_H_INCLUDED_ */
