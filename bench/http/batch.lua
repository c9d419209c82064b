-- wrk script: POST /v1/batch with EVENTS track events per request (default
-- 100), every messageId unique.
--   wrk -t2 -c16 -d20s --latency -H "Authorization: Basic ..." \
--       -s bench/http/batch.lua http://HOST/v1/batch -- PREFIX [USERS] [EVENTS]
dofile(debug.getinfo(1, "S").source:sub(2):gsub("[^/]*$", "") .. "events.lua")

function request()
   n = n + 1
   local items = {}
   for k = 1, per_request do
      items[k] = string.format('{"type":"track","userId":"u%d","messageId":"%s",%s}',
         math.random(0, users - 1), message_id(k), events[math.random(#events)])
   end
   return wrk.format(nil, nil, nil, '{"batch":[' .. table.concat(items, ",") .. ']}')
end
