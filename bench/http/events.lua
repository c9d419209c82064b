-- Shared by track.lua and batch.lua: per-thread ids, the event mix, and the
-- arguments PREFIX [USERS] [EVENTS]. Loaded with dofile.
--
-- Message ids are PREFIX-thread-counter (so each run's ids sort together)
-- unless MESSAGE_IDS=uuid is in the environment: then random version-4
-- UUIDs, as real client libraries send them (analytics-python's uuid4),
-- which land all over the message-id index.
dofile(debug.getinfo(1, "S").source:sub(2):gsub("[^/]*$", "") .. "report.lua")

local next_id = 1
function setup(thread)
   thread:set("tid", next_id)
   next_id = next_id + 1
end

events = {
   '"event":"Email Opened","properties":{"campaign":"nov-newsletter"}',
   '"event":"Email Clicked","properties":{"campaign":"nov-newsletter","url":"/pricing"}',
   '"event":"Asset Downloaded","properties":{"category":"case-study","asset":"retail-crm"}',
   '"event":"Asset Downloaded","properties":{"category":"whitepaper","asset":"analytics-101"}',
   '"event":"Webinar Attended","properties":{"webinar":"crm-basics"}',
   '"event":"Form Submitted","properties":{"form":"contact","path":"/contact"}',
}

function init(args)
   prefix = args[1] or ("run" .. os.time())
   users = tonumber(args[2] or "100000")
   per_request = tonumber(args[3] or "100")
   n = 0
   math.randomseed(os.time() * 1000 + tid)
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end

-- The message id of the request's k-th event (see the header).
local uuids = os.getenv("MESSAGE_IDS") == "uuid"
function message_id(k)
   if uuids then
      return string.format("%08x-%04x-4%03x-%04x-%06x%06x",
         math.random(0, 0xffffffff), math.random(0, 0xffff), math.random(0, 0xfff),
         math.random(0x8000, 0xbfff), math.random(0, 0xffffff), math.random(0, 0xffffff))
   end
   return string.format("%s-%d-%d-%d", prefix, tid, n, k)
end
