-- authorize: the per-call fast path in one round trip: the API key's record, then one call against its bucket
-- (bucket.lua). An unknown or revoked key takes no token.
-- KEYS[1] key record hash (im:apikey:<sha256>)  KEYS[2] the key's bucket hash
-- ARGV[1] capacity  ARGV[2] refill per second (> 0)  ARGV[3] cost (<= capacity)
-- -> {'unknown'} | {'allowed' | 'limited', tokens left | retry after ms, account, id, created, last4, label}
local f = redis.call('HMGET', KEYS[1], 'account', 'id', 'created', 'last4', 'label')
if not f[1] then return {'unknown'} end
local decision, value = take_tokens(KEYS[2], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]))
return {decision, value, f[1], f[2], f[3], f[4], f[5]}
