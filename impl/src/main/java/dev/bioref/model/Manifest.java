// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;

/**
 * The expected results of every TLC model: {@code specs/expected-results.tsv}.
 *
 * <p>Interface: {@link #read} parses the file; {@link #rows()} lists its rows in file order;
 * {@link #active(boolean)} keeps the default rows, plus the thorough ones when asked.
 *
 * <p>Format: tab-separated, first non-comment line the header
 * {@code config module profile expect property distinct total depth}; lines starting with
 * {@code #} and blank lines are ignored. {@code -} marks a field that is not recorded. A
 * malformed line throws an exception naming the file, the line number and the bad value.
 */
public final class Manifest {
    /** The header line, column for column. */
    public static final List<String> COLUMNS =
            List.of("config", "module", "profile", "expect", "property", "distinct", "total", "depth");

    /** What a model is expected to do. */
    public enum Expect { PASS, VIOLATION }

    /** One model: a cfg file, the module TLC checks with it, and what TLC must report. */
    public record Row(String config, String module, String profile, Expect expect, String property,
                      OptionalLong distinct, OptionalLong total, OptionalLong depth, int line) {
        public Row {
            Objects.requireNonNull(config, "config");
            Objects.requireNonNull(module, "module");
            if (!profile.equals("default") && !profile.equals("thorough")) {
                throw new IllegalArgumentException("profile must be default or thorough, was '" + profile + "'");
            }
            if (expect == Expect.VIOLATION && property.equals("-")) {
                throw new IllegalArgumentException("a violation row must name the property TLC reports violated: " + config);
            }
        }

        public boolean thorough() { return profile.equals("thorough"); }

        /** The spec a row belongs to: the module name without its {@code MC} prefix. */
        public String spec() { return module.startsWith("MC") ? module.substring(2) : module; }
    }

    private final Path file;
    private final List<Row> rows;

    private Manifest(Path file, List<Row> rows) {
        this.file = file;
        this.rows = List.copyOf(rows);
    }

    public Path file() { return file; }

    public List<Row> rows() { return rows; }

    /** The rows to run: every default row, and the thorough rows too when {@code thorough}. */
    public List<Row> active(boolean thorough) {
        return rows.stream().filter(r -> thorough || !r.thorough()).toList();
    }

    public static Manifest read(Path file) throws IOException {
        return parse(file, Files.readAllLines(file, StandardCharsets.UTF_8));
    }

    /** Parses manifest text; {@code file} is used in error messages only. */
    public static Manifest parse(Path file, List<String> lines) {
        List<Row> rows = new ArrayList<>();
        boolean header = false;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int no = i + 1;
            if (line.isBlank() || line.startsWith("#")) continue;
            String[] f = line.split("\t", -1);
            if (!header) {
                if (!List.of(f).equals(COLUMNS)) {
                    throw new IllegalArgumentException(file + ":" + no + ": header must be "
                            + String.join("<TAB>", COLUMNS) + ", was '" + line + "'");
                }
                header = true;
                continue;
            }
            if (f.length != COLUMNS.size()) {
                throw new IllegalArgumentException(file + ":" + no + ": expected " + COLUMNS.size()
                        + " tab-separated fields, found " + f.length + ": '" + line + "'");
            }
            try {
                rows.add(new Row(f[0].trim(), f[1].trim(), f[2].trim(), expect(f[3].trim()), f[4].trim(),
                        number(f[5]), number(f[6]), number(f[7]), no));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(file + ":" + no + ": " + e.getMessage(), e);
            }
        }
        if (!header) throw new IllegalArgumentException(file + ": no header line");
        return new Manifest(file, rows);
    }

    private static Expect expect(String s) {
        return switch (s) {
            case "pass" -> Expect.PASS;
            case "violation" -> Expect.VIOLATION;
            default -> throw new IllegalArgumentException("expect must be pass or violation, was '" + s + "'");
        };
    }

    private static OptionalLong number(String s) {
        String t = s.trim();
        if (t.equals("-")) return OptionalLong.empty();
        try {
            long v = Long.parseLong(t);
            if (v < 0) throw new NumberFormatException();
            return OptionalLong.of(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a state count must be a non-negative number or '-', was '" + s + "'");
        }
    }
}
