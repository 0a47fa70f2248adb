-- wrk script: POST /v1/verify with an image body (image/jpeg), the image
-- named by $TDV_IMAGE and the key in $TDV_KEY.
--   TDV_IMAGE=samples/images/td3-moderate-001.jpg TDV_KEY=$(cat DATA/admin.key) \
--     wrk -t1 -c4 -d10s --latency -s tools/bench/verify_image.lua \
--     'http://127.0.0.1:8080/v1/verify?allow_specimens=true&as_of=2011-06-01'
local f = assert(io.open(os.getenv("TDV_IMAGE"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = "image/jpeg"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("TDV_KEY") or "")
