-- Every queued ticket of the queue, in priority order. Read-only.
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua)
--
-- Returns a list of tickets.
local tickets = {}
for _, id in ipairs(redis.call('ZRANGE', QUEUED, 0, -1)) do
  local ticket = read(id)
  if ticket[2] == 'queued' then
    tickets[#tickets + 1] = ticket
  end
end
return tickets
