/** What the router's users implement or supply: worker control (load/unload) and a scheduler for timers. */
package io.infermesh.router.spi;
