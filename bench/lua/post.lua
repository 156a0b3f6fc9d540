-- SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
-- A token request: POST the form BENCH_BODY with client_secret_basic
-- (BENCH_BASIC is base64 of client_id:secret).
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")
