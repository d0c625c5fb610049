
/*
 * Copyright (C) The krj developers
 */


#ifndef _KRJ_KEYS_H_INCLUDED_
#define _KRJ_KEYS_H_INCLUDED_


/* the path conf/ gives krj_key_file */
#define KRJ_DEFAULT_KEY_FILE    "/etc/krj/api-keys"


/* "krj-batch keys ...": argv[0] is "keys"; returns a KRJ_EXIT_* status */
int krj_keys_main(int argc, char **argv);


#endif /* _KRJ_KEYS_H_INCLUDED_ */
