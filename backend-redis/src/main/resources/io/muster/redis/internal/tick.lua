-- A rank's heartbeat: extends its lease, declares ranks whose lease ran out lost (once the group
-- is complete), keeps the job's keys from expiring, and returns the news since ARGV[5].
-- KEYS[1]: the group hash.
-- ARGV: prefix, instance, rank, who, events already seen, lease ms, ttl ms,
--       '1' to also copy the news into this rank's inbox (when Redis carries the messages).
-- Returns {'gone'} when the job's state vanished (server restarted or flushed, or another job of
-- the same name replaced it), {'dropped'} when this rank was declared lost or replaced,
-- else {'ok', state, event...} where an event is 'lost:R' or 'left:R'.
if redis.replicate_commands then redis.replicate_commands() end

local group = KEYS[1]
local prefix, inst, rank, who = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local seen, lease, ttl = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local toInbox = ARGV[8] == '1'
if redis.call('HGET', group, 'instance') ~= inst then
  return {'gone'}
end
local function key(name) return prefix .. inst .. ':' .. name end
local alive, events = key('alive'), key('events')
local mine = redis.call('ZSCORE', alive, rank)
if redis.call('HGET', key('who'), rank) ~= who or not mine then
  return {'dropped'}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
-- A rank whose own lease ran out was itself paused (a long GC, an overloaded host) or Redis was:
-- it renews, but does not judge the others this time, since they may have been paused with it.
local onTime = tonumber(mine) >= now
redis.call('ZADD', alive, now + lease, rank)

local state = redis.call('HGET', group, 'state')
if state == 'formed' and onTime then
  for _, dead in ipairs(redis.call('ZRANGEBYSCORE', alive, '-inf', '(' .. now)) do
    redis.call('ZREM', alive, dead)
    redis.call('RPUSH', events, 'lost:' .. dead)
  end
end
for _, k in ipairs({group, key('members'), key('who'), key('seat'), alive, key('came'),
    key('hosts'), events, key('next')}) do
  redis.call('PEXPIRE', k, ttl)
end

local news = redis.call('LRANGE', events, seen, -1)
if toInbox then
  local inbox = key('in:' .. rank)
  for _, e in ipairs(news) do
    redis.call('RPUSH', inbox, e)
  end
  if redis.call('EXISTS', inbox) == 1 then
    redis.call('PEXPIRE', inbox, ttl)
  end
end
local out = {'ok', state}
for _, e in ipairs(news) do
  out[#out + 1] = e
end
return out
