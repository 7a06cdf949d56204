/** Cold start: at most one load per model in flight per gateway; waits are bounded and end in a value. */
package io.infermesh.router.cold;
