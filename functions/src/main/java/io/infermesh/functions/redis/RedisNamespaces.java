package io.infermesh.functions.redis;

import io.infermesh.functions.Namespaces;
import io.infermesh.store.manifest.EthAddress;
import io.lettuce.core.SetArgs;
import java.util.Objects;
import java.util.Optional;

/** {@link Namespaces} as one {@code SET NX} per org: the first writer wins on every gateway at once. */
public final class RedisNamespaces implements Namespaces {
    private final RedisState redis;

    public RedisNamespaces(RedisState redis) {
        this.redis = Objects.requireNonNull(redis, "redis");
    }

    @Override
    public EthAddress claim(String org, EthAddress publisher) {
        String key = RedisKeys.org(org);
        String previous = redis.call(c -> c.setGet(key, publisher.value(), SetArgs.Builder.nx()));
        return previous == null ? publisher : EthAddress.of(previous);
    }

    @Override
    public Optional<EthAddress> owner(String org) {
        return Optional.ofNullable(redis.call(c -> c.get(RedisKeys.org(org)))).map(EthAddress::of);
    }
}
