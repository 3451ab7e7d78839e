package io.uringactor.ring;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * What tests need from the system beyond the JDK (gcc, the other architecture's UAPI headers). On a machine
 * without them, such as a fresh one with only the JDK and Maven, those tests skip with a one-line reason,
 * so the README's {@code mvn -B verify} passes there; where {@value #REQUIRE} is set, as {@code .ci/run}
 * sets it after installing them, a missing package fails the test instead, so CI never skips it.
 */
final class TestPackages {
    /** The environment variable that makes the packages required. */
    static final String REQUIRE = "IO_URING_ACTOR_REQUIRE_TEST_PACKAGES";

    private TestPackages() {
    }

    /** Skips the test (or fails it, where {@value #REQUIRE} is set) unless {@code present}. */
    static void require(boolean present, String what, String install) {
        if (present) {
            return;
        }
        final String why = what + " is missing (install it: " + install + ")";
        if (System.getenv(REQUIRE) != null) {
            fail(why + "; " + REQUIRE + " is set, so this test fails rather than skips");
        }
        Assumptions.abort(why + ": skipped here; .ci/run installs it and sets " + REQUIRE);
    }

    /** Skips or fails as {@link #require} does unless gcc runs. */
    static void requireGcc() {
        require(gccRuns(), "gcc", "apt-get install -y gcc");
    }

    private static boolean gccRuns() {
        try {
            final Process gcc = new ProcessBuilder("gcc", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return gcc.waitFor(30, TimeUnit.SECONDS) && gcc.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
