-- One atomic step for "this item matched this rule" (alerts/store.py AlertStore.open_alert):
-- record the source on the story, then
-- - the alert already exists (this very item made it: a re-poll)  -> 'exists'
-- - the rule's realert window for the story is open (another copy) -> 'suppressed', the window's alert id
-- - else open the window (if realert > 0), store the alert, open its deliveries -> 'created'
-- KEYS: alert, realert, alerts index, open deliveries, story sources, delivery:<alert>:<channel>...
-- ARGV: alert id, payload, alert ttl s, realert ms (0: no window), now, due, source id, story ttl s, channels...
if ARGV[7] ~= '' then
  redis.call('sadd', KEYS[5], ARGV[7])
  redis.call('expire', KEYS[5], ARGV[8])
end
if redis.call('exists', KEYS[1]) == 1 then return {'exists', ARGV[1]} end
local window = tonumber(ARGV[4])
if window > 0 then
  local holder = redis.call('get', KEYS[2])
  if holder then return {'suppressed', holder} end
  redis.call('set', KEYS[2], ARGV[1], 'PX', window)
end
redis.call('set', KEYS[1], ARGV[2], 'EX', ARGV[3])
redis.call('zadd', KEYS[3], ARGV[5], ARGV[1])
for i = 9, #ARGV do
  local delivery = KEYS[i - 3]
  redis.call('hset', delivery, 'status', 'pending', 'attempts', 0, 'created_at', ARGV[5], 'updated_at', ARGV[5])
  redis.call('expire', delivery, ARGV[3])
  redis.call('rpush', delivery .. ':log', cjson.encode({at = tonumber(ARGV[5]), status = 'pending'}))
  redis.call('expire', delivery .. ':log', ARGV[3])
  redis.call('zadd', KEYS[4], ARGV[6], ARGV[1] .. '|' .. ARGV[i])
end
return {'created', ARGV[1]}
