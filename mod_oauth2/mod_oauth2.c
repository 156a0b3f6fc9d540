/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * mod_oauth2: an OAuth 2.1 authorization server and resource protection
 * for Apache httpd 2.4. This file is the module record; each concern's
 * hooks live in its own mod_oauth2_*.c file.
 */
#include "httpd.h"
#include "http_config.h"

#include <openssl/crypto.h>

#include "mod_oauth2.h"

static void register_hooks(apr_pool_t *p)
{
    /* Before any other use of OpenSSL in the process: no cleanup at exit.
     * mpm_event ends a child from its signal handler with exit(), even in
     * the middle of a malloc() (a child stopped while it starts); OpenSSL's
     * atexit handler then frees into a heap caught half-way and glibc
     * aborts the child ("free(): corrupted unsorted chunks", seen in the
     * tests). The process is going away: its memory needs no freeing. */
    OPENSSL_init_crypto(OPENSSL_INIT_NO_ATEXIT, NULL);
    oa2_ap_check_register_hooks(p);
    oa2_ap_authn_register_hooks(p);
    oa2_ap_authz_register_hooks(p);
    oa2_ap_challenge_register_hooks(p);
    oa2_ap_endpoints_register_hooks(p);
    oa2_ap_dbd_register_hooks(p);
    oa2_ap_cache_register_hooks(p);
    oa2_ap_fetch_register_hooks(p);
    oa2_ap_remote_register_hooks(p);
    oa2_ap_tls_register_hooks(p);
    oa2_ap_dpop_register_hooks(p);
    oa2_ap_metrics_register_hooks(p);
}

/* Built with -fvisibility=hidden: the module record is the one export. */
__attribute__((visibility("default")))
AP_DECLARE_MODULE(oauth2) = {STANDARD20_MODULE_STUFF,
                             oa2_ap_config_create_dir,
                             oa2_ap_config_merge_dir,
                             oa2_ap_config_create_server,
                             oa2_ap_config_merge_server,
                             oa2_ap_config_cmds,
                             register_hooks,
#if defined(AP_MODULE_FLAG_ALWAYS_MERGE)
                             AP_MODULE_FLAG_ALWAYS_MERGE
#endif
};
