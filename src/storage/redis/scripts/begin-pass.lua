-- Opens a matching pass in one step, in this order: the change log entries the caller's listing
-- has read go; allocating tickets claimed before a moment go back to queued (the instance placing
-- them died); then queued tickets whose expiresAt has come become expired (a ticket just reclaimed
-- too). The caller lists the queued ids once this script has answered, with plain commands (the
-- changes since its last pass, or the whole set): listing them here built a Lua table of the whole
-- queue and held Redis up about three times as long (BENCHMARKS.md, section 6).
-- Terminal tickets need no sweep here: their keys carry TTLs. Index entries whose ticket is gone
-- (its safety TTL ran out) are dropped once they are due to expire.
--
-- Watchers learn of a reclaim or an expiry only from the caller's announcement, and the caller
-- learns of them only from this script's answer, which can be lost (a reply past the caller's
-- deadline) after the changes are made. So every ticket changed here is kept in UNANNOUNCED with
-- the number of the opening that handed it out, and handed out again (as it is then, renumbered) by
-- every later opening until its caller says it received that very opening's answer: an answer lost
-- leaves its tickets numbered for an opening nobody acknowledges. A ticket changed again keeps only
-- its latest number, so acknowledging an earlier opening does not drop the later change.
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua)
-- ARGV[1]  claimedBefore (epoch ms, exclusive)
-- ARGV[2]  now (epoch ms)
-- ARGV[3]  retention of terminal tickets in ms
-- ARGV[4]  the epoch of the change log the caller's listing follows ("" for none)
-- ARGV[5]  the number of the last log entry that listing has read (0 for none)
-- ARGV[6]  the number of the last opening whose answer the caller received ("" for none)
-- ARGV[7]  the most tickets this opening may hand out, all three lists together (1 to 10,000)
--
-- Returns {reclaimed, expired, earlier, reclaimed ids, expired ids, earlier ids, opening}: three
-- lists of tickets (earlier: changed by an earlier opening and not acknowledged, as they are now),
-- the ids of each in the same order, and this opening's number.
--
-- The budget bounds the work and the answer: a backlog (a queue left unmatched past its tickets'
-- time to live, the changes of openings whose answers were lost) is worked off over several
-- passes, never in one script that would hold Redis up for seconds or an answer too long to
-- arrive in time (the caller lowers the budget after an answer that did not). Earlier changes come
-- first, then reclaims, then expiries. A ticket past its time to live that waits for a later
-- opening is refused by any claim meanwhile (claim.lua checks expiresAt).
local claimed_before, now, retention = ARGV[1], ARGV[2], ARGV[3]
local read_epoch, read_seq, received = ARGV[4], tonumber(ARGV[5]), ARGV[6]
local budget = math.max(1, math.min(10000, tonumber(ARGV[7])))

-- The entries the caller has read before its last one go (it reads from that one on). Only from
-- the log it read: a log begun afresh, or rewound below that number, keeps its entries for the
-- whole listing the caller is about to make.
if read_seq > 0 then
  local head = redis.call('HMGET', CHANGES_HEAD, 'epoch', 'seq')
  if head[1] == read_epoch and tonumber(head[2]) >= read_seq then
    redis.call('XTRIM', CHANGES, 'MINID', '~', '0-' .. read_seq)
  end
end

-- The opening's number: the server's time in microseconds, unique to this call (scripts run one
-- at a time) and never reused, whatever keys are lost.
local time = redis.call('TIME')
local opening = time[1] .. string.format('%06d', tonumber(time[2]))
local earlier, earlier_ids = {}, {}
local pending = redis.call('HGETALL', UNANNOUNCED)
for i = 1, #pending, 2 do
  local id, number = pending[i], pending[i + 1]
  if number == received or redis.call('EXISTS', ticket_key(id)) == 0 then
    redis.call('HDEL', UNANNOUNCED, id)
  elseif #earlier < budget then
    earlier[#earlier + 1] = read(id)
    earlier_ids[#earlier_ids + 1] = id
    redis.call('HSET', UNANNOUNCED, id, opening)
  end
end
budget = budget - #earlier

local reclaimed, reclaimed_ids = {}, {}
if budget > 0 then
  for _, id in ipairs(redis.call('ZRANGE', ALLOCATING, '-inf', '(' .. claimed_before, 'BYSCORE', 'LIMIT', 0, budget)) do
    local requeued = requeue({id}, false, now)
    if #requeued == 1 then
      reclaimed[#reclaimed + 1] = requeued[1]
      reclaimed_ids[#reclaimed_ids + 1] = id
      redis.call('HSET', UNANNOUNCED, id, opening)
    else
      -- Not allocating any more (its ticket gone with its safety TTL): an index entry left behind,
      -- which would otherwise take a place in every later opening's window.
      redis.call('ZREM', ALLOCATING, id)
    end
  end
  budget = budget - #reclaimed
end

local expired, expired_ids = {}, {}
if budget > 0 then
  for _, id in ipairs(redis.call('ZRANGE', EXPIRY, '-inf', now, 'BYSCORE', 'LIMIT', 0, budget)) do
    if state_of(id) == 'queued' then
      bump(id, 'expired', now)
      retire(id, retention)
      expired[#expired + 1] = read(id)
      expired_ids[#expired_ids + 1] = id
      redis.call('HSET', UNANNOUNCED, id, opening)
    else
      redis.call('ZREM', EXPIRY, id)
      remove_queued(id)
    end
  end
end

-- Kept as long as the change log (an hour since the last change): an opening's answer is
-- acknowledged one tick later, a lease handed over within seconds.
if redis.call('EXISTS', UNANNOUNCED) == 1 then
  redis.call('PEXPIRE', UNANNOUNCED, CHANGES_TTL_MS)
end

return {reclaimed, expired, earlier, reclaimed_ids, expired_ids, earlier_ids, opening}
