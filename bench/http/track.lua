-- wrk script: POST /v1/track, one event per request, every messageId unique.
--   wrk -t2 -c64 -d20s --latency -H "Authorization: Basic ..." \
--       -s bench/http/track.lua http://HOST/v1/track -- PREFIX [USERS]
-- PREFIX makes message ids unique across runs against one database; USERS
-- (default 100000) is how many distinct userIds the events spread over.
dofile(debug.getinfo(1, "S").source:sub(2):gsub("[^/]*$", "") .. "events.lua")

function request()
   n = n + 1
   local body = string.format('{"userId":"u%d","messageId":"%s",%s}',
      math.random(0, users - 1), message_id(0), events[math.random(#events)])
   return wrk.format(nil, nil, nil, body)
end
