package docs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Keeps the README and the docs pages honest: every {@code ```java} block in {@code README.md} and
 * {@code docs/*.md} must be a copy of (part of) a {@code // #name} region of the doc tests, which compile and
 * run, so a snippet cannot rot. Compared line by line with each line trimmed and blank lines dropped. Also:
 * the README stays a landing page (under 200 lines), and relative links between the pages point at files and
 * headings that exist. HOCON and shell blocks are not checked.
 *
 * <p>Surefire runs in the module's directory (its default working directory, {@code ${basedir}}), so the
 * repository root is {@code ..}.
 */
class DocsSnippetsTest {
    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    /** The doc test sources whose {@code // #name} regions the snippets are copied from. */
    private static final List<Path> SNIPPET_SOURCES = List.of(
            ROOT.resolve("actor/src/test/java/docs/javadsl"),
            ROOT.resolve("streams/src/test/java/docs/javadsl"));
    private static final Pattern MARKER = Pattern.compile("^\\s*// #([A-Za-z0-9_-]+)\\s*$");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    /** A fenced java block of a markdown page. */
    record Snippet(Path page, int line, String text) {
        String name() {
            final String first = text.lines().filter(l -> !l.isBlank()).findFirst().orElse("").trim();
            return ROOT.relativize(page) + ":" + line + " (" + first + ")";
        }
    }

    @Test
    void everyJavaSnippetIsCopiedFromADocTest() {
        final Map<String, String> regions = regions();
        assertFalse(regions.isEmpty(), "no // #name regions found under " + SNIPPET_SOURCES);
        final List<Snippet> snippets = new ArrayList<>();
        for (Path page : pages()) {
            snippets.addAll(javaSnippets(page));
        }
        assertFalse(snippets.isEmpty(), "no ```java blocks found in README.md and docs/*.md");
        final List<String> missing = missing(snippets, regions);
        if (!missing.isEmpty()) {
            fail(missing.size() + " java snippet(s) of the docs are not a copy of any // #name region of "
                    + SNIPPET_SOURCES.stream().map(p -> ROOT.relativize(p).toString()).collect(Collectors.joining(", "))
                    + " (copy the region's lines, or add a region to a doc test):\n  " + String.join("\n  ", missing));
        }
    }

    /** The check itself fails, naming the block, when a snippet is edited so that no region holds it any more. */
    @Test
    void anEditedSnippetIsNamed() {
        final Map<String, String> regions = Map.of("facade", normalise("RingClient ring = client();\n  ring.close(file);\n"));
        final Path page = ROOT.resolve("docs/example.md");
        final List<String> missing = missing(javaSnippets(page, List.of(
                "# Example", "```java", "RingClient ring = client();", "```",
                "```java", "RingClient ring = client();", "ring.close(other);", "```")), regions);
        assertTrue(missing.size() == 1 && missing.get(0).startsWith("docs/example.md:5 (RingClient ring = client();)"),
                missing.toString());
    }

    @Test
    void theReadmeIsALandingPage() throws IOException {
        final long lines = Files.readAllLines(ROOT.resolve("README.md")).size();
        assertTrue(lines < 200, "README.md has " + lines + " lines; keep it under 200 and move details to docs/");
    }

    @Test
    void relativeLinksPointAtExistingFilesAndHeadings() throws IOException {
        final List<String> broken = new ArrayList<>();
        for (Path page : pages()) {
            final List<String> lines = Files.readAllLines(page);
            for (int i = 0; i < lines.size(); i++) {
                final Matcher m = LINK.matcher(lines.get(i));
                while (m.find()) {
                    final String target = m.group(1);
                    if (target.contains("://") || target.startsWith("mailto:")) {
                        continue;
                    }
                    final int hash = target.indexOf('#');
                    final String file = hash < 0 ? target : target.substring(0, hash);
                    final Path linked = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
                    final String where = ROOT.relativize(page) + ":" + (i + 1) + " -> " + target;
                    if (!Files.exists(linked)) {
                        broken.add(where + " (no such file)");
                    } else if (hash >= 0 && linked.toString().endsWith(".md")
                            && !anchors(linked).contains(target.substring(hash + 1))) {
                        broken.add(where + " (no such heading)");
                    }
                }
            }
        }
        assertTrue(broken.isEmpty(), "broken links:\n  " + String.join("\n  ", broken));
    }

    private static List<String> missing(List<Snippet> snippets, Map<String, String> regions) {
        final List<String> missing = new ArrayList<>();
        for (Snippet snippet : snippets) {
            final String wanted = "\n" + normalise(snippet.text()) + "\n";
            if (regions.values().stream().noneMatch(region -> ("\n" + region + "\n").contains(wanted))) {
                missing.add(snippet.name());
            }
        }
        return missing;
    }

    /** README.md and every page under docs/. */
    private static List<Path> pages() {
        final List<Path> pages = new ArrayList<>(List.of(ROOT.resolve("README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pages;
    }

    private static List<Snippet> javaSnippets(Path page) {
        try {
            return javaSnippets(page, Files.readAllLines(page));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Snippet> javaSnippets(Path page, List<String> lines) {
        final List<Snippet> snippets = new ArrayList<>();
        StringBuilder block = null;
        int start = 0;
        for (int i = 0; i < lines.size(); i++) {
            final String line = lines.get(i);
            if (block == null && line.trim().equals("```java")) {
                block = new StringBuilder();
                start = i + 1;
            } else if (block != null && line.trim().equals("```")) {
                snippets.add(new Snippet(page, start, block.toString()));
                block = null;
            } else if (block != null) {
                block.append(line).append('\n');
            }
        }
        if (block != null) {
            throw new AssertionError(ROOT.relativize(page) + ":" + start + ": unterminated ```java block");
        }
        return snippets;
    }

    /** Every {@code // #name} region of the doc test sources, normalised, keyed by file and name. */
    private static Map<String, String> regions() {
        final Map<String, String> regions = new LinkedHashMap<>();
        for (Path dir : SNIPPET_SOURCES) {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.filter(p -> p.toString().endsWith(".java")).sorted().toList()) {
                    regions.putAll(regions(file, Files.readAllLines(file)));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return regions;
    }

    private static Map<String, String> regions(Path file, List<String> lines) {
        final Map<String, StringBuilder> open = new LinkedHashMap<>();
        final Map<String, String> done = new LinkedHashMap<>();
        for (String line : lines) {
            final Matcher m = MARKER.matcher(line);
            if (m.matches()) {
                final String name = m.group(1);
                final StringBuilder region = open.remove(name);
                if (region == null) {
                    open.put(name, new StringBuilder());
                } else {
                    done.put(file.getFileName() + "#" + name, normalise(region.toString()));
                }
                continue; // marker lines of nested regions are not part of any region's text
            }
            open.values().forEach(region -> region.append(line).append('\n'));
        }
        if (!open.isEmpty()) {
            throw new AssertionError(file + ": regions opened and never closed: " + open.keySet());
        }
        return done;
    }

    /** Each line trimmed, blank lines dropped. */
    static String normalise(String text) {
        return text.lines().map(String::trim).filter(l -> !l.isEmpty()).collect(Collectors.joining("\n"));
    }

    /** The anchors GitHub makes of a page's headings. */
    private static List<String> anchors(Path page) throws IOException {
        final List<String> anchors = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(page)) {
            if (line.startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced && line.startsWith("#")) {
                final String heading = line.replaceFirst("^#+\\s*", "").trim();
                anchors.add(heading.toLowerCase().replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
            }
        }
        return anchors;
    }
}
