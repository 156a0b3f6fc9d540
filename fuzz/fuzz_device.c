/* SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE. */
/*
 * The user code a user types at {base}/device (RFC 8628 §3.3):
 * oa2_device_user_code_normalize(), then oa2_device_find() on an empty
 * in-memory store. A normalized code is 8 letters of the alphabet and
 * survives its display form; every refusal is a 400 with a log id, and
 * a guess only when the code is malformed or unknown.
 */
#include <string.h>

#include "oa2_device.h"
#include "support.h"

static oa2_store_t *st;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_init();
    st = fuzz_memory_store("https://as.example");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *typed = fuzz_cstring(data, size, p), *code, *shown;
    oa2_device_t *dev = NULL;
    oa2_err_t err = {0};
    apr_status_t rv;
    int i;

    code = oa2_device_user_code_normalize(typed, p);
    if (code) {
        if (strlen(code) != OA2_DEVICE_USER_CODE_LEN) {
            fuzz_fail(__FILE__, __LINE__, "normalized code of length %zu",
                      strlen(code));
        }
        for (i = 0; code[i]; i++) {
            if (!strchr(OA2_DEVICE_ALPHABET, code[i])) {
                fuzz_fail(__FILE__, __LINE__, "letter %d not in the alphabet",
                          i);
            }
        }
        shown = oa2_device_user_code_display(code, p);
        if (strcmp(oa2_device_user_code_normalize(shown, p), code)) {
            fuzz_fail(__FILE__, __LINE__,
                      "display form %s does not normalize back", shown);
        }
    }
    rv = oa2_device_find(&dev, st, typed, 1800000000, &err, p);
    if (rv == APR_SUCCESS || err.status != 400 || !err.log_id
        || !oa2_device_is_guess(&err)) {
        fuzz_fail(__FILE__, __LINE__,
                  "an empty store found or refused oddly: %d %s", err.status,
                  err.log_id ? err.log_id : "(no id)");
    }
    apr_pool_destroy(p);
    return 0;
}
