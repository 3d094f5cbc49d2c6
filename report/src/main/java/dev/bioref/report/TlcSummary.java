// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * Reads {@code specs/target/tlc-summary.tsv}, which the TLC runner ({@code dev.bioref.model.ModelCheck})
 * writes after checking the manifest's models: one {@link Row} per model.
 */
final class TlcSummary {
    private TlcSummary() { }

    record Row(String config, String profile, String expect, String property, String outcome,
               OptionalLong distinct, OptionalLong total, OptionalLong depth, OptionalDouble seconds,
               String verdict, String note) {
        /** Distinct states found per second of TLC wall time, if both are known. */
        OptionalLong distinctPerSecond() {
            if (distinct.isEmpty() || seconds.isEmpty() || seconds.getAsDouble() <= 0) return OptionalLong.empty();
            return OptionalLong.of(Math.round(distinct.getAsLong() / seconds.getAsDouble()));
        }
    }

    static final String HEADER = "config\tmodule\tprofile\texpect\tproperty\toutcome\tdistinct\ttotal\tdepth\tseconds\tverdict\tnote";

    /** Parses the tsv; throws naming the file and line when a line does not have the runner's columns. */
    static List<Row> read(Path tsv) throws IOException {
        List<String> lines = Files.readAllLines(tsv, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new IOException(tsv + ": line 1 is not the TLC runner's header '" + HEADER + "'");
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank()) continue;
            String[] c = line.split("\t", -1);
            if (c.length != 12) {
                throw new IOException(tsv + ": line " + (i + 1) + " has " + c.length + " columns, not 12: " + line);
            }
            try {
                rows.add(new Row(c[0], c[2], c[3], c[4], c[5], num(c[6]), num(c[7]), num(c[8]),
                        c[9].equals("-") ? OptionalDouble.empty() : OptionalDouble.of(Double.parseDouble(c[9])),
                        c[10], c[11]));
            } catch (NumberFormatException e) {
                throw new IOException(tsv + ": line " + (i + 1) + ": " + e.getMessage() + ": " + line, e);
            }
        }
        return rows;
    }

    private static OptionalLong num(String s) {
        return s.equals("-") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(s));
    }
}
