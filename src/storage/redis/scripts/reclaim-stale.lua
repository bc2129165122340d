-- Allocating tickets claimed before a moment go back to queued: the instance placing them died.
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua)
-- ARGV[1]  claimedBefore (epoch ms, exclusive)
-- ARGV[2]  now (epoch ms)
--
-- Returns the requeued tickets.
local stale = redis.call('ZRANGE', ALLOCATING, '-inf', '(' .. ARGV[1], 'BYSCORE')
return requeue(stale, false, ARGV[2])
