package io.uringactor.stream.impl;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The files this module's readers ({@code fromPath}, {@code blockReader}, {@code copy}) of one ActorSystem
 * have open, by {@link FileId}: what a writer consults before it truncates or writes a file, since a sink
 * does not know what its upstream reads. A reader registers once it has opened and identified its file,
 * and unregisters after the file is closed, so a writer that got an element from a reader finds it here.
 *
 * <p>Readers come and go a few times per stream while writers look once per run: the table is copied on
 * write and a {@link Snapshot} costs nothing. Thread-safe.
 */
final class OpenReaders implements Extension {
    private static final ExtensionId<OpenReaders> ID = new ExtensionId<>() {
        @Override
        public OpenReaders createExtension(ActorSystem<?> system) {
            return new OpenReaders();
        }
    };

    /** Each registration, by identity: the same file may be open in several readers. */
    final class Reading implements AutoCloseable {
        private final FileId id;
        private final Path path;

        private Reading(FileId id, Path path) {
            this.id = id;
            this.path = path;
        }

        /** The file has been closed: unregisters it. Idempotent. */
        @Override
        public void close() {
            remove(this);
        }
    }

    /** The readers at one moment. */
    static final class Snapshot {
        private final Map<FileId, List<Reading>> readers;

        private Snapshot(Map<FileId, List<Reading>> readers) {
            this.readers = readers;
        }

        /** The path a reader opened {@code id} by, if one had it open. */
        Optional<Path> readerOf(FileId id) {
            final List<Reading> of = readers.get(id);
            return of == null ? Optional.empty() : Optional.of(of.get(0).path);
        }
    }

    private volatile Map<FileId, List<Reading>> readers = Map.of();

    private OpenReaders() {
    }

    static OpenReaders get(ActorSystem<?> system) {
        return ID.apply(system);
    }

    /** {@code path}, whose file is {@code id}, is open for reading until the returned registration is closed. */
    synchronized Reading register(FileId id, Path path) {
        final Reading reading = new Reading(id, path);
        final Map<FileId, List<Reading>> next = new HashMap<>(readers);
        final List<Reading> of = new ArrayList<>(next.getOrDefault(id, List.of()));
        of.add(reading);
        next.put(id, List.copyOf(of));
        readers = Map.copyOf(next);
        return reading;
    }

    private synchronized void remove(Reading reading) {
        final List<Reading> of = readers.get(reading.id);
        if (of == null || !of.contains(reading)) {
            return;
        }
        final Map<FileId, List<Reading>> next = new HashMap<>(readers);
        final List<Reading> rest = new ArrayList<>(of);
        rest.remove(reading);
        if (rest.isEmpty()) {
            next.remove(reading.id);
        } else {
            next.put(reading.id, List.copyOf(rest));
        }
        readers = Map.copyOf(next);
    }

    Snapshot snapshot() {
        return new Snapshot(readers);
    }
}
