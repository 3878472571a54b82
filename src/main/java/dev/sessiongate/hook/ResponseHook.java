package dev.sessiongate.hook;

/**
 * Told about every response whose status is outside 2xx, SessionGate's own refusals included.
 * Called on the request thread once the response is complete; keep it quick and do not throw.
 */
@FunctionalInterface
public interface ResponseHook {

    void onResponse(ResponseEvent event);
}
