-- Take a send slot in every window of a channel's rate limit, or say how long to wait (alerts/ratelimit.py).
-- KEYS: one sorted set per window. ARGV: now, then (count, seconds) per window, then a unique member.
-- All windows must have room, else nothing is taken and the longest wait is returned.
local now = tonumber(ARGV[1])
local wait = 0
for i, key in ipairs(KEYS) do
  local count, per = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  redis.call('zremrangebyscore', key, '-inf', now - per)
  if redis.call('zcard', key) >= count then
    local oldest = redis.call('zrange', key, 0, 0, 'withscores')
    local w = tonumber(oldest[2]) + per - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return tostring(wait) end
for i, key in ipairs(KEYS) do
  redis.call('zadd', key, now, ARGV[#ARGV] .. ':' .. i)
  redis.call('expire', key, math.ceil(tonumber(ARGV[2 * i + 1])) + 1)
end
return '0'
