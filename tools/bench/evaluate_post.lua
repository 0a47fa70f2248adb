-- wrk script: POST /v1/exchange/evaluate (mode 1 of the partner exchange)
-- with $TDV_ELEMENTS blinded elements (default 2: a document's exact probe and
-- one look-alike) and the partner key in $TDV_KEY. Every element is P-256's
-- generator, compressed: evaluating it costs what any blinded element does.
--   TDV_KEY=tdv_... TDV_ELEMENTS=8 wrk -t2 -c16 -d8s --latency \
--     -s tools/bench/evaluate_post.lua http://127.0.0.1:8080/v1/exchange/evaluate
local g = '"036b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"'
local n = tonumber(os.getenv("TDV_ELEMENTS") or "2")
local elements = {}
for i = 1, n do elements[i] = g end
wrk.method = "POST"
wrk.body = '{"elements": [' .. table.concat(elements, ",") .. ']}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("TDV_KEY") or "")
