-- take: one token from a subject's bucket (bucket.lua), for callers that have no API key yet (sign-in by client
-- address). Soft state like every bucket: nothing of it reaches the AOF.
-- KEYS[1] the bucket hash (im:rate:<subject>)
-- ARGV[1] capacity  ARGV[2] refill per second (> 0)  ARGV[3] cost (<= capacity)
-- -> {'allowed', tokens left} | {'limited', retry after ms}
local decision, value = take_tokens(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
return {decision, value}
