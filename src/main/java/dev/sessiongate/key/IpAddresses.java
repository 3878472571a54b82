package dev.sessiongate.key;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Parses IP address literals without ever resolving a host name. */
final class IpAddresses {
    private IpAddresses() {
    }

    /**
     * The address bytes (4 or 16) of an IPv4 or IPv6 literal, or {@code null} if {@code text}
     * is not one. Brackets around IPv6 and an IPv6 zone id are accepted.
     */
    static byte[] parse(String text) {
        if (text == null || text.isEmpty() || text.length() > 64) {
            return null;
        }
        if (text.indexOf(':') < 0) {
            return parseIpv4(text);
        }
        String literal = text;
        if (literal.startsWith("[") && literal.endsWith("]")) {
            literal = literal.substring(1, literal.length() - 1);
        }
        int zone = literal.indexOf('%');
        if (zone >= 0) {
            literal = literal.substring(0, zone); // the zone id names an interface, not a host
        }
        for (int i = 0; i < literal.length(); i++) {
            char c = literal.charAt(i);
            if (c != ':' && c != '.' && Character.digit(c, 16) < 0) {
                return null;
            }
        }
        try {
            // With brackets, InetAddress only ever parses a literal; it never does a DNS lookup.
            return InetAddress.getByName("[" + literal + "]").getAddress();
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    private static byte[] parseIpv4(String text) {
        byte[] out = new byte[4];
        int part = 0;
        int value = -1;
        for (int i = 0; i <= text.length(); i++) {
            char c = i < text.length() ? text.charAt(i) : '.';
            if (c == '.') {
                if (value < 0 || part == 4) {
                    return null;
                }
                out[part++] = (byte) value;
                value = -1;
            } else if (c >= '0' && c <= '9') {
                value = value < 0 ? c - '0' : value * 10 + (c - '0');
                if (value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }
}
