-- pool_register: store a pool's signed registration unless a newer or equally old one is stored.
-- KEYS[1] pool hash
-- ARGV[1] issued at (epoch seconds)  ARGV[2] the signed registration JSON  ARGV[3] its signature
-- -> {'accepted'} | {'superseded'}
local stored = redis.call('HGET', KEYS[1], 'issued_at')
if stored and tonumber(stored) >= tonumber(ARGV[1]) then return {'superseded'} end
redis.call('HSET', KEYS[1], 'issued_at', ARGV[1], 'registration', ARGV[2], 'signature', ARGV[3])
return {'accepted'}
