-- wrk script: POST /v1/verify with MRZ text and the key in $TDV_KEY.
--   TDV_KEY=$(cat DATA/admin.key) wrk -t2 -c16 -d8s --latency -s tools/bench/verify_post.lua \
--     http://127.0.0.1:8080/v1/verify
wrk.method = "POST"
wrk.body = '{"mrz":"P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\\nL898902C36UTO7408122F1204159ZE184226B<<<<<10",'
  .. '"allow_specimens":true,"as_of":"2011-06-01"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("TDV_KEY") or "")
