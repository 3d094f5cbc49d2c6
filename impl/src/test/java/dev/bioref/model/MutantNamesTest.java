// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import dev.bioref.buf.BufMutations;
import dev.bioref.buf.BufQuirks;
import dev.bioref.bufio.BufioMutations;
import dev.bioref.bufio.BufioQuirks;
import dev.bioref.device.LoopbackDevice;
import dev.bioref.hammer.HammerMutations;
import dev.bioref.uvm.UvmGuards;
import dev.bioref.uvm.UvmRoughEdges;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One name per mutation switch, everywhere: the Java switches ({@code BufMutations},
 * {@code HammerMutations}, {@code BufQuirks} fields and {@code LoopbackDevice.Mutation}
 * constants), the TLA+ switch constants, the model file names of {@code specs/expected-results.tsv},
 * the JCStress mutant classes and {@code proofs-notes/mutants.md} must agree. A switch has one
 * name in two spellings: lower camel case in Java fields ({@code cwNoInterlock}), upper camel case
 * in TLA+ ({@code CwNoInterlock}), upper snake case for Java enum constants
 * ({@code FLUSH_SKIPS_CACHE}). The dm-bufio and UVM specs spell their switches exactly as Java does
 * ({@code completionClearsDirty}, {@code re3MarksCleanOnWriteError}), which is accepted too. In both
 * languages TRUE (on) removes the guard the name describes.
 */
class MutantNamesTest {
    /** Boolean TLA+ constants that are model parameters, not switches. */
    private static final Set<String> TLA_PARAMETERS = Set.of("V4", "KernelWrites", "CrashPersistsSubset", "BKL", "InitActive");
    /**
     * TLA+ switches with no Java twin, each with its reason in proofs-notes/mutants.md:
     * a client's misuse the port refuses, a spec-only history variant, a lock the port's
     * flusher takes unconditionally.
     */
    private static final Set<String> TLA_ONLY = Set.of("ClientDestroysPinned", "ClearHistoryAtPartial", "IgnoreGroupLock",
            "FlusherSkipsMember");
    // (UvmVnode.tla's six guard switches have Java twins in UvmGuards since issue 12's second session)
    /** Model file name parts that name a model variant, not a switch. */
    private static final Set<String> VARIANTS = Set.of("DATA", "META", "UNDO", "VOLUME", "NoLost", "Liveness",
            "LivenessClientHolds", "thorough", "Thorough", "Errors", "CrashSubset", "V3", "V4", "Tid1", "LockedDebt",
            "CheckwriteGuardsOff", "Mut1", "Mut2", "Mut3", "Mut4", "Mut5", "Mut6", "Mut7",
            "Hints", "Steal", "Crash", "Move", "LivenessThorough", "Faithful", "Flush", "Kill",
            // issue 17: the default build's >= 10^5-state model of each main spec
            "Big",
            // coverage: MCUvmVnode_Attach, the passing model where att_lock and Reference fire
            "Attach");
    /** JCStress mutant class suffixes that name a combination of switches (mutants.md says which). */
    private static final Set<String> COMBINATIONS = Set.of("CheckwriteGuardsOff", "OnlyModifyRefsTest", "SeedOrder");

    private final Path root = RepoFiles.root();

    @Test
    void everyTlaSwitchHasTheNameOfItsJavaTwin() throws IOException {
        Map<String, String> java = javaSwitches();
        Set<String> tla = tlaSwitches();
        List<String> bad = new ArrayList<>();
        for (String t : tla) {
            if (TLA_ONLY.contains(t)) continue;
            if (!java.containsKey(t) && !java.containsValue(t)) bad.add(t + " (no Java switch spells it " + lowerFirst(t) + " or " + upperSnake(t) + ")");
        }
        assertEquals(List.of(), bad, "TLA+ switches without a Java switch of the same name; Java switches: " + java.values());
        for (String t : TLA_ONLY) assertTrue(tla.contains(t), "TLA_ONLY names " + t + ", which no spec declares as a switch");
    }

    @Test
    void everySwitchIsListedInMutantsMd() throws IOException {
        String md = RepoFiles.read(root.resolve("proofs-notes").resolve("mutants.md"));
        List<String> missing = new ArrayList<>();
        for (String j : javaSwitches().values()) if (!containsWord(md, j)) missing.add(j);
        for (String t : TLA_ONLY) if (!containsWord(md, t)) missing.add(t);
        assertEquals(List.of(), missing, "switches not named in proofs-notes/mutants.md");
    }

