package dev.sessiongate.key;

import java.net.InetAddress;
import java.net.UnknownHostException;

/** Parses IP address literals without ever resolving a host name, and writes them in one form. */
public final class IpAddresses {
    private IpAddresses() {
    }

    /**
     * The canonical text of an IP literal, or {@code null} if {@code text} is not one: IPv4 in
     * dotted decimal without leading zeros, IPv6 as RFC 5952 writes it (lower case, zeros
     * compressed), and an IPv4-mapped IPv6 address as the IPv4 address it maps. So
     * {@code ::ffff:1.2.3.4}, {@code 001.002.003.004} and {@code 1.2.3.4} are one client.
     */
    public static String canonical(String text) {
        byte[] address = parse(text);
        if (address == null) {
            return null;
        }
        if (address.length == 4) {
            return text.indexOf(':') < 0 && isCanonicalIpv4(text) ? text : ipv4(address);
        }
        return ipv6(address);
    }

    private static boolean isCanonicalIpv4(String text) {
        for (int i = 0; i < text.length() - 1; i++) {
            if (text.charAt(i) == '0' && (i == 0 || text.charAt(i - 1) == '.') && text.charAt(i + 1) != '.') {
                return false;
            }
        }
        return true;
    }

    private static String ipv4(byte[] a) {
        return (a[0] & 0xFF) + "." + (a[1] & 0xFF) + "." + (a[2] & 0xFF) + "." + (a[3] & 0xFF);
    }

    /** RFC 5952 §4: the longest run of two or more zero groups (the first, on a tie) becomes "::". */
    private static String ipv6(byte[] a) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (a[2 * i] & 0xFF) << 8 | (a[2 * i + 1] & 0xFF);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (out.length() > 0 && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
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
