package io.uringactor.stream.javadsl;

/**
 * How {@link UringFileIO#copy} copies. Immutable; start from {@link #create()}.
 *
 * <ul>
 *   <li>{@code chunkSize} (default 1 MiB): bytes per splice pair, and the pipe size asked for
 *       ({@code F_SETPIPE_SZ}); when the kernel grants a smaller pipe the chunk shrinks to it.</li>
 *   <li>{@code splicesInFlight} (default 4): chunks in flight, each through its own pipe.</li>
 *   <li>{@code fsyncAtEnd} (default off): {@code fsync} the target before the result completes.</li>
 *   <li>{@code useSplice} (default on): off copies through {@link UringFileIO#fromPath} and
 *       {@link UringFileIO#toPath} instead, which is also what happens when the kernel refuses to splice
 *       the files ({@code EINVAL}, {@code EOPNOTSUPP}) or the source is not a regular file.</li>
 * </ul>
 */
public final class CopySettings {
    public static final int DEFAULT_CHUNK_SIZE = 1 << 20;
    public static final int DEFAULT_SPLICES_IN_FLIGHT = 4;

    private final int chunkSize;
    private final int splicesInFlight;
    private final boolean fsyncAtEnd;
    private final boolean useSplice;

    private CopySettings(int chunkSize, int splicesInFlight, boolean fsyncAtEnd, boolean useSplice) {
        if (chunkSize < 4096) {
            throw new IllegalArgumentException("chunkSize=" + chunkSize + " must be at least 4096");
        }
        if (splicesInFlight <= 0 || splicesInFlight > 64) {
            throw new IllegalArgumentException("splicesInFlight=" + splicesInFlight + " must be in 1..64");
        }
        this.chunkSize = chunkSize;
        this.splicesInFlight = splicesInFlight;
        this.fsyncAtEnd = fsyncAtEnd;
        this.useSplice = useSplice;
    }

    /** 1 MiB chunks, 4 in flight, no fsync, splice on. */
    public static CopySettings create() {
        return new CopySettings(DEFAULT_CHUNK_SIZE, DEFAULT_SPLICES_IN_FLIGHT, false, true);
    }

    public CopySettings withChunkSize(int value) {
        return new CopySettings(value, splicesInFlight, fsyncAtEnd, useSplice);
    }

    public CopySettings withSplicesInFlight(int value) {
        return new CopySettings(chunkSize, value, fsyncAtEnd, useSplice);
    }

    public CopySettings withFsyncAtEnd(boolean value) {
        return new CopySettings(chunkSize, splicesInFlight, value, useSplice);
    }

    /** Off: copy through the ring actor's Source and Sink instead of splicing in the kernel. */
    public CopySettings withUseSplice(boolean value) {
        return new CopySettings(chunkSize, splicesInFlight, fsyncAtEnd, value);
    }

    public int chunkSize() {
        return chunkSize;
    }

    public int splicesInFlight() {
        return splicesInFlight;
    }

    public boolean fsyncAtEnd() {
        return fsyncAtEnd;
    }

    public boolean useSplice() {
        return useSplice;
    }

    @Override
    public String toString() {
        return "CopySettings[chunkSize=" + chunkSize + ", splicesInFlight=" + splicesInFlight + ", fsyncAtEnd="
                + fsyncAtEnd + ", useSplice=" + useSplice + "]";
    }
}
