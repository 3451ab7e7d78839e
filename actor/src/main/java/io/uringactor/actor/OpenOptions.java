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
     * @throws IllegalArgumentException when neither {@code read} nor {@code write} is set, or when
     *                                  {@code create}, {@code createNew}, {@code truncate} or {@code append}
     *                                  is set without {@code write}: Linux truncates a file opened
     *                                  {@code O_RDONLY|O_TRUNC}, and {@code FileChannel.open} never creates,
     *                                  truncates or appends through a descriptor it does not write
     */
    public OpenOptions {
        if (!read && !write) {
            throw new IllegalArgumentException("open options need read, write or both");
        }
        if (!write && (create || createNew || truncate || append)) {
            throw new IllegalArgumentException("open options " + describe(read, false, create, createNew, truncate,
                    append, direct, dsync) + " create, truncate or append a file opened read-only: add write");
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
     * Maps {@link StandardOpenOption}s as {@code FileChannel.open} does: READ when neither READ, WRITE nor
     * APPEND is given, WRITE when APPEND is; CREATE, CREATE_NEW and TRUNCATE_EXISTING only when writing
     * (a set that does not write ignores them, so it never creates or truncates); SYNC counts as DSYNC;
     * SPARSE is a hint, ignored as on Linux.
     *
     * <table>
     *   <caption>What a set opens</caption>
     *   <tr><th>set</th><th>opens</th></tr>
     *   <tr><td>(empty), {@code READ}, {@code CREATE}, {@code TRUNCATE_EXISTING}, ... without WRITE or APPEND</td>
     *       <td>{@code O_RDONLY}: reads an existing file, never creates or truncates one</td></tr>
     *   <tr><td>{@code WRITE}</td><td>{@code O_WRONLY}: an existing file, its content kept</td></tr>
     *   <tr><td>{@code WRITE, CREATE}</td><td>{@code O_WRONLY|O_CREAT}</td></tr>
     *   <tr><td>{@code WRITE, CREATE, TRUNCATE_EXISTING}</td><td>{@code O_WRONLY|O_CREAT|O_TRUNC}</td></tr>
     *   <tr><td>{@code WRITE, CREATE_NEW}</td><td>{@code O_WRONLY|O_CREAT|O_EXCL}: fails with {@code EEXIST}
     *       if the file exists</td></tr>
     *   <tr><td>{@code APPEND} (with or without WRITE, CREATE)</td><td>{@code O_WRONLY|O_APPEND}</td></tr>
     *   <tr><td>{@code READ, WRITE}</td><td>{@code O_RDWR}</td></tr>
     *   <tr><td>{@code READ, APPEND}; {@code APPEND, TRUNCATE_EXISTING}</td><td>refused:
     *       {@link IllegalArgumentException}, as {@code FileChannel.open}</td></tr>
     * </table>
     *
     * @param options the options, {@link StandardOpenOption}s only
     * @return the open options
     * @throws IllegalArgumentException      for {@code READ + APPEND} and {@code APPEND + TRUNCATE_EXISTING}
     * @throws UnsupportedOperationException for an option the ring does not support ({@code DELETE_ON_CLOSE},
     *                                       {@code LinkOption.NOFOLLOW_LINKS}, any other kind of option)
     * @throws NullPointerException          for a null option
     */
    public static OpenOptions of(Set<? extends OpenOption> options) {
        for (OpenOption option : options) {
            if (option == null) {
                throw new NullPointerException("an open option is null");
            }
            if (!(option instanceof StandardOpenOption) || option == StandardOpenOption.DELETE_ON_CLOSE) {
                throw new UnsupportedOperationException("unsupported open option: " + option);
            }
        }
        final boolean append = options.contains(StandardOpenOption.APPEND);
        final boolean write = options.contains(StandardOpenOption.WRITE) || append;
        final boolean read = options.contains(StandardOpenOption.READ) || !write;
        // The same refusals, with the same messages, as FileChannel.open (sun.nio.fs.UnixChannelFactory).
        if (read && append) {
            throw new IllegalArgumentException("READ + APPEND not allowed");
        }
        if (append && options.contains(StandardOpenOption.TRUNCATE_EXISTING)) {
            throw new IllegalArgumentException("APPEND + TRUNCATE_EXISTING not allowed");
        }
        return new OpenOptions(read, write, write && options.contains(StandardOpenOption.CREATE),
                write && options.contains(StandardOpenOption.CREATE_NEW),
                write && options.contains(StandardOpenOption.TRUNCATE_EXISTING), append, false,
                options.contains(StandardOpenOption.DSYNC) || options.contains(StandardOpenOption.SYNC));
    }

    /**
     * Maps {@code options} as {@link #of} does, for a writer (a sink, a block writer): the set must open the
     * file for writing. Where {@code FileChannel.open} would open a set without WRITE or APPEND read-only and
     * the first write would fail, the set is refused here, before anything is opened.
     *
     * @param options the options, {@link StandardOpenOption}s only, with WRITE or APPEND
     * @return the open options, with {@code write} set
     * @throws IllegalArgumentException      for a set without WRITE or APPEND, and as {@link #of} does
     * @throws UnsupportedOperationException as {@link #of} does
     */
    public static OpenOptions ofWriting(Set<? extends OpenOption> options) {
        final OpenOptions open = of(options);
        if (!open.write()) {
            throw new IllegalArgumentException("open options " + options + " do not write: add WRITE (FileChannel.open"
                    + " would open the file read-only, so the first write would fail)");
        }
        return open;
    }

    /**
     * Creates the file if it is missing.
     *
     * @throws IllegalArgumentException unless these options write
     */
    public OpenOptions withCreate() {
        return new OpenOptions(read, write, true, createNew, truncate, append, direct, dsync);
    }

    /**
     * Creates the file and fails with EEXIST if it exists.
     *
     * @throws IllegalArgumentException unless these options write
     */
    public OpenOptions withCreateNew() {
        return new OpenOptions(read, write, create, true, truncate, append, direct, dsync);
    }

    /**
     * Truncates an existing file to 0 bytes.
     *
     * @throws IllegalArgumentException unless these options write
     */
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
        return describe(read, write, create, createNew, truncate, append, direct, dsync);
    }

    private static String describe(boolean read, boolean write, boolean create, boolean createNew, boolean truncate,
                                   boolean append, boolean direct, boolean dsync) {
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
