-- Story dedup of a whole batch in one atomic step: look up, decide, index, record (newswatch/pipeline/stories.py).
-- The argument and reply formats are described there, above `StoryDeduplicator`.
local P, now, window = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
local mshards, threshold, k, min_shared = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local cur, report_ttl = math.floor(now / window), ARGV[8]
local expire_at, out, ix, mp = (cur + 2) * window, {}, {}, {}
for s = cur - 1, cur do ix[s] = P .. ':story:ix:' .. s .. ':'; mp[s] = P .. ':story:map:' .. s .. ':' end
local function put(key, field, value)
  if redis.call('hset', key, field, value, '', 1) == 2 then redis.call('expireat', key, expire_at) end
end
local function story(h)
  for s = cur, cur - 1, -1 do
    local v = redis.call('hget', mp[s] .. (tonumber(h) % mshards), h)
    if v then
      local sid, seen, pub, size, sk = string.match(v, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
      return {sid = sid, seen = tonumber(seen), pub = tonumber(pub), size = tonumber(size), sketch = sk}
    end
  end
end
local function codes(sketch)
  local set = {}
  for p = 1, #sketch - 3, 4 do set[string.sub(sketch, p, p + 3)] = true end
  return set
end
local function shared(mine, theirs)
  local m = 0
  for p = 1, #theirs - 3, 4 do if mine[string.sub(theirs, p, p + 3)] then m = m + 1 end end
  return m
end
local function decide(w, id, pub, size, url_h, cands)
  local best, best_score, best_h, how, mine = nil, -1, nil, 'new', nil
  for h in pairs(cands) do
    local st = story(h)
    if st and now - st.seen <= window and (pub < 0 or st.pub < 0 or math.abs(pub - st.pub) <= window) then
      local score, kind = 1, 'same_url'
      if h ~= url_h then
        mine = mine or codes(w[5])
        local m = shared(mine, st.sketch)
        score, kind = (m >= min_shared) and m / math.min(k, math.max(size, st.size, 1)) or 0, 'near_duplicate'
      end
      if score > best_score or (score == best_score and st.sid < best.sid) then
        best, best_score, best_h, how = st, score, h, kind
      end
    end
  end
  if best_score >= threshold then return best, best_h, how, best_score end
  local h = (tonumber(string.sub(id, 1, 8), 16) or #id) % 2147483648
  while true do  -- another live story holding this handle: probe the next one
    local st = story(string.format('%d', h))
    if not st or st.sid == id then break end
    h = (h + 1) % 2147483648
  end
  return {sid = id, size = size, sketch = w[5]}, string.format('%d', h), 'new', 0
end
for line in string.gmatch(ARGV[9], '[^\n]+') do
  local words, field, report = string.match(line, '^([^\t]*)\t([^\t]*)\t(.*)$')
  local w = {}
  for word in string.gmatch(words, '%S+') do w[#w + 1] = word end
  local id, pub, size, has_url = w[1], tonumber(w[2]), tonumber(w[3]), w[4] == '1'
  local n, cands, fresh, url_h = (#w - 5) / 2, {}, {}, nil
  for j = 0, n - 1 do
    local shard, f = w[6 + 2 * j], w[7 + 2 * j]
    local h1, h2 = redis.call('hget', ix[cur] .. shard, f), redis.call('hget', ix[cur - 1] .. shard, f)
    if not h1 then fresh[#fresh + 1] = j end
    if has_url and j == n - 1 then url_h = h1 or h2 end
    if h1 then cands[h1] = true end
    if h2 then cands[h2] = true end
  end
  local best, best_h, how, score = decide(w, id, pub, size, url_h, cands)
  for _, j in ipairs(fresh) do put(ix[cur] .. w[6 + 2 * j], w[7 + 2 * j], best_h) end
  if pub < 0 and best.pub then pub = best.pub end  -- keep the story's date when this copy has none
  put(mp[cur] .. (tonumber(best_h) % mshards), best_h,
      best.sid .. string.format('|%.3f|%.0f|', now, pub) .. best.size .. '|' .. best.sketch)
  local reports = P .. ':story:' .. best.sid .. ':reports'
  redis.call('hsetnx', reports, field, report)
  redis.call('expire', reports, report_ttl)
  out[#out + 1] = best.sid .. ' ' .. how .. ' ' .. string.format('%.4f', score)
end
return table.concat(out, '\n')