    @Test
    void everyModelFileNamesOnlySwitchesAndVariants() throws IOException {
        Set<String> tla = tlaSwitches();
        List<String> bad = new ArrayList<>();
        for (String config : manifestConfigs()) {
            String stem = config.replaceFirst("\\.cfg$", "");
            int us = stem.indexOf('_');
            if (us < 0) continue;
            for (String part : stem.substring(us + 1).split("_")) {
                if (!tla.contains(part) && !VARIANTS.contains(part)) bad.add(config + ": " + part);
            }
            Path cfg = root.resolve("specs/src/main/tla").resolve(config);
            String text = RepoFiles.read(cfg);
            Matcher m = Pattern.compile("-config (\\S+\\.cfg)").matcher(text);
            while (m.find()) if (!m.group(1).equals(config)) bad.add(config + ": its check line names " + m.group(1));
            for (String part : stem.substring(us + 1).split("_")) {
                if (tla.contains(part) && !Pattern.compile("(?m)^\\s*" + part + "\\s*=\\s*TRUE").matcher(text).find()) {
                    bad.add(config + ": named after " + part + " but does not set it TRUE");
                }
            }
        }
        assertEquals(List.of(), bad, "model file name parts that are neither a TLA+ switch nor a listed variant");
    }

    @Test
    void everyModelNamedInTheNotesExists() throws IOException {
        Set<String> stems = new TreeSet<>();
        for (Path p : RepoFiles.under(root.resolve("specs/src/main/tla"), ".cfg")) {
            stems.add(p.getFileName().toString().replaceFirst("\\.cfg$", ""));
        }
        List<String> bad = new ArrayList<>();
        for (Path md : RepoFiles.under(root.resolve("proofs-notes"), ".md")) {
            Matcher m = Pattern.compile("\\bMC[A-Z][A-Za-z0-9]*_[A-Za-z0-9_]*[A-Za-z0-9]").matcher(RepoFiles.read(md));
            while (m.find()) if (!stems.contains(m.group())) bad.add(md.getFileName() + ": " + m.group());
        }
        assertEquals(List.of(), bad, "model names in proofs-notes with no such .cfg under specs/src/main/tla");
    }

    @Test
    void everyJcstressMutantIsNamedAfterItsSwitch() throws IOException {
        Map<String, String> java = javaSwitches();
        List<String> bad = new ArrayList<>();
        Path stress = root.resolve("stress/src/main/java");
        for (Path p : RepoFiles.under(stress, ".java")) {
            if (!p.getParent().getFileName().toString().equals("mutants")) continue;
            String name = p.getFileName().toString().replaceFirst("\\.java$", "");
            String suffix = name.substring(name.lastIndexOf('_') + 1);
            if (!java.containsKey(suffix) && !COMBINATIONS.contains(suffix)) bad.add(name);
        }
        assertTrue(!RepoFiles.under(stress, ".java").isEmpty(), "no JCStress sources under " + stress);
        assertEquals(List.of(), bad, "mutant classes whose suffix is no switch name (UpperCamel of a Java switch)");
    }

    /** UpperCamel TLA+ spelling → the Java name, for every Java switch. */
    private static Map<String, String> javaSwitches() {
        Map<String, String> m = new TreeMap<>();
        for (Class<?> c : List.of(BufMutations.class, HammerMutations.class, BufQuirks.class,
                BufioMutations.class, BufioQuirks.class, UvmRoughEdges.class, UvmGuards.class)) {
            for (Field f : c.getFields()) {
                if (f.getType() == boolean.class && !Modifier.isStatic(f.getModifiers())) {
                    m.put(Character.toUpperCase(f.getName().charAt(0)) + f.getName().substring(1), f.getName());
                }
            }
        }
        for (LoopbackDevice.Mutation e : LoopbackDevice.Mutation.values()) {
            StringBuilder sb = new StringBuilder();
            for (String w : e.name().split("_")) sb.append(w.charAt(0)).append(w.substring(1).toLowerCase());
            m.put(sb.toString(), e.name());
        }
        return m;
    }

    /** Boolean constants that some model file sets, minus the model parameters. */
    private Set<String> tlaSwitches() throws IOException {
        Set<String> s = new TreeSet<>();
        Pattern assign = Pattern.compile("(?m)^\\s*([A-Za-z][A-Za-z0-9_]*)\\s*=\\s*(TRUE|FALSE)\\b");
        for (Path cfg : RepoFiles.under(root.resolve("specs/src/main/tla"), ".cfg")) {
            Matcher m = assign.matcher(RepoFiles.read(cfg));
            while (m.find()) if (!TLA_PARAMETERS.contains(m.group(1))) s.add(m.group(1));
        }
        assertTrue(s.size() > 10, "found only " + s + " as TLA+ switches");
        return s;
    }

    private List<String> manifestConfigs() throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(root.resolve("specs/expected-results.tsv"))) {
            if (line.isBlank() || line.startsWith("#") || line.startsWith("config\t")) continue;
            out.add(line.split("\t")[0]);
        }
        return out;
    }

    private static boolean containsWord(String text, String word) {
        return Pattern.compile("(?<![A-Za-z0-9_])" + Pattern.quote(word) + "(?![A-Za-z0-9])").matcher(text).find();
    }

    private static String lowerFirst(String s) { return Character.toLowerCase(s.charAt(0)) + s.substring(1); }

    private static String upperSnake(String s) { return s.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toUpperCase(); }
}
