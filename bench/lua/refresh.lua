-- SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
-- Refresh-token rotation: each refresh token is used once, and the new one
-- in the answer goes back into the pool (BENCH_REFRESH holds the first
-- ones, one per line, more than there are connections).
local pool = {}
for line in io.lines(os.getenv("BENCH_REFRESH")) do pool[#pool + 1] = line end
local headers = {["Content-Type"] = "application/x-www-form-urlencoded",
                 ["Authorization"] = "Basic " .. os.getenv("BENCH_BASIC")}

request = function()
    local token = table.remove(pool, 1) or "empty-pool"
    return wrk.format("POST", nil, headers,
                      "grant_type=refresh_token&refresh_token=" .. token)
end

response = function(status, hdrs, body)
    local token = body:match('"refresh_token":"([^"]+)"')
    if token then pool[#pool + 1] = token end
end
