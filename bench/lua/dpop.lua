-- SPDX-License-Identifier: Apache-2.0. Part of mod_oauth2; see LICENSE.
-- DPoP requests: one access token (BENCH_TOKEN, bound to the proofs' key)
-- and a proof of its own on every request, taken in turn from the file
-- named by BENCH_PROOFS (one per line, each made for this URL, GET, this
-- token): a proof is single use (its jti), so none is sent twice. The
-- requests are formatted once, in init, as rotate.lua does. Should the
-- proofs run out, the next requests reuse them and are refused as
-- replays: the non-2xx count says so and the run is void.
local requests, i = {}, 0

init = function(args)
    local auth = "DPoP " .. os.getenv("BENCH_TOKEN")
    for line in io.lines(os.getenv("BENCH_PROOFS")) do
        requests[#requests + 1] =
            wrk.format(nil, nil, {["Authorization"] = auth, ["DPoP"] = line})
    end
end

request = function()
    i = i % #requests + 1
    return requests[i]
end
