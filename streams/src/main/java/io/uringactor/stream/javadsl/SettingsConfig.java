package io.uringactor.stream.javadsl;

import io.uringactor.actor.OpenOptions;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;

import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Reads the settings classes' keys from a root config, naming the full key ({@code io-uring-actor.stream.*})
 * in every error: a {@link ConfigException} from the typed getters, or a {@link ConfigException.BadValue}
 * for a value out of range or a combination the settings refuse. Also the checks their constructors share,
 * which refuse a value with an {@link IllegalArgumentException} naming the setting.
 */
final class SettingsConfig {
    /** The root of the stream stages' settings. */
    static final String ROOT = "io-uring-actor.stream.";

    private SettingsConfig() {
    }

    /** A size in bytes ({@code 4096}, {@code 128 KiB}), positive and at most {@code Integer.MAX_VALUE}. */
    static int bytes(Config config, String path) {
        final long value = config.getBytes(path);
        if (value <= 0 || value > Integer.MAX_VALUE) {
            throw new ConfigException.BadValue(config.getValue(path).origin(), path,
                    "must be a positive size of at most " + Integer.MAX_VALUE + " bytes, was " + value);
        }
        return (int) value;
    }

    /** A positive int. */
    static int positive(Config config, String path) {
        final int value = config.getInt(path);
        if (value <= 0) {
            throw new ConfigException.BadValue(config.getValue(path).origin(), path, "must be positive, was " + value);
        }
        return value;
    }

    /** A list of {@link StandardOpenOption} names ({@code [WRITE, CREATE]}). */
    static Set<OpenOption> options(Config config, String path) {
        final Set<OpenOption> options = new LinkedHashSet<>();
        for (String name : config.getStringList(path)) {
            try {
                options.add(StandardOpenOption.valueOf(name.trim().toUpperCase(java.util.Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new ConfigException.BadValue(config.getValue(path).origin(), path,
                        "'" + name + "' is not a java.nio.file.StandardOpenOption (WRITE, CREATE, TRUNCATE_EXISTING, ...)");
            }
        }
        if (options.isEmpty()) {
            throw new ConfigException.BadValue(config.getValue(path).origin(), path, "must not be empty");
        }
        return options;
    }

    /** {@code value}, unless it is not positive. */
    static int requirePositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + "=" + value + " must be positive");
        }
        return value;
    }

    /** {@code value}, unless it is negative. */
    static long requireNotNegative(String name, long value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + "=" + value + " must not be negative");
        }
        return value;
    }

    /**
     * A writer's {@code options} as an unmodifiable set, unless {@link OpenOptions#ofWriting} refuses them:
     * what {@code FileChannel.open} refuses, and a set that does not write.
     */
    static Set<OpenOption> requireWriting(Set<OpenOption> options) {
        if (options == null) {
            throw new IllegalArgumentException("options must not be null");
        }
        OpenOptions.ofWriting(options);
        return Set.copyOf(options);
    }

    /**
     * {@code build}'s settings; an {@link IllegalArgumentException} or {@link UnsupportedOperationException}
     * of theirs (a refused value or open option) as a bad value at {@code section}.
     */
    static <T> T build(Config config, String section, Supplier<T> build) {
        try {
            return build.get();
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            throw new ConfigException.BadValue(config.getValue(section).origin(), section, e.getMessage(), e);
        }
    }
}
