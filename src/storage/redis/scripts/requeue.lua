-- Allocating tickets of one match go back to queued, keeping their createdAt (their priority).
--
-- KEYS[1]  the queue's key prefix (see ticket-lib.lua)
-- ARGV[1]  match id
-- ARGV[2]  now (epoch ms)
-- ARGV[3 .. end]  ticket ids
--
-- Returns the requeued tickets (tickets not allocating for this match are skipped).
return requeue({unpack(ARGV, 3)}, ARGV[1], ARGV[2])
