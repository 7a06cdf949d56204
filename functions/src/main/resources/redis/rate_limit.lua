-- rate_limit: token bucket. tokens = min(capacity, tokens + elapsed_s * refill_per_s); a call costing c passes
-- when tokens >= c and takes c. Time is Redis TIME (microseconds) so every gateway uses the same clock.
-- KEYS[1] bucket hash {tokens, ts_us}
-- ARGV[1] capacity  ARGV[2] refill per second (> 0)  ARGV[3] cost (<= capacity)
-- -> {'allowed', floor(tokens left)} | {'limited', retry after ms}
local cap, rate, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local h = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens, ts = tonumber(h[1]) or cap, tonumber(h[2]) or now
if now > ts then tokens = math.min(cap, tokens + (now - ts) * rate / 1000000) end
if now < ts then now = ts end -- Redis clock stepped back: no refill, keep the later stamp
local full_ms = math.ceil(cap / rate * 1000) + 1000
if tokens >= cost then
  tokens = tokens - cost
  redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.0f', now))
  redis.call('PEXPIRE', KEYS[1], full_ms)
  return {'allowed', string.format('%.0f', math.floor(tokens))}
end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.0f', now))
redis.call('PEXPIRE', KEYS[1], full_ms)
return {'limited', string.format('%.0f', math.ceil((cost - tokens) / rate * 1000))}
