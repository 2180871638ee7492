-- Append entries to the archive queue, keep at most `cap` of them (the oldest go first), and count
-- what was dropped by kind (the entry's first letter: i item, a alert, d delivery).
-- KEYS[1] queue, KEYS[2] dropped (hash kind -> count)   ARGV[1] cap, ARGV[2..] entries
-- Returns {length, dropped items, dropped alerts, dropped deliveries}.
local cap = tonumber(ARGV[1])
for i = 2, #ARGV, 500 do
  redis.call('RPUSH', KEYS[1], unpack(ARGV, i, math.min(i + 499, #ARGV)))
end
local length = redis.call('LLEN', KEYS[1])
local dropped = {i = 0, a = 0, d = 0}
if length > cap then
  local over = length - cap
  for _, entry in ipairs(redis.call('LRANGE', KEYS[1], 0, over - 1)) do
    local kind = string.sub(entry, 1, 1)
    if dropped[kind] ~= nil then dropped[kind] = dropped[kind] + 1 end
  end
  redis.call('LTRIM', KEYS[1], over, -1)
  for kind, n in pairs(dropped) do
    if n > 0 then redis.call('HINCRBY', KEYS[2], kind, n) end
  end
  length = cap
end
return {length, dropped.i, dropped.a, dropped.d}
