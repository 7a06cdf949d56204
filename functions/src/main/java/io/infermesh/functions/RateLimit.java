package io.infermesh.functions;

/**
 * A token bucket's parameters: it holds at most {@code capacity} tokens (the burst), refills at
 * {@code refillPerSecond}, and starts full.
 *
 * @param capacity the burst size, 1 or more
 * @param refillPerSecond tokens added per second, above zero
 */
public record RateLimit(long capacity, double refillPerSecond) {
    public RateLimit {
        if (capacity < 1 || capacity > 1_000_000_000L) {
            throw FunctionsException.invalid("a rate limit capacity is 1 to 10^9 tokens");
        }
        if (!(refillPerSecond > 0) || Double.isInfinite(refillPerSecond)) {
            throw FunctionsException.invalid("a rate limit refill rate is a finite number above zero");
        }
    }
}
