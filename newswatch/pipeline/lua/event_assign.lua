-- Event clustering of one type family's batch in one atomic step: look up, decide, index, record
-- (newswatch/pipeline/events.py). Every key is in KEYS and shares the hash tag {ev:<family>} (Redis Cluster).
-- KEYS: seq, reports (this slot), reports (previous slot), story map (this slot, previous slot), then for
-- each day d0 .. d0 + ndays - 1: its index (key -> handles) and its records (handle -> "event_id|keys").
-- ARGV: now, d0, ndays, window (days), threshold, measure, min_shared, conflict (0 none, 1 city, 2 place; + 10:
-- two sets of parties are two events, event_keys.other_parties; + 20: one person shared is none,
-- event_keys.one_person), weights ("a=1.5 c=1 ..."), contain (a report that weighs this much, all its keys the
-- event's, matches it), index list cap, candidates scored, day keep (s), horizon (s), reports expire-at,
-- keys cap, reports cap (bytes), the batch: one line per event "new_id day story key ...<TAB>field<TAB>report"
-- (story: '.' none, '+<story id>' the story's first item: record its event, '?<story id>' a copy: look up). Returns one line per event: "event_id how score", how = new | matched | story.
-- Anchor keys (indexed and looked up): a: r: p: c: (an event with none: all its keys).
local now, d0, ndays, w = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local threshold, measure, min_shared, conflict = tonumber(ARGV[5]), ARGV[6], tonumber(ARGV[7]), tonumber(ARGV[8])
local flags = math.floor(conflict / 10)   -- 1: parties, 2: persons
local parties, persons = flags % 2 == 1, math.floor(flags / 2) % 2 == 1
conflict = conflict % 10
local W = {}
for k, v in string.gmatch(ARGV[9], '(%a)=(%S+)') do W[string.byte(k)] = tonumber(v) end  -- by first byte
local contain = tonumber(ARGV[10])
local cap, top, keep, horizon = tonumber(ARGV[11]), tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14])
local rep_at, kcap, rcap = tonumber(ARGV[15]), tonumber(ARGV[16]), tonumber(ARGV[17])
local touched, out = {}, {}

local function ix(d) return KEYS[6 + 2 * (d - d0)] end
local function ev(d) return KEYS[7 + 2 * (d - d0)] end
local P, C = string.byte('p'), string.byte('c')
local function weight(k) return W[string.byte(k)] or 0 end
local function touch(key, at) if not touched[key] or touched[key] < at then touched[key] = at end end
local function day_expiry(d) return math.min(math.max((d + w + 1) * 86400, now) + keep, now + horizon) end

local N, G = string.byte('n'), string.byte('g')
-- event_keys.one_person: all the two share is one person (an actor, with role and nationality keys of one
-- country) and each names someone or somewhere the other lacks (a region aside): Trump's Gaza pledges and the
-- US-Iran talks. `both`: the shared keys; `other_theirs`: the stored event has a key (no region) the report lacks.
local function one_person(mine, both, other_theirs)
  if not other_theirs then return false end
  local actors, nat = 0, nil
  for _, k in ipairs(both) do
    local kind = string.sub(k, 1, 1)
    if kind == 'a' then actors = actors + 1
    elseif kind == 'r' or kind == 'n' then
      local code = string.match(k, '^.:([^:]+)')
      if nat and nat ~= code then return false end
      nat = code
    else return false end
  end
  return actors == 1 and mine.ng > #both   -- the report names someone or somewhere the event lacks
