package dev.sessiongate.util;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.runtime.ObjectMethods;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes the JDK forget the SessionGate classes it keeps in static places, so that a stopped
 * webapp's class loader can be collected.
 *
 * <p>On Java 17 the methods that records get ({@code equals}, {@code hashCode}, {@code toString})
 * are made at their first call by {@link ObjectMethods}, which adapts a few method handles held in
 * its static fields to the record's types with {@link MethodHandle#asType}; each of those handles
 * keeps its last adaptation, types included, in a field of its own. The last record made that way
 * (a {@code UserKey} compared in a cache) thus holds its class loader for as long as the JVM runs,
 * a webapp that was undeployed long ago included. Making the three methods once more for a JDK
 * type replaces those adaptations.
 */
public final class JdkCaches {
    private static final Logger LOG = LoggerFactory.getLogger(JdkCaches.class);

    private JdkCaches() {
    }

    /** Replaces what {@link ObjectMethods} keeps of the last record types it saw; call it when stopping. */
    public static void forgetRecordTypes() {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            MethodHandle component = MethodHandles.publicLookup().findVirtual(String.class, "trim",
                    MethodType.methodType(String.class));
            ObjectMethods.bootstrap(lookup, "equals", MethodType.methodType(boolean.class, String.class, Object.class),
                    String.class, "value", component);
            ObjectMethods.bootstrap(lookup, "hashCode", MethodType.methodType(int.class, String.class), String.class,
                    "value", component);
            ObjectMethods.bootstrap(lookup, "toString", MethodType.methodType(String.class, String.class), String.class,
                    "value", component);
        } catch (Throwable e) { // a JDK that refuses has nothing of ours to forget there
            LOG.debug("event=record_types_not_forgotten", e);
        }
    }
}
