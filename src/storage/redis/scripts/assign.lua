-- Allocating tickets of one match become matched with their assignment.
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua)
-- ARGV[1]  match id
-- ARGV[2]  now (epoch ms)
-- ARGV[3]  retention of terminal tickets in ms
-- ARGV[4 .. end]  pairs of ticket id, assignment JSON
--
-- Returns the matched tickets (tickets not allocating for this match are skipped).
local match_id, now, retention = ARGV[1], ARGV[2], ARGV[3]
local matched = {}
for i = 4, #ARGV, 2 do
  local id = ARGV[i]
  if allocating_for(id, match_id) then
    redis.call('HSET', ticket_key(id), 'assignment', ARGV[i + 1])
    bump(id, 'matched', now)
    retire(id, retention)
    matched[#matched + 1] = read(id)
  end
end
return matched
