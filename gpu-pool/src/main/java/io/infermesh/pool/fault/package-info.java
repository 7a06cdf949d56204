/**
 * Deliberate faults for experiments: {@link io.infermesh.pool.fault.SlowedBackend} turns a worker into a slow one
 * ({@code infermesh.pool.fault.slowdown}), as the router's tail-latency benchmark needs. Off unless configured.
 */
package io.infermesh.pool.fault;
