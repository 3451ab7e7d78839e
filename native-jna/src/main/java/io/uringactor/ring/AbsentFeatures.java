package io.uringactor.ring;

import static io.uringactor.ring.IoUringConstants.*;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Optional kernel features to treat as absent, from the system property {@code io-uring.absent-features}
 * (a comma-separated list of the names below, or {@code all}), read once: a way to turn off what an older
 * kernel lacks and to test the fallbacks on a newer one.
 *
 * <ul>
 *   <li>{@code SUBMIT_ALL}, {@code CLAMP}, {@code COOP_TASKRUN}, {@code TASKRUN_FLAG}, {@code SINGLE_ISSUER},
 *       {@code DEFER_TASKRUN}: setup flags never asked for;</li>
 *   <li>{@code EXT_ARG}: {@code IORING_FEAT_EXT_ARG} is reported absent, so waits are not bounded by
 *       {@code io_uring_enter} (callers bound them otherwise);</li>
 *   <li>{@code REGISTER_RING_FDS}: ring fds are never registered with a thread.</li>
 * </ul>
 */
public final class AbsentFeatures {
    /** The system property naming the features to treat as absent. */
    public static final String PROPERTY = "io-uring.absent-features";

    private static final Set<String> KNOWN = Set.of("SUBMIT_ALL", "CLAMP", "COOP_TASKRUN", "TASKRUN_FLAG",
            "SINGLE_ISSUER", "DEFER_TASKRUN", "EXT_ARG", "REGISTER_RING_FDS");
    private static final Set<String> ABSENT = parse(System.getProperty(PROPERTY, ""));

    private AbsentFeatures() {
    }

    static Set<String> parse(String value) {
        final Set<String> names = Arrays.stream(value.split(",")).map(s -> s.trim().toUpperCase(Locale.ROOT))
                .filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
        if (names.contains("ALL")) {
            return KNOWN;
        }
        for (String name : names) {
            if (!KNOWN.contains(name)) {
                throw new IllegalArgumentException(PROPERTY + ": unknown feature " + name + "; known: " + KNOWN + " or all");
            }
        }
        return names;
    }

    /** Whether {@code name} (one of the names above) is to be treated as absent. */
    public static boolean absent(String name) {
        return ABSENT.contains(name);
    }

    /** The optional setup flags of {@code flags} that may be asked for. */
    static int allowedSetupFlags(int flags) {
        int allowed = flags;
        allowed &= absent("SUBMIT_ALL") ? ~IORING_SETUP_SUBMIT_ALL : ~0;
        allowed &= absent("CLAMP") ? ~IORING_SETUP_CLAMP : ~0;
        allowed &= absent("COOP_TASKRUN") ? ~IORING_SETUP_COOP_TASKRUN : ~0;
        allowed &= absent("TASKRUN_FLAG") ? ~IORING_SETUP_TASKRUN_FLAG : ~0;
        allowed &= absent("SINGLE_ISSUER") ? ~IORING_SETUP_SINGLE_ISSUER : ~0;
        allowed &= absent("DEFER_TASKRUN") ? ~IORING_SETUP_DEFER_TASKRUN : ~0;
        return allowed;
    }

    /** The {@code IORING_FEAT_*} bits the kernel reported, less the absent ones. */
    static int reportedFeatures(int features) {
        return absent("EXT_ARG") ? features & ~IORING_FEAT_EXT_ARG : features;
    }
}
