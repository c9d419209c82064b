-- Shared by track.lua and batch.lua: per-thread ids, the event mix, and the
-- arguments PREFIX [USERS] [EVENTS]. Loaded with dofile.
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
