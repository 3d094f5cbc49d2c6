// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.specs;

import dev.bioref.model.Manifest;
import dev.bioref.model.ModelCheck;
import dev.bioref.model.SpecsLayout;
import dev.bioref.model.TlcRunner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every model of {@code expected-results.tsv} as one test: TLC must do what the manifest says
 * (a pass row passes; a mutant row violates exactly the property it names). Default rows
 * always; thorough rows with {@code -Pthorough} (or {@code -Dbioref.thorough=true}).
 *
 * <p>Run one spec's models: {@code mvn -o -B -pl specs -am verify -Dtest=TlcModelsTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dbioref.tlc.only=BufCache}. The summary is printed
 * at the end and written to {@code specs/target/tlc-summary.md}; counterexamples go to
 * {@code specs/target/traces/}.
 */
class TlcModelsTest {
    private static final SpecsLayout LAYOUT = SpecsLayout.of(Path.of("src", "main", "tla"));
    private static final List<ModelCheck.Checked> CHECKED = Collections.synchronizedList(new ArrayList<>());
    private static final ModelCheck CHECK =
            new ModelCheck(new TlcRunner(LAYOUT.specsDir(), LAYOUT.outDir()), LAYOUT.outDir(), System.out);

    @TestFactory
    @DisplayName("TLC")
    Stream<DynamicTest> everyModelDoesWhatTheManifestSays() throws Exception {
        Manifest manifest = Manifest.read(LAYOUT.manifest());
        boolean thorough = Boolean.getBoolean("bioref.thorough");
        String only = System.getProperty("bioref.tlc.only", "");
        List<Manifest.Row> rows = manifest.active(thorough).stream()
                .filter(r -> only.isEmpty() || List.of(only.split(",")).contains(r.spec())
                        || List.of(only.split(",")).contains(r.config()))
                .toList();
        assertFalse(rows.isEmpty(), "no model selected from " + LAYOUT.manifest() + " (bioref.tlc.only=" + only + ")");
        return rows.stream().map(row -> DynamicTest.dynamicTest(
                row.config() + " [" + row.expect().name().toLowerCase()
                        + (row.property().equals("-") ? "" : " " + row.property()) + "]",
                () -> {
                    ModelCheck.Checked c = CHECK.check(row);
                    CHECKED.add(c);
                    assertTrue(c.ok(), row.config() + ": " + c.reason());
                }));
    }

    @AfterAll
    static void summary() {
        if (!CHECKED.isEmpty()) CHECK.writeSummary(CHECKED);
    }
}
