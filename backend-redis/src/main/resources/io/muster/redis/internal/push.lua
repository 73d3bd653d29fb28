-- Appends one entry to a rank's inbox, unless the job's state is gone (then the entry would only
-- be litter), and keeps the inbox from outliving the job.
-- KEYS[1]: the group hash, KEYS[2]: the inbox.  ARGV: instance, ttl ms, entry.
-- Returns the inbox's length, or -1 when the job's state is gone.
if redis.call('HGET', KEYS[1], 'instance') ~= ARGV[1] then
  return -1
end
local n = redis.call('RPUSH', KEYS[2], ARGV[3])
redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[2]))
return n
