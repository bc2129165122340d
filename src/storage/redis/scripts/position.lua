-- A queued ticket's 1-based position among the queue's queued tickets (older first, ties by id, as
-- Redis orders equal scores by member). Read-only.
--
-- KEYS[1]  the queue's sorted set of queued tickets (score createdAt, member id)
-- ARGV[1]  ticket id
-- ARGV[2]  the ticket's createdAt
--
-- A ticket no longer in the set (claimed or gone since its caller read it) is placed behind every
-- older ticket: its position no longer means anything, but it must still be a sensible number.
local rank = redis.call('ZRANK', KEYS[1], ARGV[1])
if rank then
  return rank + 1
end
return redis.call('ZCOUNT', KEYS[1], '-inf', '(' .. ARGV[2]) + 1
