package io.uringactor.ring;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

import java.util.Set;

/** The list of features to treat as absent: names, {@code all}, and a clear refusal of unknown names. */
class AbsentFeaturesTest {
    @Test
    void namesAllAndUnknownOnes() {
        assertEquals(Set.of(), AbsentFeatures.parse(""));
        assertEquals(Set.of("EXT_ARG", "DEFER_TASKRUN"), AbsentFeatures.parse(" ext_arg, DEFER_TASKRUN "));
        assertTrue(AbsentFeatures.parse("all").containsAll(Set.of("EXT_ARG", "REGISTER_RING_FDS", "SINGLE_ISSUER")));
        final IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> AbsentFeatures.parse("EXT_ARG,SQPOLL"));
        assertTrue(unknown.getMessage().contains("unknown feature SQPOLL"), unknown.getMessage());
    }
}
