-- Add reports to events found by story linking (newswatch/pipeline/story_link.py): the same record as
-- event_assign.lua keeps ("\n<field>\t<report JSON>" per report, one per field, the event's reports carried
-- from the previous slot). KEYS: reports (this slot), reports (previous slot), both of one event family.
-- ARGV: expire-at, reports cap (bytes), then triples event_id, field, report.
local rep_at, rcap = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 3, #ARGV - 2, 3 do
  local eid, field, report = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local v = redis.call('hget', KEYS[1], eid) or redis.call('hget', KEYS[2], eid) or ''
  local mark = '\n' .. field .. '\t'
  if not string.find(v, mark, 1, true) and #v < rcap then
    redis.call('hset', KEYS[1], eid, v .. mark .. report)
  end
end
redis.call('expireat', KEYS[1], rep_at)
return 1
