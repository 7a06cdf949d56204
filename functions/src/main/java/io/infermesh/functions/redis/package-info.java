/**
 * The state layer on Redis through Lettuce. {@link io.infermesh.functions.redis.RedisState} owns the connection, runs
 * the Lua scripts in {@code src/main/resources/redis/} (EVALSHA, EVAL on NOSCRIPT) and maps Redis failures to
 * {@link io.infermesh.functions.FunctionsException}. The key layout is documented on {@code RedisKeys}.
 *
 * <p>Every multi-key change is one script, and scripts validate everything before their first write: Redis runs a
 * script to the end without interleaving and logs its effects to the AOF as one MULTI/EXEC block, but does not roll
 * back a script that fails half-way. With {@code appendfsync always} (deploy/redis.sh) an acknowledged write survives
 * a crash of Redis.
 */
package io.infermesh.functions.redis;
