package dev.sessiongate.key;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.sessiongate.testing.FuzzInput;
import dev.sessiongate.testing.StubRequest;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Fuzzes {@link ClientIpResolver#resolve} with arbitrary peers, trusted networks, a configured
 * header and forwarding headers: it never throws; its answer is the peer or an address written in
 * the configured header (never one from another header), always in canonical text; and an
 * untrusted peer always gets itself.
 *
 * <p>An input is text: line 1 the peer ({@code getRemoteAddr()}), line 2 the trusted networks
 * (comma-separated; unparsable ones dropped), line 3 {@code trusted-proxies.header} (default
 * {@code X-Forwarded-For}), every further line a request header {@code Name: value}. Recorded
 * inputs: {@code ClientIpResolverFuzzTestInputs/}.
 */
class ClientIpResolverFuzzTest {
    private static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Runs of characters an IP literal, a zone id or a port may hold: every candidate hop. */
    private static final Pattern CANDIDATE = Pattern.compile("[0-9A-Za-z.:%_-]+");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]+");
    private static final Pattern LEADING_ZEROS = Pattern.compile("^0+(?=.)");
    private static final Pattern IPV4 = Pattern.compile("(\\d+)\\.(\\d+)\\.(\\d+)\\.(\\d+)");

    @FuzzTest
    void answersThePeerOrAnAddressFromTheHeader(byte[] data) {
        List<String> lines = FuzzInput.lines(data);
        String peer = FuzzInput.line(lines, 0);
        List<Cidr> trusted = new ArrayList<>();
        for (String network : FuzzInput.line(lines, 1).split(",")) {
            try {
                trusted.add(Cidr.parse(network));
            } catch (IllegalArgumentException e) {
                // a network the configuration would refuse: not part of this input
            }
        }
        String name = FuzzInput.line(lines, 2).trim();
        String header = TOKEN.matcher(name).matches() ? name : ClientIpResolver.DEFAULT_HEADER;
        StubRequest request = new StubRequest().remoteAddr(peer);
        for (String line : lines.subList(Math.min(3, lines.size()), lines.size())) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                request.header(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }

        String answer = new ClientIpResolver(trusted, header).resolve(request.proxy());

        String canonicalPeer = canonical(peer);
        Set<String> allowed = new LinkedHashSet<>();
        allowed.add(canonicalPeer != null ? canonicalPeer : peer);
        for (String value : request.values(header)) {
            allowed.addAll(addressesIn(value));
        }
        String what = "peer " + peer + ", trusted " + trusted + ", header " + header + ", request " + request;
        assertThat(answer).as(what).isIn(allowed);
        if (canonicalPeer != null || !answer.equals(peer)) {
            assertThat(answer).as("canonical text, " + what).isEqualTo(canonical(answer));
        }
        boolean peerTrusted = trusted.stream().anyMatch(cidr -> cidr.contains(peer)
                || (canonicalPeer != null && cidr.contains(canonicalPeer)));
        if (!peerTrusted) {
            assertThat(answer).as("untrusted peer, " + what).isEqualTo(canonicalPeer != null ? canonicalPeer : peer);
        }
    }

    /** The canonical form of every IP literal in a header value, with or without a port after it. */
    private static Set<String> addressesIn(String value) {
        Set<String> found = new LinkedHashSet<>();
        Matcher candidates = CANDIDATE.matcher(value);
        while (candidates.find()) {
            String candidate = candidates.group();
            addIfAddress(found, candidate);
            int colon = candidate.lastIndexOf(':');
            if (colon > 0) {
                addIfAddress(found, candidate.substring(0, colon));
            }
        }
        return found;
    }

    private static void addIfAddress(Set<String> found, String text) {
        String canonical = canonical(text);
        if (canonical != null) {
            found.add(canonical);
        }
    }

    /**
     * This test's own canonical form, written apart from {@link IpAddresses}: IPv4 dotted decimal
     * without leading zeros (a zero-padded part read as decimal), IPv6 per RFC 5952, IPv4-mapped
     * IPv6 as IPv4; {@code null} for anything else. A zone id is dropped.
     */
    static String canonical(String text) {
        if (text.length() > 64) {
            // IpAddresses's bound too: the longest literal with an interface name is far shorter,
            // and the first run found a 72-character "::%\0\0..." peer answered as it came.
            return null;
        }
        Matcher ipv4 = IPV4.matcher(text);
        if (ipv4.matches()) {
            StringBuilder out = new StringBuilder();
            for (int i = 1; i <= 4; i++) {
                String digits = LEADING_ZEROS.matcher(ipv4.group(i)).replaceFirst("");
                int part = digits.length() <= 3 ? Integer.parseInt(digits) : 256;
                if (part > 255) {
                    return null;
                }
                out.append(i > 1 ? "." : "").append(part);
            }
            return out.toString();
        }
        String literal = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        int zone = literal.indexOf('%');
        literal = zone < 0 ? literal : literal.substring(0, zone);
        if (literal.indexOf(':') < 0 || !IPV6_CHARS.matcher(literal).matches()) {
            return null; // never a host name: InetAddress would look it up
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName("[" + literal + "]").getAddress();
        } catch (UnknownHostException | RuntimeException e) {
            return null;
        }
        if (bytes.length == 4) {
            return (bytes[0] & 0xFF) + "." + (bytes[1] & 0xFF) + "." + (bytes[2] & 0xFF) + "." + (bytes[3] & 0xFF);
        }
        return rfc5952(bytes);
    }

    /** RFC 5952 §4.2: the longest run (the first of equals) of two or more zero groups becomes "::". */
    private static String rfc5952(byte[] bytes) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = (bytes[2 * i] & 0xFF) << 8 | (bytes[2 * i + 1] & 0xFF);
        }
        int runStart = -1;
        int runLength = 0;
        for (int start = 0; start < 8; start++) {
            int length = 0;
            while (start + length < 8 && groups[start + length] == 0) {
                length++;
            }
            if (length >= 2 && length > runLength) {
                runStart = start;
                runLength = length;
            }
        }
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            if (i == runStart) {
                parts.add(i == 0 ? ":" : "");
                i += runLength - 1;
                if (i == 7) {
                    parts.add("");
                }
            } else {
                parts.add(Integer.toHexString(groups[i]));
            }
        }
        return String.join(":", parts);
    }
}
