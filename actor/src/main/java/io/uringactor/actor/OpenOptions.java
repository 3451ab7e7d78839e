package io.uringactor.actor;

import io.uringactor.ring.IoUringConstants;

import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.Set;

/**
 * How to open a file: access mode, creation and the Linux flags {@code O_DIRECT} and {@code O_DSYNC}.
 * Immutable; start from {@link #readOnly()}, {@link #writeOnly()} or {@link #readWrite()} and add with {@code withX}.
 *
 * @param read      open for reading
 * @param write     open for writing; at least one of {@code read} and {@code write} must be set
 * @param create    create the file if it is missing ({@code O_CREAT}, mode {@code 0644} less the umask)
 * @param createNew create the file, failing with {@code EEXIST} if it exists ({@code O_CREAT | O_EXCL})
 * @param truncate  truncate an existing file to 0 bytes ({@code O_TRUNC})
 * @param append    every write goes to the end of the file ({@code O_APPEND})
 * @param direct    bypass the page cache ({@code O_DIRECT}): offsets, lengths and block buffers must be aligned
 *                  to the file's O_DIRECT alignment, or the ring refuses the request
 * @param dsync     each write completes only once its data is durable ({@code O_DSYNC})
 */
public record OpenOptions(boolean read, boolean write, boolean create, boolean createNew, boolean truncate,
                          boolean append, boolean direct, boolean dsync) {

    /**
     * Checks the options.
     *
     * @throws IllegalArgumentException when neither {@code read} nor {@code write} is set
     */
    public OpenOptions {
        if (!read && !write) {
            throw new IllegalArgumentException("open options need read, write or both");
        }
    }

    /**
     * Options to read an existing file.
     *
     * @return read access, nothing else
     */
    public static OpenOptions readOnly() {
        return new OpenOptions(true, false, false, false, false, false, false, false);
    }

    /**
     * Options to write an existing file; add {@link #withCreate()} to create it.
     *
     * @return write access, nothing else
     */
    public static OpenOptions writeOnly() {
        return new OpenOptions(false, true, false, false, false, false, false, false);
    }

    /**
     * Options to read and write an existing file.
     *
     * @return read and write access, nothing else
     */
    public static OpenOptions readWrite() {
        return new OpenOptions(true, true, false, false, false, false, false, false);
    }

    /**
     * Maps {@link StandardOpenOption}s as {@code FileChannel.open} does (READ when neither READ, WRITE nor
     * APPEND is given; SYNC counts as DSYNC). Unsupported options are refused.
     */
    public static OpenOptions of(Set<? extends OpenOption> options) {
        boolean read = options.contains(StandardOpenOption.READ);
        final boolean append = options.contains(StandardOpenOption.APPEND);
        final boolean write = options.contains(StandardOpenOption.WRITE) || append;
        if (!read && !write) {
            read = true;
        }
        for (OpenOption option : options) {
            if (!(option instanceof StandardOpenOption) || option == StandardOpenOption.DELETE_ON_CLOSE
                    || option == StandardOpenOption.SPARSE) {
                throw new IllegalArgumentException("unsupported open option: " + option);
            }
        }
        return new OpenOptions(read, write, options.contains(StandardOpenOption.CREATE),
                options.contains(StandardOpenOption.CREATE_NEW), options.contains(StandardOpenOption.TRUNCATE_EXISTING),
                append, false, options.contains(StandardOpenOption.DSYNC) || options.contains(StandardOpenOption.SYNC));
    }

    /** Creates the file if it is missing. */
    public OpenOptions withCreate() {
        return new OpenOptions(read, write, true, createNew, truncate, append, direct, dsync);
    }

    /** Creates the file and fails with EEXIST if it exists. */
    public OpenOptions withCreateNew() {
        return new OpenOptions(read, write, create, true, truncate, append, direct, dsync);
    }

    /** Truncates an existing file to 0 bytes. */
    public OpenOptions withTruncate() {
        return new OpenOptions(read, write, create, createNew, true, append, direct, dsync);
    }

    /** Every write goes to the end of the file, whatever its offset says. */
    public OpenOptions withAppend() {
        return new OpenOptions(read, true, create, createNew, truncate, true, direct, dsync);
    }

    /** {@code O_DIRECT}: bypass the page cache; offsets, lengths and buffers must be aligned. */
    public OpenOptions withDirect() {
        return new OpenOptions(read, write, create, createNew, truncate, append, true, dsync);
    }

    /** {@code O_DSYNC}: each write returns once its data is durable. */
    public OpenOptions withDsync() {
        return new OpenOptions(read, write, create, createNew, truncate, append, direct, true);
    }

    /** The {@code open(2)} flags, always with {@code O_CLOEXEC}. */
    public int toFlags() {
        int flags = read && write ? IoUringConstants.O_RDWR : write ? IoUringConstants.O_WRONLY : IoUringConstants.O_RDONLY;
        flags |= IoUringConstants.O_CLOEXEC;
        if (create) {
            flags |= IoUringConstants.O_CREAT;
        }
        if (createNew) {
            flags |= IoUringConstants.O_CREAT | IoUringConstants.O_EXCL;
        }
        if (truncate) {
            flags |= IoUringConstants.O_TRUNC;
        }
        if (append) {
            flags |= IoUringConstants.O_APPEND;
        }
        if (direct) {
            flags |= IoUringConstants.O_DIRECT;
        }
        if (dsync) {
            flags |= IoUringConstants.O_DSYNC;
        }
        return flags;
    }

    /**
     * The options as {@code open(2)} flags, e.g. {@code O_RDWR|O_CREAT|O_TRUNC}: short enough for the error
     * messages that name an open ({@code openat(/data/f, O_RDONLY): ENOENT ...}).
     */
    @Override
    public String toString() {
        final StringBuilder b = new StringBuilder(read && write ? "O_RDWR" : write ? "O_WRONLY" : "O_RDONLY");
        if (create || createNew) {
            b.append("|O_CREAT");
        }
        if (createNew) {
            b.append("|O_EXCL");
        }
        if (truncate) {
            b.append("|O_TRUNC");
        }
        if (append) {
            b.append("|O_APPEND");
        }
        if (direct) {
            b.append("|O_DIRECT");
        }
        if (dsync) {
            b.append("|O_DSYNC");
        }
        return b.toString();
    }
}
