package dev.sessiongate.auth;

import java.util.Set;

/**
 * The configured policy: {@code policy.deny-users}, then {@code policy.allow-users}, then
 * {@code policy.require-group} (membership of any one of the listed groups).
 */
public final class GroupPolicy implements AccessPolicy {
    private final Set<String> requireGroups;
    private final Set<String> allowUsers;
    private final Set<String> denyUsers;

    public GroupPolicy(Set<String> requireGroups, Set<String> allowUsers, Set<String> denyUsers) {
        this.requireGroups = Set.copyOf(requireGroups);
        this.allowUsers = Set.copyOf(allowUsers);
        this.denyUsers = Set.copyOf(denyUsers);
    }

    @Override
    public String denialReason(Identity identity) {
        if (denyUsers.contains(identity.name())) {
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
