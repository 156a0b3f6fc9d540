-- SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
-- Redeem pre-issued authorization codes (BENCH_CODES, one per line), each
-- once, with the PKCE verifier bench/tokens.py used. Codes are single use:
-- when they run out the requests that follow fail, and the count of non-2xx
-- answers says so.
local codes, i = {}, 0
for line in io.lines(os.getenv("BENCH_CODES")) do codes[#codes + 1] = line end
local body = "grant_type=authorization_code&redirect_uri="
    .. os.getenv("BENCH_REDIRECT_URI") .. "&code_verifier="
    .. string.rep("v", 64) .. "&code="
local headers = {["Content-Type"] = "application/x-www-form-urlencoded",
                 ["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")}

request = function()
    i = i + 1
    return wrk.format("POST", nil, headers, body .. (codes[i] or "spent"))
end
