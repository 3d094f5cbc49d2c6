// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seed citations stay true. Every comment of the form {@code <seed file> <function>(), L<n>}
 * ({@code // vfs_bio.c brelse(), L1269}; several pairs may follow one file name, as in
 * {@code brelse(), L1525 / bqrelse(), L1656}) must name a function that the seed file defines at
 * line n or whose body holds line n (its definition starting at most three lines after n, for
 * a citation of the return-type line). A short citation {@code io:L<n>} or {@code fl:L<n>}
 * (hammer_io.c, hammer_flusher.c) must name a line the seed has. The seeds are read from
 * {@code ../shared/seeds} beside the repository (or {@code -Dbioref.seeds}), mapped by their README.
 */
class SeedCitationsTest {
    private static final Pattern CITE = Pattern.compile(
            "(hammer_io\\.c|hammer_flusher\\.c|vfs_bio\\.c|uvm_vnode\\.c|dm-bufio\\.c)\\s+(.*)");
    private static final Pattern PAIR = Pattern.compile("([A-Za-z_][A-Za-z_0-9]*)\\(\\)([^()]*?)\\bL(\\d+)");
    private static final Pattern SHORT = Pattern.compile("\\b(io|fl):L(\\d+)(?:-(\\d+))?");

    private final Path root = RepoFiles.root();
    private final Map<String, Seed> seeds = new HashMap<>();

    /** One seed: its numbered lines and where each function's definition starts and ends. */
    record Seed(String name, int lastLine, List<Def> defs) {
        /** Whether {@code fn} is defined at, or its body holds, line {@code n}. */
        boolean has(String fn, int n) {
            for (Def d : defs) if (d.name.equals(fn) && n >= d.start - 3 && n < d.end) return true;
            return false;
        }

        String around(int n) {
            for (Def d : defs) if (n >= d.start - 3 && n < d.end) return d.name + "() at L" + d.start;
            return "no function";
        }
    }

    record Def(String name, int start, int end) { }

    @Test
    void everySeedCitationNamesTheFunctionAtThatLine() throws IOException {
        List<String> bad = new ArrayList<>();
        int checked = 0;
        for (Path p : sources()) {
            List<String> lines = Files.readAllLines(p);
            for (int i = 0; i < lines.size(); i++) {
                String comment = commentOf(lines.get(i));
                if (comment == null) continue;
                Matcher c = CITE.matcher(comment);
                while (c.find()) {
                    Seed seed = seed(c.group(1));
                    Matcher m = PAIR.matcher(c.group(2));
                    while (m.find()) {
                        if (m.group(2).matches(".*\\b[a-z_]+\\.[ch]\\b.*")) break;   // a later pair of another file
                        int n = Integer.parseInt(m.group(3));
                        checked++;
                        if (!seed.has(m.group(1), n)) {
                            bad.add(root.relativize(p) + ":" + (i + 1) + ": " + c.group(1) + " " + m.group(1) + "(), L" + n
                                    + " (the seed has " + seed.around(n) + " there)");
                        }
                    }
                }
                Matcher s = SHORT.matcher(comment);
                while (s.find()) {
                    Seed seed = seed(s.group(1).equals("io") ? "hammer_io.c" : "hammer_flusher.c");
                    for (String g : new String[] {s.group(2), s.group(3)}) {
                        if (g == null) continue;
                        checked++;
                        if (Integer.parseInt(g) < 1 || Integer.parseInt(g) > seed.lastLine()) {
                            bad.add(root.relativize(p) + ":" + (i + 1) + ": " + s.group() + " is beyond " + seed.name()
                                    + "'s " + seed.lastLine() + " lines");
                        }
                    }
                }
            }
        }
        assertTrue(checked > 100, "only " + checked + " citations found: is the pattern still the one the code uses?");
        assertEquals(List.of(), bad, bad.size() + " of " + checked + " seed citations do not match the seed");
    }

    @Test
    void theCheckerFindsFunctionsWhereTheSeedsHaveThem() {
        Seed bio = seed("vfs_bio.c");
        assertTrue(bio.has("brelse", 1269) && bio.has("brelse", 1268) && !bio.has("bqrelse", 1269),
                "vfs_bio.c brelse() starts at L1268: " + bio.around(1269));
        assertTrue(!bio.has("brelse", 900), "L900 is not in brelse(): " + bio.around(900));
    }

    /** The comment part of a Java or TLA+ source line, or null. */
    private static String commentOf(String line) {
        int i = line.indexOf("//");
        int j = line.indexOf("\\*");
        int k = line.trim().startsWith("*") || line.trim().startsWith("/*") || line.trim().startsWith("(*") ? 0 : -1;
        int at = k == 0 ? 0 : i >= 0 ? i : j;
        return at < 0 ? null : line.substring(at);
    }

    private List<Path> sources() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String m : List.of("impl/src", "stress/src", "linearizability/src")) out.addAll(RepoFiles.under(root.resolve(m), ".java"));
        out.addAll(RepoFiles.under(root.resolve("specs/src"), ".tla"));
        return out;
    }

    private Seed seed(String file) {
        return seeds.computeIfAbsent(file, f -> {
            Path dir = seedsDir();
            String readme = RepoFiles.read(dir.resolve("README.md"));
            Matcher m = Pattern.compile("\\|\\s*`([^`]+\\.txt)`\\s*\\|\\s*`" + Pattern.quote(f) + "`").matcher(readme);
            assertTrue(m.find(), "seeds/README.md maps no file to " + f);
            return parse(f, dir.resolve(m.group(1)));
        });
    }

    /**
     * {@code -Dbioref.seeds=DIR}, else the nearest {@code shared/seeds} beside the repository or
     * beside one of its parents (a worktree under {@code wt/} sits one level deeper than a clone).
     */
    private Path seedsDir() {
        String prop = System.getProperty("bioref.seeds");
        if (prop != null && !prop.isBlank()) return Path.of(prop);
        for (Path d = root.getParent(); d != null; d = d.getParent()) {
            Path s = d.resolve("shared").resolve("seeds");
            if (Files.isRegularFile(s.resolve("README.md"))) return s;
        }
        throw new AssertionError("no shared/seeds beside " + root + " or its parents (the repository expects ../shared/seeds"
                + " beside it; or pass -Dbioref.seeds=DIR)");
    }

    /**
     * Function definitions: a group of column-0 lines ending just before a column-0 "{" (after any K&R parameter
     * declarations), named by its first "name(".
     */
    static Seed parse(String name, Path file) {
        Map<Integer, String> text = new HashMap<>();
        int last = 0;
        Pattern numbered = Pattern.compile("^\\s*(\\d+)[ \\t]?(.*)$");
        for (String raw : RepoFiles.read(file).split("\n", -1)) {
            Matcher m = numbered.matcher(raw);
            if (!m.matches()) continue;
            int n = Integer.parseInt(m.group(1));
            text.put(n, m.group(2));
            last = Math.max(last, n);
        }
        List<int[]> starts = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Pattern id = Pattern.compile("([A-Za-z_][A-Za-z_0-9]*)\\s*\\(");
        for (int n = 1; n <= last; n++) {
            String l = text.getOrDefault(n, "");
            if (!l.startsWith("{")) continue;
            int k = n - 1;
            // K&R definitions (uvm_vnode.c): the parameter declarations between "name(a, b)" and "{" end in ";"
            while (k >= 1 && k > n - 12) {
                String g = text.getOrDefault(k, "").replaceAll("/\\*.*?\\*/\\s*$", "").strip();
                if (!g.endsWith(";") || g.contains("(")) break;
                k--;
            }
            while (k >= 1 && k > n - 20) {
                String g = text.getOrDefault(k, "");
                if (g.isBlank() || g.endsWith(";") || g.endsWith("*/") || g.startsWith("}") || g.startsWith("#")) break;
                k--;
            }
            int start = k + 1;
            for (int j = start; j < n; j++) {
                String g = text.getOrDefault(j, "");
                if (Character.isWhitespace(g.isEmpty() ? ' ' : g.charAt(0))) continue;
                Matcher m = id.matcher(g);
                if (m.find()) {
                    starts.add(new int[] {start});
                    names.add(m.group(1));
                    break;
                }
            }
        }
        List<Def> defs = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            int end = i + 1 < names.size() ? starts.get(i + 1)[0] : last + 1;
            defs.add(new Def(names.get(i), starts.get(i)[0], end));
        }
        return new Seed(name, last, defs);
    }
}
