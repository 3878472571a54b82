package dev.sessiongate.bench;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.sessiongate.auth.Identity;
import dev.sessiongate.key.UserKey;
import dev.sessiongate.session.CaffeineSessionStore;
import dev.sessiongate.session.Session;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Set;
import java.util.SplittableRandom;
import javax.management.ObjectName;

/**
 * Retained heap per cached session: used heap after full GCs with 1,000,000 live sessions in the
 * Caffeine store, minus the same with the empty store, divided by the count; then the largest
 * classes of a live-object histogram, to say where the bytes go.
 *
 * <p>The sessions are as the filter makes them: a random 256-bit key, a random 128-bit id, the
 * identity of one of 20,000 users (shared, as the authenticator returns one per user), one of
 * 20,000 client IPv4 addresses, timestamps, no attributes: 50 sessions per user and per address,
 * the default {@code sessions.max-per-user} and {@code sessions.max-per-ip}, so that the store's
 * per-user and per-address counts are part of the figure.
 */
public final class SessionMemory {
    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        CaffeineSessionStore store = new CaffeineSessionStore(count, Duration.ofHours(1), Duration.ofHours(8), Ticker.systemTicker());
        Identity[] users = new Identity[Math.max(1, count / 50)];
        for (int i = 0; i < users.length; i++) {
            users[i] = new Identity("user" + i, Set.of("partners"), "0123456789abcdef");
        }
        long baseline = usedAfterGc();
        SplittableRandom random = new SplittableRandom(42);
        long now = System.currentTimeMillis();
        for (int i = 0; i < count; i++) {
            UserKey key = new UserKey(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong());
            int address = (i * 7919) % users.length; // another pairing of users and addresses than i % users
            String ip = "10." + ((address >> 16) & 0xFF) + "." + ((address >> 8) & 0xFF) + "." + (address & 0xFF);
            store.save(new Session(key, users[i % users.length], ip, now, System.nanoTime()));
        }
        long full = usedAfterGc();
        System.out.printf("sessions=%d size=%d retained=%d MiB perSession=%d bytes%n",
                count, store.size(), (full - baseline) >> 20, (full - baseline) / count);
        String histogram = (String) ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
                new Object[] {null}, new String[] {String[].class.getName()});
        histogram.lines().limit(14).forEach(System.out::println);
        System.out.println(store.size()); // keep the store reachable until here
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 4; i++) {
            System.gc();
            Thread.sleep(200);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
