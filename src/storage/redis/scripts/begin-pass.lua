-- Opens a matching pass in one step, in this order: the change log entries the caller's listing
-- has read go; allocating tickets claimed before a moment go back to queued (the instance placing
-- them died); then queued tickets whose expiresAt has come become expired (a ticket just reclaimed
-- too). The caller lists the queued ids once this script has answered, with plain commands (the
-- changes since its last pass, or the whole set): listing them here built a Lua table of the whole
-- queue and held Redis up about three times as long (BENCHMARKS.md, section 6).
-- Terminal tickets need no sweep here: their keys carry TTLs. Index entries whose ticket is gone
-- (its safety TTL ran out) are dropped once they are due to expire.
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua)
-- ARGV[1]  claimedBefore (epoch ms, exclusive)
-- ARGV[2]  now (epoch ms)
-- ARGV[3]  retention of terminal tickets in ms
-- ARGV[4]  the epoch of the change log the caller's listing follows ("" for none)
-- ARGV[5]  the number of the last log entry that listing has read (0 for none)
--
-- Returns {reclaimed, expired}: two lists of tickets.
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

local reclaimed = requeue(redis.call('ZRANGE', ALLOCATING, '-inf', '(' .. claimed_before, 'BYSCORE'), false, now)

local expired = {}
for _, id in ipairs(redis.call('ZRANGE', EXPIRY, '-inf', now, 'BYSCORE')) do
  if state_of(id) == 'queued' then
    bump(id, 'expired', now)
    retire(id, retention)
    expired[#expired + 1] = read(id)
  else
    redis.call('ZREM', EXPIRY, id)
    remove_queued(id)
  end
end

return {reclaimed, expired}
