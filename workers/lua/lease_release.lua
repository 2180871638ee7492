-- Give the scheduler lease up if this scheduler holds it (workers/scheduler.py). KEYS: lease. ARGV: token.
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
