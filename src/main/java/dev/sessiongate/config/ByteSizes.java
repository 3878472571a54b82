package dev.sessiongate.config;

import java.util.Locale;

/** Sizes as operators write them: {@code 65536} (bytes), {@code 64KiB}, {@code 1MiB} (also {@code 64k}, {@code 1m}: binary units). */
final class ByteSizes {
    private ByteSizes() {
    }

    static long parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        int split = 0;
        while (split < value.length() && Character.isDigit(value.charAt(split))) {
            split++;
        }
        if (split == 0 || split > 12) {
            throw new IllegalArgumentException("not a size");
        }
        long amount = Long.parseLong(value.substring(0, split));
        switch (value.substring(split).trim()) {
            case "": case "b": return amount;
            case "k": case "kib": return amount * 1024;
            case "m": case "mib": return amount * 1024 * 1024;
            default: throw new IllegalArgumentException("unknown unit");
        }
    }
}
