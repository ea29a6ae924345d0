package io.meterlake.output;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * "Did you mean": the known names closest to what was typed, for every unknown option, command and
 * configuration key alike. Close means at most one edit (insertion, deletion, substitution or swap of
 * neighbours) for names of up to five characters and two for longer ones, ignoring case.
 */
public final class Suggestions {
    private Suggestions() {}

    /** The known names close to {@code typed}, closest first (ties in the given order). */
    public static List<String> closest(String typed, Collection<String> known) {
        String lower = typed.toLowerCase(Locale.ROOT);
        int limit = stripped(lower).length() <= 5 ? 1 : 2;
        return known.stream()
                .filter(name -> !name.equals(typed))
                .map(name -> new Scored(name, distance(lower, name.toLowerCase(Locale.ROOT))))
                .filter(scored -> scored.distance <= limit)
                .sorted(Comparator.comparingInt(Scored::distance))
                .map(Scored::name)
                .distinct()
                .toList();
    }

    /** {@code ": did you mean a or b?"}, or nothing when no known name is close. */
    public static String didYouMean(String typed, Collection<String> known) {
        List<String> close = closest(typed, known);
        return close.isEmpty() ? "" : ": did you mean " + String.join(" or ", close) + "?";
    }

    private record Scored(String name, int distance) {}

    private static String stripped(String name) {
        return name.replaceFirst("^-+", "");
    }

    /** Edits between {@code a} and {@code b}: insertions, deletions, substitutions and swaps of neighbours. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
