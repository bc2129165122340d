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
-- deadline) after the changes are made. So every ticket changed here is remembered until the
-- caller acknowledges it (its next call names the ids it received), and handed out again, as it is
-- then, until it does.
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua)
-- ARGV[1]  claimedBefore (epoch ms, exclusive)
-- ARGV[2]  now (epoch ms)
-- ARGV[3]  retention of terminal tickets in ms
-- ARGV[4]  the epoch of the change log the caller's listing follows ("" for none)
-- ARGV[5]  the number of the last log entry that listing has read (0 for none)
-- ARGV[6..] the ids of the tickets the caller received from its last call (acknowledged)
--
-- Returns {reclaimed, expired, earlier, reclaimed ids, expired ids, earlier ids}: three lists of
-- tickets (earlier: changed by an earlier call and never acknowledged, as they are now) and the
-- ids of each, in the same order.
local claimed_before, now, retention = ARGV[1], ARGV[2], ARGV[3]
local read_epoch, read_seq = ARGV[4], tonumber(ARGV[5])

-- The entries the caller has read before its last one go (it reads from that one on). Only from
-- the log it read: a log begun afresh, or rewound below that number, keeps its entries for the
-- whole listing the caller is about to make.
if read_seq > 0 then
  local head = redis.call('HMGET', CHANGES_HEAD, 'epoch', 'seq')
  if head[1] == read_epoch and tonumber(head[2]) >= read_seq then
    redis.call('XTRIM', CHANGES, 'MINID', '~', '0-' .. read_seq)
  end
end

for i = 6, #ARGV do
  redis.call('SREM', UNANNOUNCED, ARGV[i])
end
local earlier, earlier_ids = {}, {}
for _, id in ipairs(redis.call('SMEMBERS', UNANNOUNCED)) do
  if redis.call('EXISTS', ticket_key(id)) == 1 then
    earlier[#earlier + 1] = read(id)
    earlier_ids[#earlier_ids + 1] = id
  else
    redis.call('SREM', UNANNOUNCED, id)
  end
end

local reclaimed, reclaimed_ids = {}, {}
for _, id in ipairs(redis.call('ZRANGE', ALLOCATING, '-inf', '(' .. claimed_before, 'BYSCORE')) do
  local requeued = requeue({id}, false, now)
  if #requeued == 1 then
    reclaimed[#reclaimed + 1] = requeued[1]
    reclaimed_ids[#reclaimed_ids + 1] = id
    redis.call('SADD', UNANNOUNCED, id)
  end
end

local expired, expired_ids = {}, {}
for _, id in ipairs(redis.call('ZRANGE', EXPIRY, '-inf', now, 'BYSCORE')) do
  if state_of(id) == 'queued' then
    bump(id, 'expired', now)
    retire(id, retention)
    expired[#expired + 1] = read(id)
    expired_ids[#expired_ids + 1] = id
    redis.call('SADD', UNANNOUNCED, id)
  else
    redis.call('ZREM', EXPIRY, id)
    remove_queued(id)
  end
end

-- Kept no longer than the tickets themselves (terminal ones are kept for the retention).
if #reclaimed_ids + #expired_ids > 0 then
  redis.call('PEXPIRE', UNANNOUNCED, retention)
end

return {reclaimed, expired, earlier, reclaimed_ids, expired_ids, earlier_ids}
