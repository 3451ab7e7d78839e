package io.uringactor.stream.impl;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

import io.uringactor.ring.Statx;
import io.uringactor.stream.javadsl.SameFileException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The files this module's readers ({@code fromPath}, {@code blockReader}, {@code copy}) of one ActorSystem
 * have open, by {@link FileIdentity} (the ring's {@code statx} of the reader's handle): what a writer
 * consults before it truncates or writes a file, since a sink does not know what its upstream reads. A
 * reader registers once it has opened and statted its file, and unregisters after the file is closed, so a
 * writer that got an element from a reader finds it here. A writer compares the ring's {@code statx} of
 * its target, opened through its own ring ({@link RingStageLogic#checkNotRead}), so both sides name the
 * files as the rings opened them, whatever their root directories.
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
        private final FileIdentity id;
        private final Path path;

        private Reading(FileIdentity id, Path path) {
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
        /** By inode; see {@link FileIdentity#matches} for the rest. */
        private final Map<Long, List<Reading>> readers;

        private Snapshot(Map<Long, List<Reading>> readers) {
            this.readers = readers;
        }

        /** No reader had a file open: there is nothing a writer could be refused. */
        boolean isEmpty() {
            return readers.isEmpty();
        }

        /** The path a reader opened {@code id} by, if one had it open. */
        Optional<Path> readerOf(FileIdentity id) {
            for (Reading reading : readers.getOrDefault(id.inode(), List.of())) {
                if (reading.id.matches(id)) {
                    return Optional.of(reading.path);
                }
            }
            return Optional.empty();
        }

        /** The refusal to write {@code target}, whose {@code statx} the ring gave, if a reader had it open. */
        Optional<SameFileException> refusal(Path target, Statx stat) {
            final FileIdentity id = FileIdentity.of(stat);
            return readerOf(id).map(reader -> new SameFileException(reader, target, id.toString()));
        }
    }

    private volatile Map<Long, List<Reading>> readers = Map.of();

    private OpenReaders() {
    }

    static OpenReaders get(ActorSystem<?> system) {
        return ID.apply(system);
    }

    /** {@code path}, whose file is {@code id}, is open for reading until the returned registration is closed. */
    synchronized Reading register(FileIdentity id, Path path) {
        final Reading reading = new Reading(id, path);
        final Map<Long, List<Reading>> next = new HashMap<>(readers);
        final List<Reading> of = new ArrayList<>(next.getOrDefault(id.inode(), List.of()));
        of.add(reading);
        next.put(id.inode(), List.copyOf(of));
        readers = Map.copyOf(next);
        return reading;
    }

    private synchronized void remove(Reading reading) {
        final List<Reading> of = readers.get(reading.id.inode());
        if (of == null || !of.contains(reading)) {
            return;
        }
        final Map<Long, List<Reading>> next = new HashMap<>(readers);
        final List<Reading> rest = new ArrayList<>(of);
        rest.remove(reading);
        if (rest.isEmpty()) {
            next.remove(reading.id.inode());
        } else {
            next.put(reading.id.inode(), List.copyOf(rest));
        }
        readers = Map.copyOf(next);
    }

    Snapshot snapshot() {
        return new Snapshot(readers);
    }
}
