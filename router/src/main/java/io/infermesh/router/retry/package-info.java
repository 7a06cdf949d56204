/** What bounds retries and hedges: the retry budget and the per-model latency histogram behind the hedging delay. */
package io.infermesh.router.retry;
