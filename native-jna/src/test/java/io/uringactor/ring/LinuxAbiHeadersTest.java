package io.uringactor.ring;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * Checks every number of the ABI tables ({@link X86_64Abi}, {@link Aarch64Abi}) against that
 * architecture's Linux UAPI headers, and the constants and struct layouts claimed to be the same on both
 * ({@link Errno}, {@link IoUringConstants}, {@link Pipe}, {@link RingLayout}) against both header sets.
 *
 * <p>How: for each header set, a C program is generated that includes the kernel's UAPI headers
 * ({@code asm/unistd.h}, {@code asm/fcntl.h}, {@code linux/io_uring.h}...) from that set only
 * ({@code gcc -nostdinc -isystem DIR}) and prints each macro, enum value, {@code offsetof} and
 * {@code sizeof}; it is compiled with this machine's gcc and run here. The values are the headers' own, as
 * the C preprocessor and compiler evaluate them; struct layouts of the foreign architecture's headers are
 * computed by this machine's compiler, which {@link RingLayout}'s comment argues is the same layout.
 *
 * <p>Missing headers or gcc skip the test with the package to install, or fail it where
 * {@link TestPackages#REQUIRE} is set, as {@code .ci/run} sets it: the running architecture's headers come
 * with {@code linux-libc-dev} (installed with gcc), the other one's with Debian's cross package,
 * {@code linux-libc-dev-arm64-cross} on an x86_64 machine (.ci/run installs both).
 */
class LinuxAbiHeadersTest {
    /** The UAPI headers the generated program includes; each must exist in both header sets. */
    private static final List<String> UAPI_HEADERS = List.of(
            "asm/unistd.h", "asm/fcntl.h", "asm/mman.h", "asm/errno.h", "linux/mman.h", "linux/fcntl.h",
            "linux/io_uring.h", "linux/stat.h", "linux/openat2.h", "linux/falloc.h", "linux/uio.h",
            "linux/time_types.h");

    /** IoUringConstants that no UAPI header of this machine defines, with the reason. */
    private static final Map<String, String> NOT_IN_THESE_HEADERS = Map.of(
            "SPLICE_F_MOVE", "glibc's <fcntl.h> defines it; the kernel's is in include/linux/splice.h, not UAPI",
            "IORING_OP_FTRUNCATE", "Linux 6.9, newer than Debian 12's 6.1 headers",
            "IORING_SETUP_NO_SQARRAY", "Linux 6.6, newer than Debian 12's 6.1 headers (only refused, never set)");

    /** RingLayout's values that are this module's choices, not the kernel's. */
    private static final Set<String> LAYOUT_CHOICES = Set.of(
            "PROBE_MAX_OPS", // the size of the probe buffer this module allocates
            "WAIT_TIMESPEC"); // where IoUring keeps its timespec, after its getevents argument

    @TempDir
    Path dir;

    @Test
    void x86_64TableMatchesTheX86_64Headers() throws Exception {
        assertMatches(Headers.of("x86_64"), tableExpressions(X86_64Abi.class), valuesOf(X86_64Abi.class));
    }

    @Test
    void aarch64TableMatchesTheAarch64Headers() throws Exception {
        assertMatches(Headers.of("aarch64"), tableExpressions(Aarch64Abi.class), valuesOf(Aarch64Abi.class));
    }

    @Test
    void bothTablesAndLinuxAbiNameTheSameConstants() throws Exception {
        final Set<String> abi = new TreeSet<>(valuesOf(LinuxAbi.forArch("x86_64")).keySet());
        assertEquals(abi, new TreeSet<>(valuesOf(X86_64Abi.class).keySet()), "X86_64Abi against LinuxAbi");
        assertEquals(abi, new TreeSet<>(valuesOf(Aarch64Abi.class).keySet()), "Aarch64Abi against LinuxAbi");
    }

    @Test
    void linuxAbiTakesEachArchitecturesTable() throws Exception {
        for (String osArch : List.of("amd64", "x86_64")) {
            final LinuxAbi abi = LinuxAbi.forArch(osArch);
            assertEquals("x86_64", abi.arch, osArch);
            assertEquals(valuesOf(X86_64Abi.class), valuesOf(abi), osArch);
        }
        final LinuxAbi aarch64 = LinuxAbi.forArch("aarch64");
        assertEquals("aarch64", aarch64.arch);
        assertEquals(valuesOf(Aarch64Abi.class), valuesOf(aarch64));
        assertNull(LinuxAbi.forArch("riscv64").arch);
        assertNull(LinuxAbi.forArch("arm").arch, "32-bit arm has other numbers and layouts");
    }

    @Test
    void publicConstantsAreTheRunningArchitectures() throws Exception {
        final Map<String, Long> current = valuesOf(LinuxAbi.CURRENT);
        assertEquals(valuesOf(LinuxAbi.forArch(System.getProperty("os.arch"))), current);
        final List<String> wrong = new ArrayList<>();
        for (Class<?> user : List.of(IoUringConstants.class, LibC.class)) {
            valuesOf(user).forEach((name, value) -> {
                if (current.containsKey(name) && !current.get(name).equals(value)) {
                    wrong.add(user.getSimpleName() + "." + name + " = " + hex(value) + ", LinuxAbi has " + hex(current.get(name)));
                }
            });
        }
        assertEquals(List.of(), wrong);
        for (String name : List.of("O_DIRECT", "O_DIRECTORY", "O_NOFOLLOW", "O_LARGEFILE", "O_PATH", "O_CLOEXEC")) {
            assertTrue(valuesOf(IoUringConstants.class).containsKey(name), "IoUringConstants." + name);
        }
        assertTrue(valuesOf(LibC.class).containsKey("SYS_STATX"));
    }

    @Test
    void sharedConstantsMatchBothHeaderSets() throws Exception {
        final Map<String, Long> expected = new LinkedHashMap<>();
        final Set<String> abi = valuesOf(LinuxAbi.CURRENT).keySet();
        valuesOf(IoUringConstants.class).forEach((name, value) -> {
            if (!abi.contains(name) && !NOT_IN_THESE_HEADERS.containsKey(name)) {
                expected.put(name, value);
            }
        });
        expected.putAll(valuesOf(Errno.class));
        expected.putAll(valuesOf(Pipe.class));
        final Map<String, String> expressions = new LinkedHashMap<>();
        expected.keySet().forEach(name -> expressions.put(name, name));
        // Errno's table of names, index by index
        final Field namesField = Errno.class.getDeclaredField("NAMES");
        namesField.setAccessible(true);
        final String[] names = (String[]) namesField.get(null);
        for (int i = 1; i < names.length; i++) {
            if (names[i] != null) {
                expressions.put("Errno.name(" + i + ")", names[i]);
                expected.put("Errno.name(" + i + ")", (long) i);
            }
        }
        assertTrue(expected.size() > 150, "found only " + expected.size() + " constants: " + expected.keySet());
        assertMatches(Headers.of("x86_64"), expressions, expected);
        assertMatches(Headers.of("aarch64"), expressions, expected);
    }

    @Test
    void ringLayoutMatchesBothHeaderSets() throws Exception {
        final Map<String, String> expressions = layoutExpressions();
        final Map<String, Long> layout = valuesOf(RingLayout.class);
        final Set<String> unchecked = new TreeSet<>(layout.keySet());
        unchecked.removeAll(expressions.keySet());
        unchecked.removeAll(LAYOUT_CHOICES);
        assertEquals(Set.of(), unchecked, "RingLayout values that this test does not check: add each to layoutExpressions");
        layout.keySet().retainAll(expressions.keySet());
        assertMatches(Headers.of("x86_64"), expressions, layout);
        assertMatches(Headers.of("aarch64"), expressions, layout);
    }

    @Test
    void pageSizeIsTheKernels() throws Exception {
        assertNull(LibC.UNSUPPORTED, "this test runs where io_uring does");
        final Process getconf = new ProcessBuilder("getconf", "PAGESIZE").redirectErrorStream(true).start();
        final String out = new String(getconf.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
        assertEquals(0, getconf.waitFor());
        assertEquals(Integer.parseInt(out), AlignedBuffer.PAGE_SIZE);
        assertEquals(AlignedBuffer.PAGE_SIZE, AlignedBuffer.DEFAULT_DIRECT_IO_ALIGNMENT);
        assertEquals(0, LibC.pageAligned(0));
        assertEquals(AlignedBuffer.PAGE_SIZE, LibC.pageAligned(1));
        assertEquals(AlignedBuffer.PAGE_SIZE, LibC.pageAligned(AlignedBuffer.PAGE_SIZE));
        assertEquals(2L * AlignedBuffer.PAGE_SIZE, LibC.pageAligned(AlignedBuffer.PAGE_SIZE + 1L));
        // _SC_PAGESIZE is glibc's (bits/confname.h, one file for every architecture): this machine's glibc
        final Headers glibc = new Headers("this machine's glibc", "libc6-dev", List.of(), List.of("unistd.h"),
                Path.of("/usr/include/unistd.h"));
        assertMatches(glibc, Map.of("_SC_PAGESIZE", "_SC_PAGESIZE"), Map.of("_SC_PAGESIZE", (long) LibC._SC_PAGESIZE));
    }

    /**
     * One architecture's headers: with include directories, a set of UAPI headers that gcc reads with
     * {@code -nostdinc}; without, gcc's own defaults (this machine's glibc).
     */
    private record Headers(String arch, String debianPackage, List<String> includeDirs, List<String> includes,
                           Path marker) {
        /** The running architecture's headers are native (linux-libc-dev); another's are Debian's cross package. */
        static Headers of(String arch) {
            if (arch.equals(LinuxAbi.CURRENT.arch)) {
                return new Headers(arch, "linux-libc-dev", List.of("/usr/include/" + arch + "-linux-gnu", "/usr/include"),
                        UAPI_HEADERS, Path.of("/usr/include/" + arch + "-linux-gnu/asm/unistd.h"));
            }
            final String debianArch = arch.equals("x86_64") ? "amd64" : "arm64";
            return new Headers(arch, "linux-libc-dev-" + debianArch + "-cross", List.of("/usr/" + arch + "-linux-gnu/include"),
                    UAPI_HEADERS, Path.of("/usr/" + arch + "-linux-gnu/include/asm/unistd.h"));
        }
    }

    /** The C name of each table constant: {@code SYS_STATX} is {@code __NR_statx}, an open or mmap flag its own name. */
    private static Map<String, String> tableExpressions(Class<?> table) throws IllegalAccessException {
        final Map<String, String> expressions = new LinkedHashMap<>();
        for (String name : valuesOf(table).keySet()) {
            expressions.put(name, name.startsWith("SYS_") ? "__NR_" + name.substring(4).toLowerCase(java.util.Locale.ROOT) : name);
        }
        return expressions;
    }

    private static Map<String, String> layoutExpressions() {
        final Map<String, String> e = new LinkedHashMap<>();
        offsets(e, "struct io_uring_sqe", "SQE_SIZE", "SQE_OPCODE_FIELD", "opcode", "SQE_FLAGS_FIELD", "flags",
                "SQE_IOPRIO_FIELD", "ioprio", "SQE_FD_FIELD", "fd", "SQE_OFF_FIELD", "off", "SQE_ADDR_FIELD", "addr",
                "SQE_LEN_FIELD", "len", "SQE_OP_FLAGS_FIELD", "rw_flags", "SQE_USER_DATA_FIELD", "user_data",
                "SQE_BUF_INDEX_FIELD", "buf_index", "SQE_PERSONALITY_FIELD", "personality",
                "SQE_SPLICE_FD_IN_FIELD", "splice_fd_in", "SQE_ADDR3_FIELD", "addr3");
        offsets(e, "struct io_uring_cqe", "CQE_SIZE", "CQE_USER_DATA_FIELD", "user_data", "CQE_RES_FIELD", "res",
                "CQE_FLAGS_FIELD", "flags");
        offsets(e, "struct io_uring_params", "PARAMS_SIZE", "PARAMS_SQ_ENTRIES", "sq_entries",
                "PARAMS_CQ_ENTRIES", "cq_entries", "PARAMS_FLAGS", "flags", "PARAMS_FEATURES", "features",
                "PARAMS_SQ_OFF", "sq_off", "PARAMS_CQ_OFF", "cq_off");
        offsets(e, "struct io_sqring_offsets", null, "SQ_OFF_HEAD", "head", "SQ_OFF_TAIL", "tail",
                "SQ_OFF_RING_MASK", "ring_mask", "SQ_OFF_RING_ENTRIES", "ring_entries", "SQ_OFF_FLAGS", "flags",
                "SQ_OFF_DROPPED", "dropped", "SQ_OFF_ARRAY", "array");
        offsets(e, "struct io_cqring_offsets", null, "CQ_OFF_HEAD", "head", "CQ_OFF_TAIL", "tail",
                "CQ_OFF_RING_MASK", "ring_mask", "CQ_OFF_RING_ENTRIES", "ring_entries", "CQ_OFF_OVERFLOW", "overflow",
                "CQ_OFF_CQES", "cqes");
        for (String region : List.of("IORING_OFF_SQ_RING", "IORING_OFF_CQ_RING", "IORING_OFF_SQES")) {
            e.put(region, region);
        }
        offsets(e, "struct io_uring_probe", "PROBE_HEADER_SIZE", "PROBE_LAST_OP", "last_op", "PROBE_OPS_LEN", "ops_len");
        offsets(e, "struct io_uring_probe_op", "PROBE_OP_SIZE", "PROBE_OP_FLAGS", "flags");
        offsets(e, "struct iovec", "IOVEC_SIZE");
        offsets(e, "struct io_uring_rsrc_update", "RSRC_UPDATE_SIZE");
        offsets(e, "struct open_how", "OPEN_HOW_SIZE");
        offsets(e, "struct io_uring_getevents_arg", "GETEVENTS_ARG_SIZE", "GETEVENTS_ARG_TS", "ts");
        offsets(e, "struct __kernel_timespec", "TIMESPEC_SIZE");
        offsets(e, "struct statx", "STATX_SIZE", "STATX_MASK", "stx_mask", "STATX_BLKSIZE", "stx_blksize",
                "STATX_NLINK", "stx_nlink", "STATX_UID", "stx_uid", "STATX_GID", "stx_gid", "STATX_MODE", "stx_mode",
                "STATX_INO", "stx_ino", "STATX_SIZE_FIELD", "stx_size", "STATX_BLOCKS", "stx_blocks",
                "STATX_ATIME", "stx_atime", "STATX_BTIME", "stx_btime", "STATX_CTIME", "stx_ctime",
                "STATX_MTIME", "stx_mtime", "STATX_DIO_MEM_ALIGN", "stx_dio_mem_align",
                "STATX_DIO_OFFSET_ALIGN", "stx_dio_offset_align");
        return e;
    }

    /**
     * Adds {@code sizeof(struct)} under {@code sizeName} (unless {@code null}), then each pair of a
     * RingLayout name and the struct member whose {@code offsetof} it is.
     */
    private static void offsets(Map<String, String> e, String struct, String sizeName, String... nameAndMember) {
        if (sizeName != null) {
            e.put(sizeName, "sizeof(" + struct + ")");
        }
        for (int i = 0; i < nameAndMember.length; i += 2) {
            e.put(nameAndMember[i], "__builtin_offsetof(" + struct + ", " + nameAndMember[i + 1] + ")");
        }
    }

    /**
     * Fails, listing every difference, unless each {@code expected} value is what {@code headers} give for
     * its expression. A negative int also matches its unsigned value, so that {@code (1U << 31)} matches
     * the int {@code 1 << 31}.
     */
    private void assertMatches(Headers headers, Map<String, String> expressions, Map<String, Long> expected)
            throws IOException, InterruptedException {
        final Map<String, Long> actual = evaluate(headers, expressions);
        final List<String> wrong = new ArrayList<>();
        expected.forEach((name, value) -> {
            final Long header = actual.get(name);
            if (header == null) {
                wrong.add(name + ": the program printed no value");
            } else if (header.longValue() != value
                    && !(value < 0 && value >= Integer.MIN_VALUE && header == (value & 0xFFFFFFFFL))) {
                wrong.add(name + " is " + hex(value) + " here, but " + expressions.get(name) + " is " + hex(header)
                        + " in the " + headers.arch() + " headers");
            }
        });
        assertEquals(List.of(), wrong, headers.arch() + " (" + String.join(" ", headers.includeDirs()) + "): "
                + wrong.size() + " of " + expected.size() + " constants differ");
    }

    /** Compiles and runs a program printing each expression as the headers evaluate it. */
    private Map<String, Long> evaluate(Headers headers, Map<String, String> expressions)
            throws IOException, InterruptedException {
        TestPackages.requireGcc();
        TestPackages.require(Files.exists(headers.marker()), "the " + headers.arch() + " headers (" + headers.marker()
                + ")", "apt-get install -y " + headers.debianPackage());
        final StringBuilder c = new StringBuilder();
        for (String header : headers.includes()) {
            c.append("#include <").append(header).append(">\n");
        }
        c.append("int printf(const char *, ...);\nint main(void) {\n");
        expressions.forEach((name, expression) ->
                c.append("    printf(\"%s %lld\\n\", \"").append(name).append("\", (long long) (").append(expression).append("));\n"));
        c.append("    return 0;\n}\n");
        final Path source = dir.resolve("abi.c");
        final Path program = dir.resolve("abi");
        Files.writeString(source, c);
        final List<String> gcc = new ArrayList<>(List.of("gcc", "-std=gnu11", "-w"));
        if (!headers.includeDirs().isEmpty()) {
            gcc.add("-nostdinc");
            for (String include : headers.includeDirs()) {
                gcc.add("-isystem");
                gcc.add(include);
            }
        }
        gcc.addAll(List.of("-o", program.toString(), source.toString()));
        final Process compile;
        try {
            compile = new ProcessBuilder(gcc).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("this test compiles a C program with gcc: install it (`apt-get install -y gcc`)", e);
        }
        final String compileOutput = new String(compile.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(compile.waitFor(60, TimeUnit.SECONDS), "gcc did not finish");
        assertEquals(0, compile.exitValue(), "gcc failed on the " + headers.arch() + " headers:\n" + compileOutput
                + "\n" + String.join(" ", gcc) + "\n" + c);
        final Process run = new ProcessBuilder(program.toString()).redirectErrorStream(true).start();
        final String output = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(run.waitFor(60, TimeUnit.SECONDS), "the program did not finish");
        assertEquals(0, run.exitValue(), output);
        final Map<String, Long> values = new LinkedHashMap<>();
        for (String line : output.split("\n")) {
            final int space = line.lastIndexOf(' ');
            if (space > 0) {
                values.put(line.substring(0, space), Long.parseLong(line.substring(space + 1)));
            }
        }
        return values;
    }

    /** The static byte, short, int and long fields of {@code type}, by name. */
    private static Map<String, Long> valuesOf(Class<?> type) throws IllegalAccessException {
        return numericFields(type, null, true);
    }

    /** The instance byte, short, int and long fields of an ABI, by name. */
    private static Map<String, Long> valuesOf(LinuxAbi abi) throws IllegalAccessException {
        return numericFields(LinuxAbi.class, abi, false);
    }

    private static Map<String, Long> numericFields(Class<?> type, Object instance, boolean statics)
            throws IllegalAccessException {
        final Map<String, Long> values = new LinkedHashMap<>();
        for (Field field : type.getDeclaredFields()) {
            final Class<?> t = field.getType();
            if (Modifier.isStatic(field.getModifiers()) != statics || field.isSynthetic()
                    || !(t == byte.class || t == short.class || t == int.class || t == long.class)) {
                continue;
            }
            field.setAccessible(true);
            values.put(field.getName(), ((Number) field.get(instance)).longValue());
        }
        return values;
    }

    private static String hex(long value) {
        return value < 0 ? Long.toString(value) : "0x" + Long.toHexString(value);
    }
}
