package io.uringactor.bench.compare;

import io.uringactor.bench.compare.Engine.Group;
import io.uringactor.bench.compare.Engine.Kind;
import io.uringactor.bench.compare.Engine.Sample;
import io.uringactor.bench.compare.Engine.Workload;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/** The results: medians per cell, ratios, and the markdown table, CSV and SVG chart. */
public final class Report {
    private Report() {
    }

    /**
     * One cell: a workload run by an engine. {@code opsPerSecond}, {@code p50Us}, {@code p99Us} are NaN for
     * the copy; {@code min}/{@code max} are the spread of the headline number (ops/s, or MB/s for the copy).
     */
    public static final class Row {
        public final String workload;
        public final String engine;
        public final Group group;
        public final boolean copy;
        public final int runs;
        public final double opsPerSecond;
        public final double mbPerSecond;
        public final double p50Us;
        public final double p99Us;
        public final double min;
        public final double max;
        public double ratioToFio = Double.NaN;
        public double ratioToBestJavaPeer = Double.NaN;

        Row(String workload, String engine, Group group, boolean copy, int runs, double opsPerSecond,
            double mbPerSecond, double p50Us, double p99Us, double min, double max) {
            this.workload = workload;
            this.engine = engine;
            this.group = group;
            this.copy = copy;
            this.runs = runs;
            this.opsPerSecond = opsPerSecond;
            this.mbPerSecond = mbPerSecond;
            this.p50Us = p50Us;
            this.p99Us = p99Us;
            this.min = min;
            this.max = max;
        }

        static Row of(Workload w, Engine engine, List<Sample> samples) {
            final boolean copy = w.kind() == Kind.COPY;
            final ToDoubleFunction<Sample> headline = copy ? Sample::mbPerSecond : Sample::opsPerSecond;
            final double[] values = samples.stream().mapToDouble(headline).sorted().toArray();
            return new Row(w.name(), engine.name(), engine.group(), copy, samples.size(),
                    copy ? Double.NaN : median(samples, Sample::opsPerSecond), median(samples, Sample::mbPerSecond),
                    copy ? Double.NaN : median(samples, Sample::p50us), copy ? Double.NaN : median(samples, Sample::p99us),
                    values.length == 0 ? Double.NaN : values[0], values.length == 0 ? Double.NaN : values[values.length - 1]);
        }

        /** The headline number: ops/s, or MB/s for the copy. */
        public double headline() {
            return copy ? mbPerSecond : opsPerSecond;
        }
    }

