package io.infermesh.router;

/** Where one request goes: to a worker, or nowhere right now (a value, not an exception). */
public sealed interface RouteDecision permits Routed, Shed {}
