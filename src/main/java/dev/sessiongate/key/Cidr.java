package dev.sessiongate.key;

/**
 * An IPv4 or IPv6 network such as {@code 10.0.0.0/8} or {@code fd00::/8}; a bare address is a
 * network of one.
 */
public final class Cidr {
    private final byte[] network;
    private final int prefix;
    private final String text;

    private Cidr(byte[] network, int prefix, String text) {
        this.network = network;
        this.prefix = prefix;
        this.text = text;
    }

    /**
     * Parses {@code address[/prefix]}.
     *
     * @throws IllegalArgumentException with a reason, when it is not a network
     */
    public static Cidr parse(String text) {
        String trimmed = text.trim();
        int slash = trimmed.indexOf('/');
        String address = slash < 0 ? trimmed : trimmed.substring(0, slash);
        byte[] bytes = IpAddresses.parse(address);
        if (bytes == null) {
            throw new IllegalArgumentException("'" + address + "' is not an IPv4 or IPv6 address");
        }
        int bits = bytes.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(trimmed.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("prefix length must be between 0 and " + bits);
            }
        }
        return new Cidr(mask(bytes, prefix), prefix, trimmed);
    }

    /** Whether the literal address {@code ip} lies in this network; false for a non-address. */
    public boolean contains(String ip) {
        byte[] bytes = IpAddresses.parse(ip);
        return bytes != null && contains(bytes);
    }

    boolean contains(byte[] address) {
        if (address.length != network.length) {
            return false;
        }
        byte[] masked = mask(address, prefix);
        return java.util.Arrays.equals(masked, network);
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - i * 8));
            out[i] &= (byte) (0xFF << (8 - keep));
        }
        return out;
    }

    @Override
    public String toString() {
        return text;
    }
}
