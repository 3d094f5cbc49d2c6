// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the guard-switch tables of {@code proofs-notes/mutants.md}: every table whose header
 * starts with {@code | switch |}; one {@link Entry} per row with the detectors it names (each
 * backticked name, and each bare {@code ...Test} class name).
 */
final class MutantsIndex {
    private MutantsIndex() { }

    /** One row: the section it is in, the switch (as written), and the detectors named. */
    record Entry(String section, String switchName, List<String> detectors) { }

    private static final Pattern TICKED = Pattern.compile("`([^`]+)`");
    private static final Pattern BARE_TEST = Pattern.compile("\\b([A-Z][A-Za-z0-9]*Test)\\b");

    static List<Entry> read(Path md) throws IOException {
        List<Entry> out = new ArrayList<>();
        String section = "";
        boolean inTable = false;
        for (String line : Files.readAllLines(md, StandardCharsets.UTF_8)) {
            if (line.startsWith("## ")) { section = line.substring(3).trim(); inTable = false; continue; }
            if (!line.startsWith("|")) { inTable = false; continue; }
            String[] cells = line.split("\\|", -1);
            if (cells.length < 3) continue;
            if (cells[1].trim().equals("switch")) { inTable = true; continue; }
            if (!inTable || cells[1].trim().startsWith("---")) continue;
            Set<String> det = new LinkedHashSet<>();
            for (int i = 2; i < cells.length; i++) {
                Matcher t = TICKED.matcher(cells[i]);
                while (t.find()) det.add(t.group(1).trim());
                Matcher b = BARE_TEST.matcher(cells[i].replaceAll("`[^`]*`", " "));
                while (b.find()) det.add(b.group(1));
            }
            out.add(new Entry(section, cells[1].trim(), List.copyOf(det)));
        }
        return out;
    }
}
