-- Moves every listed ticket from queued to allocating for one match, or none of them: nothing
-- changes if any ticket is no longer queued, or if the caller's fencing token is not the queue's
-- current one (its matching lease has passed to another instance since).
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua)
-- ARGV[1]  fencing token of the caller's matching lease
-- ARGV[2]  match id
-- ARGV[3]  now (epoch ms)
-- ARGV[4 .. end]  ticket ids
--
-- Returns the claimed tickets, or nil.
local fence, match_id, now = ARGV[1], ARGV[2], ARGV[3]
if redis.call('GET', P .. 'fence') ~= fence then
  return nil
end
for i = 4, #ARGV do
  if state_of(ARGV[i]) ~= 'queued' then
    return nil
  end
end
local claimed = {}
for i = 4, #ARGV do
  index_allocating(ARGV[i], match_id, now)
  bump(ARGV[i], 'allocating', now)
  claimed[#claimed + 1] = read(ARGV[i])
end
return claimed
