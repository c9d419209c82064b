-- wrk script for GET requests (the ranked list): the request is wrk's own
-- static one (URL and -H headers); this only adds the RESULT line with p95.
--   wrk -t2 -c8 -d15s --latency -H "Authorization: Bearer KEY" \
--       -s bench/http/read.lua "http://HOST/api/leads?limit=50"
dofile(debug.getinfo(1, "S").source:sub(2):gsub("[^/]*$", "") .. "report.lua")
