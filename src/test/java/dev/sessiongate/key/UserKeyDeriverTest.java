package dev.sessiongate.key;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sessiongate.util.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Issue 13 point 7: the derivation leaves no credential behind and is the same on every thread;
 * issue 14 item 3: {@code %2F} keys apart from {@code /}.
 */
class UserKeyDeriverTest {
    private final UserKeyDeriver deriver = new UserKeyDeriver(Secret.of("test-secret-0123456789abcdef"),
            List.of(KeyPart.parse("password"), KeyPart.parse("client-ip"), KeyPart.parse("path")));

    @Test
    void noCredentialByteIsLeftAfterADerivationEvenALongOne() {
        derive("alice:" + "p".repeat(5000), "/api/x");
        derive("bob:short", "/api/y");
        assertThat(deriver.holdsNoMessage()).isTrue();
    }

    @Test
    void everyThreadDerivesTheSameKey() throws Exception {
        UserKey expected = derive("alice:secret", "/api/x");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<UserKey>>> results = new ArrayList<>();
            for (int t = 0; t < 16; t++) {
                results.add(pool.submit(() -> {
                    start.await();
                    List<UserKey> keys = new ArrayList<>();
                    for (int i = 0; i < 2_000; i++) {
                        keys.add(derive(i % 2 == 0 ? "alice:secret" : "bob:other", "/api/x"));
                    }
                    return keys;
                }));
            }
            start.countDown();
            for (Future<List<UserKey>> result : results) {
                List<UserKey> keys = result.get();
                for (int i = 0; i < keys.size(); i += 2) {
                    assertThat(keys.get(i)).isEqualTo(expected);
                    assertThat(keys.get(i + 1)).isNotEqualTo(expected);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(deriver.holdsNoMessage()).isTrue();
    }

    /** Issue 14 item 3: the gateway forwards {@code %2F} as it came, so it is its own path in the key too. */
    @Test
    void anEncodedSlashIsAnotherPathThanASlash() {
        UserKey encoded = derive("alice:secret", PathNormalizer.normalize("/anything/a%2Fb"));
        assertThat(derive("alice:secret", PathNormalizer.normalize("/anything/a/b"))).isNotEqualTo(encoded);
        assertThat(derive("alice:secret", PathNormalizer.normalize("/anything/a%2fb"))).isEqualTo(encoded);
        assertThat(derive("alice:secret", PathNormalizer.normalize("/admin%2F.."))).isNotEqualTo(derive("alice:secret", "/"));
        assertThat(derive("alice:secret", PathNormalizer.normalize("/x%2F..%2Fadmin")))
                .isNotEqualTo(derive("alice:secret", "/admin"));
    }

    private UserKey derive(String credentials, String path) {
        byte[] bytes = credentials.getBytes(StandardCharsets.UTF_8);
        return deriver.derive(bytes, credentials.indexOf(':'), "192.0.2.1", path, null);
    }
}
