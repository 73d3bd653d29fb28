-- A rank leaves: before the group is complete it gives its seat back; afterwards it tells the
-- others it left (so they do not take it for dead). The last live rank deletes every key of the
-- job. Nothing happens when the job's state is no longer this rank's (a later job of that name).
-- KEYS[1]: the group hash.  ARGV: prefix, instance, rank, who.
-- Returns 2 when the job's keys were deleted, 1 when left, 0 when there was nothing to leave.
if redis.replicate_commands then redis.replicate_commands() end

local group = KEYS[1]
local prefix, inst, rank, who = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call('HGET', group, 'instance') ~= inst then
  return 0
end
local function key(name) return prefix .. inst .. ':' .. name end
local alive = key('alive')
if redis.call('HGET', key('who'), rank) == who then
  redis.call('ZREM', alive, rank)
  redis.call('DEL', key('in:' .. rank), key('go:' .. rank))
  if redis.call('HGET', group, 'state') == 'formed' then
    redis.call('RPUSH', key('events'), 'left:' .. rank)
  else
    local host = string.match(redis.call('HGET', key('members'), rank) or '', '^(.*):%d+$')
    if host then redis.call('HINCRBY', key('hosts'), host, -1) end
    redis.call('HDEL', key('members'), rank)
    redis.call('HDEL', key('who'), rank)
    redis.call('HDEL', key('seat'), who)
    redis.call('HINCRBY', group, 'joined', -1)
  end
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if redis.call('ZCOUNT', alive, now, '+inf') == 0 then
  local n = tonumber(redis.call('HGET', group, 'size'))
  redis.call('DEL', group, key('members'), key('who'), key('seat'), alive, key('came'),
    key('hosts'), key('events'), key('next'))
  for i = 0, n - 1 do redis.call('DEL', key('go:' .. i), key('in:' .. i)) end
  return 2
end
return 1
