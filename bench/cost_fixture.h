/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * What the in-process cost benches (bench/token_cost.c, bench/code_cost.c)
 * set up alike: a store on a fresh SQLite file, a client in it, and an
 * authorization server signing with one key.
 */
#ifndef COST_FIXTURE_H
#define COST_FIXTURE_H

#include <apr_pools.h>

#include "oa2_as.h"
#include "oa2_clientauth.h"
#include "oa2_form.h"
#include "oa2_keys.h"
#include "oa2_err.h"
#include "oa2_store.h"

#define COST_ISSUER "https://as.bench.test"

/* The program's name, for the messages of cost_die(). */
extern const char *cost_program;

/* Print what failed and why, and exit 1. */
void cost_die(const char *what, const oa2_err_t *err);

/* The store of COST_ISSUER on a fresh SQLite file under @a dir. */
oa2_store_t *cost_open_store(const char *dir, apr_pool_t *p);

/* Register client @a id (secret @a secret, client_secret_basic) with
 * @a grants and @a scope, and @a redirect_uri unless NULL. */
void cost_add_client(oa2_store_t *st, const char *id, const char *secret,
                     const char *grants, const char *scope,
                     const char *redirect_uri, apr_pool_t *p);

/* An AS of COST_ISSUER signing with the PEM key @a key_file, knowing the
 * scope "read", tokens for the issuer, access tokens for 900 s. */
oa2_as_t *cost_make_as(const char *key_file, apr_pool_t *p);

/**
 * The signature of the JWS @a token as EVP_DigestVerify wants it for
 * @a key: DER for ECDSA (JWS carries r || s), as is for RSA.
 */
unsigned char *cost_evp_signature(const oa2_key_t *key, const char *token,
                                  size_t *len, apr_pool_t *p);

/* A token request as the endpoint hands it to oa2_grant_token(): @a form
 * with the Authorization header @a authz, POST to the token endpoint. */
const oa2_backchannel_t *cost_backchannel(const oa2_form_t *form,
                                          const char *authz, apr_pool_t *p);

#endif
