package io.uringactor.ring;

import java.util.HashMap;
import java.util.Map;

/** Test helper: submits what is prepared, waits for {@code n} completions and returns user_data → res. */
final class Completions {
    private Completions() {
    }

    static Map<Long, Integer> submitAndReap(IoUring ring, int n) {
        final Map<Long, Integer> results = new HashMap<>();
        ring.submit();
        while (results.size() < n) {
            ring.waitCompletions(1);
            ring.cq().drain((userData, res, flags) -> {
                if (results.put(userData, res) != null) {
                    throw new AssertionError("two completions for user_data " + userData);
                }
            });
        }
        return results;
    }

    static int single(IoUring ring) {
        final Map<Long, Integer> results = submitAndReap(ring, 1);
        return results.values().iterator().next();
    }
}
