-- Renew the scheduler lease if this scheduler holds it (workers/scheduler.py). KEYS: lease. ARGV: token, ttl ms.
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0
