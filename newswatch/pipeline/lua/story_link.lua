-- Story linking of a batch in one atomic step (newswatch/pipeline/story_link.py): online TF-IDF over
-- entities and content words, look up, decide, index, count. Every key is in KEYS, one hash tag.
-- KEYS: seq, link map (this slot, previous slot), then for each day today-2 .. today: its document
-- frequencies (term -> documents, '' -> all documents), its index (term -> handles), its story vectors
-- (handle -> "happening|published|norm|language|entity norm|guard|term weight term weight ...").
-- A happening is "e:<event id>" or "s:<story id>". ARGV: now, today, threshold, max_gap (s), min_docs,
-- anchors, list cap, top, day expire-at (today's), map expire-at, the batch (below), the threshold to join
-- a story with no event (`threshold` is to join an event), the threshold across languages (entity terms
-- only). The batch: one line per item "happening published(-1) mode language(-) guard term count ...", mode
-- "e" (opened an event) or "s" (opened a story, no event): looks up, may join an event or a story, and is
-- stored; "i" (joined an event by its keys): follows, and is stored; "0" (a story's copy): follows.
-- Every stored report carries its happening as resolved then (a linked one: where it was linked).
-- Returns one line per item: "happening how score", how = linked | copy (its happening was linked) | none.
local now, today, threshold, max_gap = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local min_docs, n_anchors, cap, top = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local day_at, map_at, story_threshold = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[12])
local cross_threshold = tonumber(ARGV[13])
local out, df_add, touched = {}, {}, {}
local function df(i) return KEYS[4 + 3 * i] end   -- i = 0 (today - 2) .. 2 (today)
local function ix(i) return KEYS[5 + 3 * i] end
local function sv(i) return KEYS[6 + 3 * i] end

local function weights(terms)  -- tf-idf weight of each term with the frequencies of the last three days
  local docs, freq = 0, {}
  local fields = {''}
  for _, t in ipairs(terms) do fields[#fields + 1] = t[1] end
  for i = 0, 2 do
    local got = redis.call('hmget', df(i), unpack(fields))
    docs = docs + (tonumber(got[1]) or 0)
    for j = 2, #got do freq[j - 1] = (freq[j - 1] or 0) + (tonumber(got[j]) or 0) end
  end
  local w, norm = {}, 0
  for j, t in ipairs(terms) do
    local x = (1 + math.log(t[2])) * math.log((docs + 1) / (freq[j] + 1))
    w[j] = x; norm = norm + x * x
  end
  return w, math.sqrt(norm), docs
end

local function anchors(terms, w)  -- the `n_anchors` heaviest terms
  local order = {}
  for j = 1, #terms do order[j] = j end
  table.sort(order, function(a, b) if w[a] ~= w[b] then return w[a] > w[b] end return terms[a][1] < terms[b][1] end)
  local out_ = {}
  for j = 1, math.min(n_anchors, #order) do out_[j] = terms[order[j]][1] end
  return out_, order
end

-- entities (country, city, actor) and numbers: the terms written alike in every language
local function is_entity(t) return string.find(t, '^[CPAN]:') ~= nil end

-- An event's guard: ",<its place and nationality keys, comma-separated>", '-' for no event. Two events are never
-- one when both name a city (else a place) and share none, or name different parties: the clusterer's own rules
-- (event_keys.apart, conflict "place"; other_parties), so linking never joins what clustering kept apart (Lavrov
-- in Luanda, Lavrov in Mbabane). The type family is not compared: the extractor's types are too often wrong
-- for that (a shooting read as a "visit" of the police), and the clusterer already compares them.
local function parse_guard(g)
  if g == '-' or g == nil then return nil end
  local set = {}
  for k in string.gmatch(g, '[^,]+') do set[k] = true end
  return {keys = set}
end

local function apart(a, b, kinds)
  local ha, hb = false, false
  for k in pairs(a) do
    if string.find(kinds, string.sub(k, 1, 1), 1, true) then
      if b[k] then return false end
      ha = true
    end
  end
  for k in pairs(b) do if string.find(kinds, string.sub(k, 1, 1), 1, true) then hb = true end end
  return ha and hb
end

-- two sets of parties (event_keys.other_parties): two nationalities or more each, one the other lacks each,
-- at most one shared (the US-Iran and the US-brokered Russia-Ukraine talks in Geneva)
local function other_parties(a, b)
  local na, nb, shared = 0, 0, 0
  for k in pairs(a) do
    if string.sub(k, 1, 2) == 'n:' then na = na + 1; if b[k] then shared = shared + 1 end end
  end
  for k in pairs(b) do if string.sub(k, 1, 2) == 'n:' then nb = nb + 1 end end
  return na >= 2 and nb >= 2 and shared <= 1 and na > shared and nb > shared
end

local function conflict(g1, g2)
  if not g1 or not g2 then return false end
  return apart(g1.keys, g2.keys, 'p') or apart(g1.keys, g2.keys, 'pc') or other_parties(g1.keys, g2.keys)
end

-- The best stored happening for the item: in its own language by the cosine of all terms (`threshold` to
-- join an event, or anything for an item with an event (`guard`); `story_threshold` a story); in another
-- language by the cosine of the entity and number terms alone (`cross_threshold`), only when they share at
-- least two of them (one shared country says too little).
local function best_story(terms, w, norm, enorm, anchor, pub, own, lang, guard)
  local acc, mine = {}, {}
  for j, t in ipairs(terms) do mine[t[1]] = w[j] end
  for i = 0, 2 do
    local lists = redis.call('hmget', ix(i), unpack(anchor))
    for k = 1, #anchor do
      if lists[k] then
        for h in string.gmatch(lists[k], '%S+') do acc[h] = acc[h] or {0, i}; acc[h][1] = acc[h][1] + mine[anchor[k]] end
      end
    end
  end
  local cands = {}
  for h, a in pairs(acc) do cands[#cands + 1] = {a[1], h, a[2]} end
  table.sort(cands, function(x, y) if x[1] ~= y[1] then return x[1] > y[1] end return x[2] < y[2] end)
  local best, best_s, best_h = nil, -1, nil
  for k = 1, math.min(top, #cands) do
    local h = cands[k][2]
    local v
    for i = 2, 0, -1 do v = v or redis.call('hget', sv(i), h) end
    local sid, spub, snorm, slang, senorm, sguard, ts
    if v then
      sid, spub, snorm, slang, senorm, sguard, ts = string.match(v, '^([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|([^|]*)|(.*)$')
    end
    if sid then
      spub, snorm, senorm = tonumber(spub), tonumber(snorm), tonumber(senorm)
      local eligible = sid ~= own and not conflict(guard, parse_guard(sguard))
      local cross = lang ~= '-' and slang ~= '-' and lang ~= slang
      if eligible and (pub < 0 or spub < 0 or math.abs(pub - spub) <= max_gap) then
        local dot, edot, shared = 0, 0, 0
        for t, x in string.gmatch(ts, '(%S+) (%S+)') do
          local y = mine[t]
          if y then
            dot = dot + y * tonumber(x)
            if is_entity(t) then edot, shared = edot + y * tonumber(x), shared + 1 end
          end
        end
        local s, need = -1, 2
        if cross then
          if shared >= 2 and enorm > 0 and senorm > 0 then s, need = edot / (enorm * senorm), cross_threshold end
        elseif norm > 0 and snorm > 0 then
          s = dot / (norm * snorm)
          need = (string.sub(sid, 1, 2) == 'e:' or guard) and threshold or story_threshold
        end
        if s >= need and (s > best_s or (s == best_s and sid < best)) then best, best_s, best_h = sid, s, h end
      end
    end
  end
  return best, best_s, best_h
end

local function index(h, anchor)
  local lists, args = redis.call('hmget', ix(2), unpack(anchor)), {}
  for k, t in ipairs(anchor) do
    local l = lists[k] or ''
    if not string.find(' ' .. l .. ' ', ' ' .. h .. ' ', 1, true) then
      local _, n = string.gsub(l, ' ', '')
      if l ~= '' and n + 1 >= cap then l = string.match(l, '^%S+ (.*)$') or '' end
      args[#args + 1] = t; args[#args + 1] = (l == '') and h or (l .. ' ' .. h)
    end
  end
  if #args > 0 then redis.call('hset', ix(2), unpack(args)) end
end

local function store(happening, pub, lang, guard, terms, w, norm, enorm, order, anchor)
  local h = string.format('%d', redis.call('incr', KEYS[1]))
  local parts = {}
  for k = 1, math.min(#order, 40) do
    local j = order[k]
    if w[j] > 0 then parts[#parts + 1] = terms[j][1] .. ' ' .. string.format('%.3f', w[j]) end
  end
  redis.call('hset', sv(2), h, happening .. '|' .. string.format('%.0f', pub) .. '|' .. string.format('%.4f', norm) ..
             '|' .. lang .. '|' .. string.format('%.4f', enorm) .. '|' .. guard .. '|' .. table.concat(parts, ' '))
  index(h, anchor)
end

for line in string.gmatch(ARGV[11], '[^\n]+') do
  local w_ = {}
  for word in string.gmatch(line, '%S+') do w_[#w_ + 1] = word end
  local story, pub, mode, lang, guard = w_[1], tonumber(w_[2]), w_[3], w_[4], w_[5]
  local linked = redis.call('hget', KEYS[2], story) or redis.call('hget', KEYS[3], story)
  local happening = linked or story
  if linked then
    out[#out + 1] = linked .. ' copy 1'
  elseif mode == '0' or mode == 'i' or #w_ < 7 then
    out[#out + 1] = story .. ' none 0'
  end
  if mode ~= '0' and #w_ >= 7 then
    local terms = {}
    for j = 6, #w_ - 1, 2 do terms[#terms + 1] = {w_[j], tonumber(w_[j + 1])} end
    local w, norm, docs = weights(terms)
    local enorm = 0
    for j, t in ipairs(terms) do if is_entity(t[1]) then enorm = enorm + w[j] * w[j] end end
    enorm = math.sqrt(enorm)
    local anchor, order = anchors(terms, w)
    if not linked and mode ~= 'i' then
      local sid, s = nil, 0
      if docs >= min_docs then sid, s = best_story(terms, w, norm, enorm, anchor, pub, story, lang,
                                                   parse_guard(guard)) end
      if sid then   -- a stored report's happening may have been linked on since it was stored
        sid = redis.call('hget', KEYS[2], sid) or redis.call('hget', KEYS[3], sid) or sid
        redis.call('hset', KEYS[2], story, sid)
        touched[KEYS[2]] = map_at
        happening = sid
        out[#out + 1] = sid .. ' linked ' .. string.format('%.4f', s)
      else
        out[#out + 1] = story .. ' none 0'
      end
    end
    store(happening, pub, lang, guard, terms, w, norm, enorm, order, anchor)
    for _, t in ipairs(terms) do df_add[t[1]] = (df_add[t[1]] or 0) + 1 end
    df_add[''] = (df_add[''] or 0) + 1
  end
end
for t, n in pairs(df_add) do redis.call('hincrby', df(2), t, n) end
if next(df_add) then touched[df(2)] = day_at; touched[ix(2)] = day_at; touched[sv(2)] = day_at end
for key, at in pairs(touched) do redis.call('expireat', key, at) end
return table.concat(out, '\n')
