// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.report;

import org.openjdk.jcstress.annotations.Expect;
import org.openjdk.jcstress.infra.collectors.DiskReadCollector;
import org.openjdk.jcstress.infra.collectors.InProcessCollector;
import org.openjdk.jcstress.infra.collectors.TestResult;
import org.openjdk.jcstress.infra.grading.GradingResult;
import org.openjdk.jcstress.infra.grading.TestGrading;
import org.openjdk.jcstress.infra.runners.TestList;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Reads a JCStress 0.16 result blob as the stress module's {@code JcstressRun} does, and grades
 * each result against the test's {@code @Outcome} table. The only class of the report that uses
 * JCStress; loaded only when {@link Jcstress#available()}.
 */
final class JcstressBlob {
    private JcstressBlob() { }

    /** Reads a result blob into one {@link Test} per test name, graded where the test's outcome table is known. */
    static List<Jcstress.Test> read(Path blob) throws IOException {
        InProcessCollector collector = new InProcessCollector();
        DiskReadCollector reader = new DiskReadCollector(blob.toString(), collector);
        try {
            reader.dump();
        } catch (ClassNotFoundException e) {
            throw new IOException("cannot read the JCStress blob " + blob + ": " + e, e);
        } finally {
            reader.close();
        }
        Map<String, long[]> counts = new TreeMap<>();          // samples, configs, forbidden (-1 unknown)
        Map<String, String> status = new TreeMap<>();
        Map<String, TreeSet<String>> forbiddenSeen = new TreeMap<>();
        for (TestResult r : collector.getTestResults()) {
            long[] c = counts.computeIfAbsent(r.getName(), k -> new long[] {0, 0, 0});
            c[0] += r.getTotalCount();
            c[1]++;
            status.merge(r.getName(), r.status().name(), (a, b) -> a.equals("NORMAL") ? b : a);
            TreeSet<String> seen = forbiddenSeen.computeIfAbsent(r.getName(), k -> new TreeSet<>());
            if (c[2] < 0) continue;
            if (!graded(r.getName())) {
                c[2] = -1;
                continue;
            }
            for (GradingResult g : TestGrading.grade(r).gradingResults.values()) {
                if (g.expect == Expect.FORBIDDEN && g.count > 0) {
                    c[2] += g.count;
                    seen.add(g.id);
                }
            }
        }
        List<Jcstress.Test> out = new ArrayList<>();
        for (var e : counts.entrySet()) {
            long[] c = e.getValue();
            out.add(new Jcstress.Test(e.getKey(), c[0], (int) c[1], status.get(e.getKey()), c[2],
                    List.copyOf(forbiddenSeen.get(e.getKey()))));
        }
        return out;
    }

    /** Whether the test's outcome table is on the class path (the stress jar's META-INF/TestList). */
    private static boolean graded(String test) {
        try {
            return TestList.getInfo(test) != null;
        } catch (RuntimeException e) {   // no TestList resource at all
            return false;
        }
    }

}
