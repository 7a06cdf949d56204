-- rate_limit: one call against a token bucket (see bucket.lua).
-- KEYS[1] bucket hash {tokens, ts_us}
-- ARGV[1] capacity  ARGV[2] refill per second (> 0)  ARGV[3] cost (<= capacity)
-- -> {'allowed', floor(tokens left)} | {'limited', retry after ms}
local decision, value = take_tokens(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
return {decision, value}
