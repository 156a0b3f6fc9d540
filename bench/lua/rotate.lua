-- SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
-- A different bearer token on every request, in turn from the file named by
-- BENCH_TOKENS (one per line): no two requests in a row share a token, so a
-- validated-token cache cannot help. The requests are formatted once, in
-- init: wrk's client shares the CPU with httpd, so the script must cost it
-- no more per request than a static request does.
local requests, i = {}, 0

init = function(args)
    for line in io.lines(os.getenv("BENCH_TOKENS")) do
        requests[#requests + 1] =
            wrk.format(nil, nil, {["Authorization"] = "Bearer " .. line})
    end
end

request = function()
    i = i % #requests + 1
    return requests[i]
end
