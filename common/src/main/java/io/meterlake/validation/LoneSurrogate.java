package io.meterlake.validation;

import java.util.Locale;

/** A JSON string escaped half of a surrogate pair: it has no UTF-8 form and would be stored as '?'. */
final class LoneSurrogate extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LoneSurrogate(String where, int index, char unit) {
        super(
                String.format(
                        Locale.ROOT,
                        "%s escapes a lone surrogate (\\u%04x at character %d), which is not" + " Unicode text",
                        where,
                        (int) unit,
                        index + 1),
                null,
                false,
                false);
    }

    static String check(String value, String where) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isHighSurrogate(c)
                    && i + 1 < value.length()
                    && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new LoneSurrogate(where, i, c);
            }
        }
        return value;
    }
}
