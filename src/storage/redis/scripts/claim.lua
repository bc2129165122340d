-- Claims many matches at once (a chunk of a matching pass), each all or nothing: a match's tickets
-- all move from queued to allocating for it, or none of them do when any is no longer queued
-- (cancelled, expired, or claimed by an earlier match of the same call or by anyone meanwhile) or
-- is past its time to live at `now` (a pass would expire it: it may have been announced as expired
-- already, by a pass whose expiry a failover lost), or is named twice (it would play itself).
-- One match failing leaves the others alone. Nothing changes at all when the caller's fencing
-- token is not the queue's current one (its matching lease has passed to another instance since).
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua)
-- ARGV[1]  fencing token of the caller's matching lease
-- ARGV[2]  now (epoch ms)
-- ARGV[3 .. end]  the matches, one after the other: match id, n (its ticket count), n ticket ids
--
-- Returns nil for a stale token, else one entry per match in order: its claimed tickets, or false
-- (nil in the reply) when the match was not claimed.
local fence, now = ARGV[1], ARGV[2]
if redis.call('GET', P .. 'fence') ~= fence then
  return nil
end
-- Queued, and within its time to live.
local function claimable_ticket(id)
  local fields = redis.call('HMGET', ticket_key(id), 'state', 'expiresAt')
  return fields[1] == 'queued' and tonumber(fields[2]) > tonumber(now)
end

local results = {}
local i = 3
while i <= #ARGV do
  local match_id, count = ARGV[i], tonumber(ARGV[i + 1])
  local first, last = i + 2, i + 1 + count
  local claimable = true
  local named = {}
  for j = first, last do
    if named[ARGV[j]] or not claimable_ticket(ARGV[j]) then
      claimable = false
      break
    end
    named[ARGV[j]] = true
  end
  if claimable then
    local claimed = {}
    for j = first, last do
      index_allocating(ARGV[j], match_id, now)
      bump(ARGV[j], 'allocating', now)
      claimed[#claimed + 1] = read(ARGV[j])
    end
    results[#results + 1] = claimed
  else
    results[#results + 1] = false
  end
  i = last + 1
end
return results
