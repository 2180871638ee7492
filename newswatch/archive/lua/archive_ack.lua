-- The batch taken by `archive_take` is written: drop the processing list, unless it is no longer
-- that batch (our drain lock expired and another drain took it over and took the next one).
-- KEYS[1] processing   ARGV[1] length, ARGV[2] first entry, ARGV[3] last entry
if redis.call('LLEN', KEYS[1]) == tonumber(ARGV[1])
    and redis.call('LINDEX', KEYS[1], 0) == ARGV[2]
    and redis.call('LINDEX', KEYS[1], -1) == ARGV[3] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
