package dev.sessiongate.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/** Sessions of one user share one identity instance (it is most of a session's memory otherwise). */
class IdentityTest {
    @Test
    void equalIdentitiesAreSharedAndADifferentCredentialIsNot() {
        Identity first = new Identity(new String("alice"), Set.of("staff"), new String("tag-1")).shared();
        Identity again = new Identity(new String("alice"), Set.of("staff"), new String("tag-1")).shared();
        Identity changed = new Identity("alice", Set.of("staff"), "tag-2").shared();
        assertThat(again).isSameAs(first);
        assertThat(changed).isNotSameAs(first).isNotEqualTo(first);
    }
}
