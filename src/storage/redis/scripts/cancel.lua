-- Queued becomes cancelled; a cancelled ticket is reported cancelled again; any other state stays.
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua)
-- ARGV[1]  ticket id
-- ARGV[2]  now (epoch ms)
-- ARGV[3]  retention of terminal tickets in ms
--
-- Returns {"cancelled", ticket}, {"not-cancellable", ticket} or {"not-found"}.
local id, now, retention = ARGV[1], ARGV[2], ARGV[3]
local state = state_of(id)
if not state then
  return {'not-found'}
end
if state == 'cancelled' then
  return {'cancelled', read(id)}
end
if state ~= 'queued' then
  return {'not-cancellable', read(id)}
end
bump(id, 'cancelled', now)
retire(id, retention)
return {'cancelled', read(id)}
