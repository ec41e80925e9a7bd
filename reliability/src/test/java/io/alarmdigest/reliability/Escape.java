package io.alarmdigest.reliability;

import java.util.Locale;

/** Input shown in a failure message so that every byte can be read back: nothing unprintable reaches the report. */
final class Escape {
    private static final int SHOWN = 400;

    private Escape() {
    }

    /** Printable ASCII as it is, backslash doubled, every other byte as {@code \xNN}; long input cut. */
    static String bytes(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        int shown = Math.min(bytes.length, SHOWN);
        for (int i = 0; i < shown; i++) {
            int b = bytes[i] & 0xff;
            if (b == '\\') {
                out.append("\\\\");
            } else if (b >= 0x20 && b < 0x7f) {
                out.append((char) b);
            } else {
                out.append(String.format(Locale.ROOT, "\\x%02x", b));
            }
        }
        if (bytes.length > shown) {
            out.append("…(").append(bytes.length).append(" bytes)");
        }
        return out.toString();
    }

    /** Printable ASCII as it is, backslash doubled, every other UTF-16 unit as {@code \\uXXXX}; long text cut. */
    static String text(String text) {
        if (text == null) {
            return "null";
        }
        StringBuilder out = new StringBuilder();
        int shown = Math.min(text.length(), SHOWN);
        for (int i = 0; i < shown; i++) {
            char c = text.charAt(i);
            if (c == '\\') {
                out.append("\\\\");
            } else if (c >= 0x20 && c < 0x7f) {
                out.append(c);
            } else {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
            }
        }
        if (text.length() > shown) {
            out.append("…(").append(text.length()).append(" chars)");
        }
        return out.toString();
    }
}
