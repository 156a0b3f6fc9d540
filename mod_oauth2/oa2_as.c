/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/* An authorization server's settings: lookups and derived keys. */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <apr_strings.h>

#include "oa2_as.h"
#include "oa2_idtoken.h"
#include "oa2_scope.h"

const oa2_scope_def_t *oa2_as_scope(const oa2_as_t *as, const char *name)
{
    int i;

    for (i = 0; as->scopes && i < as->scopes->nelts; i++) {
        const oa2_scope_def_t *d =
            &APR_ARRAY_IDX(as->scopes, i, oa2_scope_def_t);
        if (!strcmp(d->name, name)) {
            return d;
        }
    }
    return NULL;
}

/* Add scope @a name with its built-in text, unless already defined. */
static void add_builtin_scope(apr_array_header_t *scopes, const oa2_as_t *as,
                              const char *name)
{
    oa2_scope_def_t *def;

    if (oa2_as_scope(as, name)) {
        return;
    }
    def = apr_array_push(scopes);
    def->name = name;
    def->description = oa2_idtoken_scope_description(name);
}

void oa2_as_add_openid_scopes(oa2_as_t *as, apr_pool_t *p)
{
    apr_array_header_t *scopes = as->scopes
        ? apr_array_copy(p, as->scopes)
        : apr_array_make(p, 4, sizeof(oa2_scope_def_t));
    int i;

    add_builtin_scope(scopes, as, OA2_IDTOKEN_SCOPE);
    as->scopes = scopes;
    for (i = 0; as->user_claims && i < as->user_claims->nelts; i++) {
        const char *scope =
            APR_ARRAY_IDX(as->user_claims, i, oa2_idtoken_claim_t).scope;
        if (oa2_idtoken_scope_description(scope)) {
            add_builtin_scope(scopes, as, scope);
        }
    }
}

int oa2_as_is_openid(const oa2_as_t *as, const char *scope)
{
    return as->openid && scope && oa2_scope_contains(scope, OA2_IDTOKEN_SCOPE);
}

int oa2_as_resource_known(const oa2_as_t *as, const char *resource)
{
    int i;

    for (i = 0; as->resources && i < as->resources->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(as->resources, i, const char *), resource)) {
            return 1;
        }
    }
    return 0;
}

/* SHA-256 of @a label, the issuer and the private key's DER into @a out. */
static int derive(unsigned char out[32], const char *label, const char *issuer,
                  const unsigned char *der, int derlen)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int len = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)
        && EVP_DigestUpdate(ctx, label, strlen(label))
        && EVP_DigestUpdate(ctx, issuer, strlen(issuer))
        && EVP_DigestUpdate(ctx, der, (size_t)derlen)
        && EVP_DigestFinal_ex(ctx, out, &len);

    EVP_MD_CTX_free(ctx);
    return ok && len == 32;
}

apr_status_t oa2_as_derive_keys(oa2_as_t *as, apr_pool_t *p)
{
    const oa2_key_t *signer = oa2_keys_signer(as->keys);
    unsigned char *der = NULL;
    int derlen, ok;

    (void)p;
    if (!signer) {
        return APR_EINVAL;
    }
    derlen = i2d_PrivateKey(signer->pkey, &der);
    if (derlen <= 0) {
        return APR_EGENERAL;
    }
    ok = derive(as->csrf_key, "mod_oauth2 consent form key\n", as->issuer, der,
                derlen)
        && derive(as->record_key, "mod_oauth2 cached record key\n", as->issuer,
                  der, derlen)
        && derive(as->dpop_nonce_key, "mod_oauth2 DPoP nonce key\n", as->issuer,
                  der, derlen);
    OPENSSL_clear_free(der, (size_t)derlen);
    return ok ? APR_SUCCESS : APR_EGENERAL;
}

apr_status_t oa2_as_check_scope(const char **granted, const oa2_as_t *as,
                                const char *client_scope, const char *requested,
                                oa2_err_t *err, apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, 4, sizeof(const char *));
    int i;

    if (requested) {
        if (strpbrk(requested, "\t\r\n")) {
            return oa2_err_set(err, 400, "invalid_scope", "OA2-00230",
                               "scopes are separated by single spaces");
        }
        oa2_scope_union(list, requested, p);
    }
    for (i = 0; i < list->nelts; i++) {
        const char *s = APR_ARRAY_IDX(list, i, const char *);
        /* The client is told which rule failed, never the name it sent
         * (an error_description is shown by its error handling); the
         * admin's log gets the name when it is a scope token, which
         * holds nothing that could fake a log line. */
        if (!oa2_scope_token_valid(s) || !oa2_as_scope(as, s)) {
            oa2_err_set(err, 400, "invalid_scope", "OA2-00231",
                        "a requested scope is unknown to this server");
            return oa2_err_detail(
                err, p, "scope %s",
                oa2_scope_token_valid(s) ? s : "(not a scope token)");
        }
        /* openid releases no more than the access token's sub: every
         * client may ask for it, whatever its list. */
        if (client_scope && *client_scope
            && !oa2_scope_contains(client_scope, s)
            && !(as->openid && !strcmp(s, OA2_IDTOKEN_SCOPE))) {
            oa2_err_set(err, 400, "invalid_scope", "OA2-00232",
                        "a requested scope is not allowed for this client");
            return oa2_err_detail(err, p, "scope %s", s);
        }
    }
    *granted = oa2_scope_join(list, p);
    return APR_SUCCESS;
}

apr_status_t oa2_as_check_resource(const oa2_as_t *as, const char *resource,
                                   oa2_err_t *err, apr_pool_t *p)
{
    (void)p;
    if (!oa2_as_resource_known(as, resource)) {
        return oa2_err_set(err, 400, "invalid_target", "OA2-00233",
                           "the resource is not one this server issues "
                           "tokens for");
    }
    return APR_SUCCESS;
}

const char *oa2_as_audience(const oa2_as_t *as, const char *resource)
{
    if (resource && *resource) {
        return resource;
    }
    return as->default_audience ? as->default_audience : as->issuer;
}
