package io.meterlake.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No god classes: in the main code of every module, a source file holds at most {@value #CLASS_LINES} lines of
 * code (blank lines, comments, package and imports not counted) and a method or constructor at most
 * {@value #METHOD_LINES} lines, its signature and closing brace included.
 */
class CodeSizeTest {
    static final int CLASS_LINES = 300;
    static final int METHOD_LINES = 80;
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final Pattern METHOD = Pattern.compile(
            "^\\s+(?:(?:public|protected|private|static|final|synchronized|abstract|default)\\s+)*"
                    + "(?:<[^>]+>\\s+)?(?:[\\w.<>\\[\\], ?]+\\s+)?(\\w+)\\s*\\([^;]*\\)\\s*(?:throws [\\w., ]+)?\\{\\s*$");
    private static final Pattern NOT_A_METHOD = Pattern.compile(
            "^\\s*(?:if|for|while|switch|catch|try|else|return|new|do|synchronized)\\b.*|.*\\b(?:class|record|interface|enum)\\b.*"
                    + "|.*[=>]\\s*\\{\\s*$|.*->.*");

    static List<Path> mainSources() {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p ->
                            ROOT.relativize(p).toString().replace('\\', '/').matches("([\\w-]+/)+src/main/java/.*"))
                    .filter(p -> !p.toString().contains("/target/"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Lines of code: not blank, not a comment line, not the package or an import. */
    static long codeLines(List<String> lines) {
        return lines.stream()
                .map(String::strip)
                .filter(line -> !line.isEmpty()
                        && !line.startsWith("//")
                        && !line.startsWith("/*")
                        && !line.startsWith("*")
                        && !line.startsWith("import ")
                        && !line.startsWith("package "))
                .count();
    }

    /** Each method's name (file:name) and length, from its signature line to its closing brace. */
    static Map<String, Integer> methodLengths(String file, List<String> lines) {
        Map<String, Integer> lengths = new TreeMap<>();
        for (int i = 0; i < lines.size(); i++) {
            var signature = METHOD.matcher(header(lines, i));
            if (!signature.matches() || NOT_A_METHOD.matcher(lines.get(i)).matches()) {
                continue;
            }
            int depth = 0;
            int end = i;
            boolean opened = false;
            for (int j = i; j < lines.size(); j++) {
                String code = lines.get(j).replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)'", "\"\"");
                opened |= code.indexOf('{') >= 0;
                depth += code.chars().filter(c -> c == '{').count()
                        - code.chars().filter(c -> c == '}').count();
                if (opened && depth <= 0) {
                    end = j;
                    break;
                }
            }
            lengths.merge(file + ":" + signature.group(1), end - i + 1, Math::max);
        }
        return lengths;
    }

    /**
     * The declaration starting at line {@code i} as one line: the formatter puts a long signature's parameters
     * on lines of their own, up to the line that opens the body (or ends a statement).
     */
    private static String header(List<String> lines, int i) {
        StringBuilder header = new StringBuilder(lines.get(i));
        if (!lines.get(i).strip().endsWith("(")) {
            return header.toString();
        }
        for (int j = i + 1; j < lines.size() && j <= i + 20; j++) {
            String next = lines.get(j).strip();
            header.append(' ').append(next);
            if (next.endsWith("{") || next.endsWith(";")) {
                break;
            }
        }
        return header.toString();
    }

    @Test
    void noClassOverThreeHundredLinesOfCode() throws IOException {
        List<String> tooLong = new ArrayList<>();
        for (Path source : mainSources()) {
            long code = codeLines(Files.readAllLines(source));
            if (code > CLASS_LINES) {
                tooLong.add(ROOT.relativize(source) + " (" + code + " lines of code)");
            }
        }
        assertThat(mainSources()).hasSizeGreaterThan(150);
        assertThat(tooLong).as("split these by concern").isEmpty();
    }

    @Test
    void noMethodOverEightyLines() throws IOException {
        Map<String, Integer> tooLong = new TreeMap<>();
        int methods = 0;
        for (Path source : mainSources()) {
            String file = ROOT.relativize(source).toString().replace('\\', '/');
            Map<String, Integer> lengths = methodLengths(file, Files.readAllLines(source));
            methods += lengths.size();
            lengths.forEach((method, length) -> {
                if (length > METHOD_LINES) {
                    tooLong.put(method, length);
                }
            });
        }
        assertThat(methods).as("the scanner finds the methods").isGreaterThan(1000);
        assertThat(tooLong)
                .as("methods over " + METHOD_LINES + " lines: split them")
                .isEmpty();
    }

    @Test
    void theScannerFindsMethodsAndTheirEnds() {
        List<String> lines = List.of(
                "final class A {",
                "    private static int run(String a, List<String> b) throws Exception {",
                "        if (a.equals(\"}\")) {",
                "            return 1;",
                "        }",
                "        Runnable r = () -> {",
                "        };",
                "        return 0;",
                "    }",
                "",
                "    A() {",
                "    }",
                "",
                "    static Map<String, Integer> formatted(",
                "            String a,",
                "            List<String> b) {",
                "        return null;",
                "    }",
                "}");
        assertThat(methodLengths("A.java", lines))
                .containsExactlyInAnyOrderEntriesOf(Map.of("A.java:run", 8, "A.java:A", 2, "A.java:formatted", 5));
        assertThat(codeLines(lines)).isEqualTo(17);
        assertThat(codeLines(List.of("package a;", "import b;", "// c", " * d", "/** e */", "int f;")))
                .isEqualTo(1);
    }
}
