package dev.sessiongate.auth;

import java.util.Set;
import java.util.stream.Collectors;

/**
 * The configured policy: {@code policy.deny-users}, then {@code policy.allow-users}, then
 * {@code policy.require-group} (membership of any one of the listed groups).
 *
 * <p>Each list errs on its safe side: {@code deny-users} compares {@linkplain UserNames#fold
 * folded} names, so that {@code Alice} in the list still denies the directory's {@code alice};
 * {@code allow-users} compares names exactly, so that a user store with both {@code alice} and
 * {@code Alice} lets in only the one that is listed.
 */
public final class GroupPolicy implements AccessPolicy {
    private final Set<String> requireGroups;
    private final Set<String> allowUsers;
    private final Set<String> denyUsers;

    public GroupPolicy(Set<String> requireGroups, Set<String> allowUsers, Set<String> denyUsers) {
        this.requireGroups = Set.copyOf(requireGroups);
        this.allowUsers = Set.copyOf(allowUsers);
        this.denyUsers = denyUsers.stream().map(UserNames::fold).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public String denialReason(Identity identity) {
        if (denyUsers.contains(UserNames.fold(identity.name()))) {
            return "user is in policy.deny-users";
        }
        if (!allowUsers.isEmpty() && !allowUsers.contains(identity.name())) {
            return "user is not in policy.allow-users";
        }
        if (!requireGroups.isEmpty() && java.util.Collections.disjoint(requireGroups, identity.groups())) {
            return "user is in none of policy.require-group";
        }
        return null;
    }
}