    static double median(List<Sample> samples, ToDoubleFunction<Sample> f) {
        final double[] v = samples.stream().mapToDouble(f).filter(d -> !Double.isNaN(d)).sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    /** Fills in the ratios to fio's io_uring engine and to the best Java peer of the same workload. */
    static void ratios(List<Row> rows) {
        for (List<Row> group : byWorkload(rows).values()) {
            final double fio = group.stream().filter(r -> r.engine.equals("fio/io_uring"))
                    .mapToDouble(Row::headline).findFirst().orElse(Double.NaN);
            final double peer = group.stream().filter(r -> r.group == Group.JAVA_PEER)
                    .mapToDouble(Row::headline).max().orElse(Double.NaN);
            for (Row r : group) {
                r.ratioToFio = fio > 0 ? r.headline() / fio : Double.NaN;
                r.ratioToBestJavaPeer = peer > 0 ? r.headline() / peer : Double.NaN;
            }
        }
    }

    static Map<String, List<Row>> byWorkload(List<Row> rows) {
        final Map<String, List<Row>> map = new LinkedHashMap<>();
        for (Row r : rows) {
            map.computeIfAbsent(r.workload, k -> new ArrayList<>()).add(r);
        }
        return map;
    }

    // ----------------------------------------------------------------------------------------------

    static String markdown(List<Row> rows) {
        final StringBuilder sb = new StringBuilder();
        sb.append("| workload | engine | ops/s | MB/s | p50 µs | p99 µs | spread (min–max) | vs fio | vs best Java peer |\n");
        sb.append("|---|---|--:|--:|--:|--:|--:|--:|--:|\n");
        for (Row r : rows) {
            sb.append("| ").append(r.workload).append(" | ").append(r.engine).append(" | ")
                    .append(r.copy ? "" : count(r.opsPerSecond)).append(" | ")
                    .append(fixed(r.mbPerSecond, 1)).append(" | ")
                    .append(fixed(r.p50Us, 1)).append(" | ")
                    .append(fixed(r.p99Us, 1)).append(" | ")
                    .append(r.copy ? fixed(r.min, 0) + "–" + fixed(r.max, 0) + " MB/s" : count(r.min) + "–" + count(r.max))
                    .append(" | ").append(ratio(r.ratioToFio))
                    .append(" | ").append(ratio(r.ratioToBestJavaPeer)).append(" |\n");
        }
        sb.append("\nMedian of ").append(rows.isEmpty() ? 0 : rows.get(0).runs)
                .append(" interleaved runs per cell; MB = 10^6 bytes; latencies per op (issue to completion; fio: clat);"
                        + " ratios of the headline number (ops/s, MB/s for the copy); fio = fio --ioengine=io_uring.\n");
        return sb.toString();
    }

    static String csv(List<Row> rows) {
        final StringBuilder sb = new StringBuilder(Compare.CSV_HEADER).append('\n');
        for (Row r : rows) {
            sb.append(r.workload).append(',').append(r.engine).append(',')
                    .append(plain(r.opsPerSecond, 0)).append(',')
                    .append(plain(r.mbPerSecond, 2)).append(',')
                    .append(plain(r.p50Us, 2)).append(',')
                    .append(plain(r.p99Us, 2)).append(',')
                    .append(plain(r.ratioToFio, 3)).append('\n');
        }
        return sb.toString();
    }

    private static String plain(double v, int decimals) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    private static String count(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        return v >= 1e6 ? String.format(Locale.ROOT, "%.2fM", v / 1e6)
                : v >= 1e3 ? String.format(Locale.ROOT, "%.1fk", v / 1e3) : String.format(Locale.ROOT, "%.0f", v);
    }

    private static String ratio(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.2fx", v);
    }

    // ----------------------------------------------------------------------------------------------

    private static String color(Group g) {
        return switch (g) {
            case LIBRARY -> "#d9480f";
            case JAVA_PEER -> "#1971c2";
            case NATIVE -> "#868e96";
        };
    }

    /**
     * Horizontal bars per workload, each normalized to the workload's best engine (the longest bar), with
     * the min–max spread as a whisker and the value written next to the bar.
     */
    static String svg(List<Row> rows, String title) {
        final int labelW = 170;
        final int barW = 520;
        final int valueW = 190;
        final int width = labelW + barW + valueW + 20;
        final int barH = 16;
        final int gap = 4;
        final StringBuilder body = new StringBuilder();
        int y = 58;
        for (Map.Entry<String, List<Row>> e : byWorkload(rows).entrySet()) {
            final List<Row> group = e.getValue();
            final double best = group.stream().mapToDouble(r -> Math.max(r.headline(), r.max)).filter(d -> !Double.isNaN(d))
                    .max().orElse(1);
            body.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"%d\" class=\"w\">%s</text>%n", y + 12,
                    esc(e.getKey() + (group.get(0).copy ? " (MB/s)" : " (ops/s)"))));
            y += 20;
            for (Row r : group) {
                final double v = Double.isNaN(r.headline()) ? 0 : r.headline();
                final int len = (int) Math.round(barW * v / best);
                body.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"e\">%s</text>%n",
                        labelW, y + barH - 4, esc(r.engine)));
                body.append(String.format(Locale.ROOT,
                        "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s %s: %s</title></rect>%n",
                        labelW + 6, y, Math.max(1, len), barH, color(r.group), esc(r.workload), esc(r.engine),
                        esc(r.copy ? fixed(r.mbPerSecond, 1) + " MB/s" : count(r.opsPerSecond) + " ops/s")));
                if (!Double.isNaN(r.min) && !Double.isNaN(r.max)) {
                    final int x1 = labelW + 6 + (int) Math.round(barW * r.min / best);
                    final int x2 = labelW + 6 + (int) Math.round(barW * r.max / best);
                    body.append(String.format(Locale.ROOT,
                            "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" stroke=\"#212529\" stroke-width=\"1.5\"/>%n",
                            x1, x2, y + barH / 2, y + barH / 2));
                }
                final String value = r.copy ? fixed(r.mbPerSecond, 0) + " MB/s"
                        : count(r.opsPerSecond) + (Double.isNaN(r.p99Us) ? "" : "  p99 " + fixed(r.p99Us, 0) + " µs");
                body.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" class=\"v\">%s</text>%n",
                        labelW + 12 + Math.max(len, (int) Math.round(barW * (Double.isNaN(r.max) ? 0 : r.max) / best)),
                        y + barH - 4, esc(value)));
                y += barH + gap;
            }
            y += 14;
        }
        final StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\""
                + " viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">%n", width, y + 10, width, y + 10));
        sb.append("<style>.w{font-size:14px;font-weight:bold}.e{font-size:12px;text-anchor:end}"
                + ".v{font-size:11px;fill:#212529}.t{font-size:16px;font-weight:bold}.l{font-size:12px}</style>\n");
        sb.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", width, y + 10));
        sb.append(String.format(Locale.ROOT, "<text x=\"10\" y=\"22\" class=\"t\">%s</text>%n", esc(title)));
        int lx = 10;
        for (String[] legend : Arrays.asList(new String[] {"this library", color(Group.LIBRARY)},
                new String[] {"Java peers", color(Group.JAVA_PEER)}, new String[] {"native tools", color(Group.NATIVE)},
                new String[] {"bars normalized to each workload's best; whisker = min–max of the runs", "none"})) {
            if (!"none".equals(legend[1])) {
                sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"32\" width=\"12\" height=\"12\" fill=\"%s\"/>%n",
                        lx, legend[1]));
                lx += 16;
            }
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"43\" class=\"l\">%s</text>%n", lx, esc(legend[0])));
            lx += 8 * legend[0].length() + 14;
        }
        sb.append(body).append("</svg>\n");
        return sb.toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
