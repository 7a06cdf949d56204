-- bucket: the per-key token bucket of authorize.lua (prepended to it by LuaScript).
-- tokens = min(capacity, tokens + elapsed_s * refill_per_s); a call costing c passes when tokens >= c and takes c.
-- Time is Redis TIME (microseconds) so every gateway uses the same clock.
-- The bucket is soft state: its writes go neither to the AOF nor to replicas (redis.set_repl(REPL_NONE)), so a
-- call's authorize never waits for an fsync under appendfsync always; after a restart or a failover every bucket is
-- full again. Nothing else may be written after take_tokens in the same script (it would not be persisted either).
-- When an idle bucket expires, Redis itself still appends a DEL of it to the AOF: harmless, the key was never there.
-- take_tokens(bucket key, capacity, refill per second (> 0), cost (<= capacity))
--   -> 'allowed', floor(tokens left) | 'limited', retry after ms
local function take_tokens(key, cap, rate, cost)
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
  local h = redis.call('HMGET', key, 'tokens', 'ts')
  local tokens, ts = tonumber(h[1]) or cap, tonumber(h[2]) or now
  if now > ts then tokens = math.min(cap, tokens + (now - ts) * rate / 1000000) end
  if now < ts then now = ts end -- Redis clock stepped back: no refill, keep the later stamp
  local full_ms = math.ceil(cap / rate * 1000) + 1000
  local allowed = tokens >= cost
  if allowed then tokens = tokens - cost end
  redis.set_repl(redis.REPL_NONE)
  redis.call('HSET', key, 'tokens', string.format('%.17g', tokens), 'ts', string.format('%.0f', now))
  redis.call('PEXPIRE', key, full_ms)
  if allowed then return 'allowed', string.format('%.0f', math.floor(tokens)) end
  return 'limited', string.format('%.0f', math.ceil((cost - tokens) / rate * 1000))
end
