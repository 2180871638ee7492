-- The batch to write: the processing list if a drain left one (it failed or died), else up to
-- `n` entries moved from the head of the queue to the processing list, in one step.
-- KEYS[1] queue, KEYS[2] processing   ARGV[1] n
local held = redis.call('LRANGE', KEYS[2], 0, -1)
if #held > 0 then return held end
local n = tonumber(ARGV[1])
local batch = redis.call('LRANGE', KEYS[1], 0, n - 1)
if #batch == 0 then return batch end
redis.call('LTRIM', KEYS[1], #batch, -1)
for i = 1, #batch, 500 do
  redis.call('RPUSH', KEYS[2], unpack(batch, i, math.min(i + 499, #batch)))
end
return batch
