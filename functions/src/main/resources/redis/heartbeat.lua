-- heartbeat: renew a worker's lease by Redis time; the heartbeat key expires with the lease.
-- KEYS[1] worker hash  KEYS[2] heartbeat string  KEYS[3] lease index (zset, score = expiry ms)
-- ARGV[1] worker id  ARGV[2] lease token hash  ARGV[3] heartbeat JSON  ARGV[4] ttl ms
-- -> {'renewed', expires_at_ms} | {'unknown'} | {'wrong_token'}
local th = redis.call('HGET', KEYS[1], 'token_hash')
if not th then return {'unknown'} end
if th ~= ARGV[2] then return {'wrong_token'} end
local t = redis.call('TIME')
local exp = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[4])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('ZADD', KEYS[3], exp, ARGV[1])
return {'renewed', string.format('%.0f', exp)}
