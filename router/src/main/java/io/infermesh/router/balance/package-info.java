/**
 * Choosing workers: {@link io.infermesh.router.balance.PeakEwmaBalancer} (P2C over peak-EWMA latency × in-flight,
 * failure penalty) and {@link io.infermesh.router.balance.OutlierEjection} (eject after consecutive failures,
 * exponential ejection time, one probe to come back). Every {@code begin} is matched by exactly one {@code finish}.
 */
package io.infermesh.router.balance;
