-- Event clustering of one event type's batch in one atomic step: look up, decide, index, record
-- (newswatch/pipeline/events.py). Every key is in KEYS and shares the hash tag {ev:<type>} (Redis Cluster).
-- KEYS: seq, reports (this slot), reports (previous slot), story map (this slot, previous slot), then for
-- each day d0 .. d0 + ndays - 1: its index (key -> handles) and its records (handle -> "event_id|keys").
-- ARGV: now, d0, ndays, window (days), threshold, measure, min_shared, city_conflict (1|0), weights
-- ("a=3 c=1 ..."), index list cap, candidates scored, day keep (s), horizon (s), reports expire-at,
-- keys cap, reports cap (bytes), the batch: one line per event "new_id day story key ...<TAB>field<TAB>report"
-- (story '.': none). Returns one line per event: "event_id how score", how = new | matched | story.
local now, d0, ndays, w = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local threshold, measure, min_shared, conflict = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7]), ARGV[8] == '1'
local W = {}
for k, v in string.gmatch(ARGV[9], '(%a)=(%S+)') do W[k] = tonumber(v) end
local cap, top, keep, horizon = tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13])
local rep_at, kcap, rcap = tonumber(ARGV[14]), tonumber(ARGV[15]), tonumber(ARGV[16])
local touched, out = {}, {}

local function ix(d) return KEYS[6 + 2 * (d - d0)] end
local function ev(d) return KEYS[7 + 2 * (d - d0)] end
local function weight(k) return W[string.sub(k, 1, 1)] or 0 end
local function touch(key, at) if not touched[key] or touched[key] < at then touched[key] = at end end
local function day_expiry(d) return math.min(math.max((d + w + 1) * 86400, now) + keep, now + horizon) end

local function score(mine, theirs)
  local inter, wb, shared_city, their_city = 0, 0, false, false
  for k in string.gmatch(theirs, '%S+') do
    local wk, city = weight(k), string.sub(k, 1, 1) == 'p'
    wb = wb + wk
    if city then their_city = true end
    if mine.set[k] then
      inter = inter + wk
      if city then shared_city = true end
    end
  end
  if inter <= 0 or inter < min_shared then return 0 end
  if conflict and not shared_city and mine.city and their_city then return 0 end
  if measure == 'jaccard' then return inter / (mine.w + wb - inter) end
  if measure == 'dice' then return 2 * inter / (mine.w + wb) end
  return inter / math.min(mine.w, wb)
end

local function candidates(mine, day)
  local acc, order = {}, {}
  for d = math.max(day - w, d0), math.min(day + w, d0 + ndays - 1) do
    local lists = redis.call('hmget', ix(d), unpack(mine.keys))
    for i = 1, #mine.keys do
      if lists[i] then
        local wk = weight(mine.keys[i])
        for h in string.gmatch(lists[i], '%S+') do
          local c = h .. '@' .. d
          if not acc[c] then acc[c] = 0; order[#order + 1] = c end
          acc[c] = acc[c] + wk
        end
      end
    end
  end
  table.sort(order, function(x, y) if acc[x] ~= acc[y] then return acc[x] > acc[y] end return x < y end)
  return order
end

local function decide(mine, day, story)
  if story ~= '.' then
    local v = redis.call('hget', KEYS[4], story) or redis.call('hget', KEYS[5], story)
    if v then
      local h, eid = string.match(v, '^(%S+) (%S+)$')
      return h, eid, 'story', 1
    end
  end
  local order = candidates(mine, day)
  local best_s, best_h, best_e = -1, nil, nil
  for i = 1, math.min(#order, top) do
    local h, d = string.match(order[i], '^(.-)@(.-)$')
    local v = redis.call('hget', ev(tonumber(d)), h)
    if v then
      local eid, ks = string.match(v, '^([^|]*)|(.*)$')
      local s = score(mine, ks)
      if s > best_s or (s == best_s and eid < best_e) then best_s, best_h, best_e = s, h, eid end
    end
  end
  if best_h and best_s >= threshold then return best_h, best_e, 'matched', best_s end
  return nil, nil, 'new', 0
end

local function store(h, eid, mine, day)
  local rk, ik = ev(day), ix(day)
  local ks, old = table.concat(mine.keys, ' '), redis.call('hget', rk, h)
  if old then  -- another report of this event the same day: its keys join the day's record
    local set, list = {}, {}
    for k in string.gmatch(string.match(old, '|(.*)$') or '', '%S+') do set[k] = true; list[#list + 1] = k end
    for _, k in ipairs(mine.keys) do
      if not set[k] and #list < kcap then set[k] = true; list[#list + 1] = k end
    end
    ks = table.concat(list, ' ')
  end
  redis.call('hset', rk, h, eid .. '|' .. ks)
  local lists, args = redis.call('hmget', ik, unpack(mine.keys)), {}
  for i, k in ipairs(mine.keys) do
    local l = lists[i] or ''
    if not string.find(' ' .. l .. ' ', ' ' .. h .. ' ', 1, true) then
      local _, n = string.gsub(l, '%S+', '')
      if n >= cap then l = string.match(l, '^%S+ (.*)$') or '' end
      l = (l == '') and h or (l .. ' ' .. h)
      args[#args + 1] = k; args[#args + 1] = l
    end
  end
  if #args > 0 then redis.call('hset', ik, unpack(args)) end
  touch(rk, day_expiry(day)); touch(ik, day_expiry(day))
end

local function record(eid, field, report)
  local v, here = redis.call('hget', KEYS[2], eid), true
  if not v then v, here = redis.call('hget', KEYS[3], eid) or '', false end  -- carried into this slot
  local mark = '\n' .. field .. '\t'
  if not string.find(v, mark, 1, true) and #v < rcap then
    v, here = v .. mark .. report, false
  end
  if not here then redis.call('hset', KEYS[2], eid, v) end
  touch(KEYS[2], rep_at)
end

for line in string.gmatch(ARGV[17], '[^\n]+') do
  local words, field, report = string.match(line, '^([^\t]*)\t([^\t]*)\t(.*)$')
  local w_ = {}
  for word in string.gmatch(words, '%S+') do w_[#w_ + 1] = word end
  local new_id, day, story = w_[1], tonumber(w_[2]), w_[3]
  local mine = {keys = {}, set = {}, w = 0, city = false}
  for j = 4, #w_ do
    local k = w_[j]
    mine.keys[#mine.keys + 1] = k; mine.set[k] = true; mine.w = mine.w + weight(k)
    if string.sub(k, 1, 1) == 'p' then mine.city = true end
  end
  local h, eid, how, s = decide(mine, day, story)
  if not h then h, eid = tostring(redis.call('incr', KEYS[1])), new_id end
  store(h, eid, mine, day)
  record(eid, field, report)
  if story ~= '.' and how ~= 'story' then
    redis.call('hsetnx', KEYS[4], story, h .. ' ' .. eid)
    touch(KEYS[4], rep_at)
  end
  out[#out + 1] = eid .. ' ' .. how .. ' ' .. string.format('%.4f', s)
end
for key, at in pairs(touched) do redis.call('expireat', key, math.ceil(at)) end
return table.concat(out, '\n')