end
local function score(mine, theirs)
  local inter, wb, shared_city, their_city, shared_place, their_place = 0, 0, false, false, false, false
  local their_n, shared_n = 0, 0   -- nationalities (n:), for the parties rule
  local both, other_theirs = {}, false   -- for the one-person rule
  for k in string.gmatch(theirs, '%S+') do
    local b = string.byte(k)
    if mine.set[k] then both[#both + 1] = k elseif b ~= G then other_theirs = true end
    if b == N then
      their_n = their_n + 1
      if mine.set[k] then shared_n = shared_n + 1 end
    end
    local wk, city = W[b] or 0, b == P
    local place = city or b == C
    wb = wb + wk
    if city then their_city = true end
    if place then their_place = true end
    if mine.set[k] then
      inter = inter + wk
      if city then shared_city = true end
      if place then shared_place = true end
    end
  end
  if inter <= 0 or inter < min_shared then return 0 end
  if conflict >= 1 and not shared_city and mine.city and their_city then return 0 end
  if conflict >= 2 and not shared_place and mine.place and their_place then return 0 end
  if parties and mine.n >= 2 and their_n >= 2 and shared_n <= 1 and mine.n > shared_n and their_n > shared_n then
    return 0   -- two sets of parties: the US-Iran and the Russia-Ukraine talks in Geneva
  end
  if persons and one_person(mine, both, other_theirs) then return 0 end
  local s
  if measure == 'jaccard' then s = inter / (mine.w + wb - inter)
  elseif measure == 'dice' then s = 2 * inter / (mine.w + wb)
  else s = inter / math.min(mine.w, wb) end
  if contain > 0 and inter >= mine.w - 1e-9 and mine.w >= contain then return math.max(s, threshold) end
  return s   -- (every key of the report is the event's: Scoring.contain)
end

-- Candidates: the handles on the index lists of the event's anchor keys, on each day of the window,
-- ranked by the weight of the keys that found them (a shared city first: two cities are two places),
-- then by handle and day (as strings); the best `top` are scored against their records. Also returns
-- the index lists read on the event's own day.
local function candidates(mine, day)
  local acc, best, own = {}, {}, nil
  for d = math.max(day - w, d0), math.min(day + w, d0 + ndays - 1) do
    local lists, t = redis.call('hmget', ix(d), unpack(mine.anchors)), {}
    if d == day then own = lists end
    acc[d] = t
    for i = 1, #mine.anchors do
      if lists[i] then
        local wk = mine.rank[i]
        for h in string.gmatch(lists[i], '%S+') do t[h] = (t[h] or 0) + wk end
      end
    end
  end
  local n = 0
  for d, t in pairs(acc) do  -- keep the `top` best in `best`, best first
    for h, a in pairs(t) do
      local last = best[n]
      if n < top or a > last[1] or (a == last[1] and (h < last[2] or (h == last[2] and d < last[3]))) then
        if n == top then best[n] = nil; n = n - 1 end
        local j = n
        while j >= 1 do
          local b = best[j]
          if b[1] > a or (b[1] == a and (b[2] < h or (b[2] == h and b[3] < d))) then break end
          best[j + 1] = b; j = j - 1
        end
        best[j + 1] = {a, h, d}
        n = n + 1
      end
    end
  end
  return best, own
end

-- Returns handle, event id, how, score, the index lists of the day (when read), the day's record (when read).
local function decide(mine, day, story)
  if string.sub(story, 1, 1) == '?' then  -- a copy of a story: its story's event, if it has one of this type
    local v = redis.call('hget', KEYS[4], string.sub(story, 2)) or redis.call('hget', KEYS[5], string.sub(story, 2))
    if v then
      local h, eid = string.match(v, '^(%S+) (%S+)$')
      return h, eid, 'story', 1
    end
  end
  local best, own = candidates(mine, day)
  local best_s, best_h, best_e, best_d, best_v = -1, nil, nil, nil, nil
  for _, c in ipairs(best) do
    local h, d = c[2], c[3]
    local v = redis.call('hget', ev(d), h)
    if v then
      local eid, ks = string.match(v, '^([^|]*)|(.*)$')
      local s = score(mine, ks)
      if s > best_s or (s == best_s and eid < best_e) then best_s, best_h, best_e, best_d, best_v = s, h, eid, d, v end
    end
  end
  if best_h and best_s >= threshold then
    return best_h, best_e, 'matched', best_s, own, (best_d == day) and best_v or nil
  end
  return nil, nil, 'new', 0, own, false
end

-- old: the day's record of the event (false: none, nil: not read yet)
local function store(h, eid, mine, day, lists, old)
  local rk, ik = ev(day), ix(day)
  local ks = table.concat(mine.keys, ' ')
  if old == nil then old = redis.call('hget', rk, h) end
  if old then  -- another report of this event the same day: its keys join the day's record
    local set, list = {}, {}
    for k in string.gmatch(string.match(old, '|(.*)$') or '', '%S+') do set[k] = true; list[#list + 1] = k end
    for _, k in ipairs(mine.keys) do
      if not set[k] and #list < kcap then set[k] = true; list[#list + 1] = k end
    end
    ks = table.concat(list, ' ')
  end
  redis.call('hset', rk, h, eid .. '|' .. ks)
  lists = lists or redis.call('hmget', ik, unpack(mine.anchors))
  local args = {}
  for i, k in ipairs(mine.anchors) do
    local l = lists[i] or ''
    if not string.find(' ' .. l .. ' ', ' ' .. h .. ' ', 1, true) then
      local _, n = string.gsub(l, ' ', '')
      if l ~= '' and n + 1 >= cap then l = string.match(l, '^%S+ (.*)$') or '' end
      l = (l == '') and h or (l .. ' ' .. h)
      args[#args + 1] = k; args[#args + 1] = l
    end
  end
  if #args > 0 then redis.call('hset', ik, unpack(args)) end
  touch(rk, day_expiry(day)); touch(ik, day_expiry(day))
end

local function record(eid, field, report, new)
  local v, here = redis.call('hget', KEYS[2], eid), true
  if not v then  -- carried into this slot from the previous one (a new event has none)
    v, here = (not new) and redis.call('hget', KEYS[3], eid) or '', false
  end
  local mark = '\n' .. field .. '\t'
  if not string.find(v, mark, 1, true) and #v < rcap then
    v, here = v .. mark .. report, false
  end
  if not here then redis.call('hset', KEYS[2], eid, v) end
  touch(KEYS[2], rep_at)
end

local _, lines = string.gsub(ARGV[18], '[^\n]+', '')
local next_h = redis.call('incrby', KEYS[1], lines) - lines  -- one handle per event, used or not
for line in string.gmatch(ARGV[18], '[^\n]+') do
  local words, field, report = string.match(line, '^([^\t]*)\t([^\t]*)\t(.*)$')
  local w_ = {}
  for word in string.gmatch(words, '%S+') do w_[#w_ + 1] = word end
  local new_id, day, story = w_[1], tonumber(w_[2]), w_[3]
  local mine = {keys = {}, set = {}, w = 0, city = false, anchors = {}, rank = {}, n = 0, ng = 0}
  for j = 4, #w_ do
    local k = w_[j]
    local kind = string.sub(k, 1, 1)
    mine.keys[#mine.keys + 1] = k; mine.set[k] = true; mine.w = mine.w + weight(k)
    if kind == 'p' then mine.city = true end
    if kind == 'n' then mine.n = mine.n + 1 end
    if kind ~= 'g' then mine.ng = mine.ng + 1 end
    if kind == 'p' or kind == 'c' then mine.place = true end
    if kind == 'a' or kind == 'r' or kind == 'p' or kind == 'c' then mine.anchors[#mine.anchors + 1] = k end
  end
  if #mine.anchors == 0 then mine.anchors = mine.keys end
  for i, k in ipairs(mine.anchors) do mine.rank[i] = weight(k) + ((string.sub(k, 1, 1) == 'p') and 100 or 0) end
  local h, eid, how, s, lists, old = decide(mine, day, story)
  next_h = next_h + 1
  if not h then h, eid = string.format('%d', next_h), new_id end
  store(h, eid, mine, day, lists, old)
  record(eid, field, report, how == 'new')
  if story ~= '.' and how ~= 'story' then
    redis.call('hsetnx', KEYS[4], string.sub(story, 2), h .. ' ' .. eid)
    touch(KEYS[4], rep_at)
  end
  out[#out + 1] = eid .. ' ' .. how .. ' ' .. string.format('%.4f', s)
end
for key, at in pairs(touched) do redis.call('expireat', key, math.ceil(at)) end
return table.concat(out, '\n')
