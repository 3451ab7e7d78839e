package io.uringactor.samples;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** The progress line fits the terminal, redraws in place only on one, and a failed copy never shows 100%. */
class ProgressTest {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);

    private String out() {
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private void assertEachRedrawIsShorterThan(int width) {
        assertTrue(out().startsWith("\r"), out());
        for (String line : out().split("[\r\n]")) {
            assertTrue(line.length() < width, line.length() + " columns: " + line);
        }
    }

    @Test
    void eachRedrawIsShorterThanAnEightyColumnTerminal() {
        new Progress("copy", 3L << 40, () -> 1L << 40, out, true, 80).finish(true);
        assertEachRedrawIsShorterThan(80);
        assertTrue(out().contains("[###"), "a bar fits in 80 columns: " + out());
    }

    @Test
    void onANarrowTerminalTheBarGoesFirstThenTheLineIsCut() {
        new Progress("a-long-label", 3L << 40, () -> 1L << 40, out, true, 40).finish(true);
        assertEachRedrawIsShorterThan(40);
        assertFalse(out().contains("["), out());
    }

    @Test
    void withoutATerminalTheLinesArePlain() {
        new Progress("copy", 1000, () -> 1000, out, false, 80).finish(true);
        assertFalse(out().contains("\r"), out());
        assertTrue(out().startsWith("copy: 100% (1000 B of 1000 B, "), out());
    }

    @Test
    void aFailedCopyNeverShows100Percent() {
        new Progress("copy", 1000, () -> 1000, out, false, 80).finish(false);
        assertFalse(out().contains("100%"), out());
        assertTrue(out().startsWith("copy: 99%"), out());
    }

    @Test
    void aFailedCopyOnATerminalNeverShows100PercentEither() {
        new Progress("copy", 1000, () -> 1000, out, true, 80).finish(false);
        assertFalse(out().contains("100%"), out());
    }
}
