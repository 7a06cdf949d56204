/** Scale-out and scale-to-zero decisions; pure logic over an injected clock, carried out by the gateway. */
package io.infermesh.router.scale;
