// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.bench;

import dev.bioref.tck.diff.DiffMain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./bioref diff} on the fast implementation (passes) and the seeded-bug variant (must fail, shrunk). */
class DiffRunnerTest {
    record Result(int code, String out, String err) { }

    static Result diff(String... args) {
        StringWriter o = new StringWriter();
        StringWriter e = new StringWriter();
        int code = DiffMain.run(args, new PrintWriter(o, true), new PrintWriter(e, true));
        return new Result(code, o.toString(), e.toString());
    }

    @Test @Timeout(60)
    void theFastImplementationAgreesWithTheReference() {
        Result r = diff("--impl", FastBlockCache.class.getName(), "--seed", "7");
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("OK"), r.out());
    }

    @Test @Timeout(120)
    void theSeededBugDivergesAndIsShrunkToAReplayableSequence() {
        Result r = diff("--impl", FastBlockCacheSeededBug.class.getName(), "--seed", "7");
        System.out.println(r.out());
        assertEquals(1, r.code(), r.out() + r.err());
        Matcher m = Pattern.compile("shrunk to (\\d+) operations").matcher(r.out());
        assertTrue(m.find(), r.out());
        int n = Integer.parseInt(m.group(1));
        assertTrue(n >= 1 && n <= 20, "shrunk to " + n + " operations, more than 20:\n" + r.out());
        Matcher rp = Pattern.compile("--replay '([^']+)'").matcher(r.out());
        assertTrue(rp.find(), "no replay line:\n" + r.out());
        Result again = diff("--impl", FastBlockCacheSeededBug.class.getName(), "--replay", rp.group(1));
        assertEquals(1, again.code(), "the replay line must reproduce the divergence:\n" + again.out());
        Result fixed = diff("--impl", FastBlockCache.class.getName(), "--replay", rp.group(1));
        assertEquals(0, fixed.code(), "the same sequence passes on the fixed implementation:\n" + fixed.out());
    }

    @Test @Timeout(30)
    void usageAndEnvironmentErrorsHaveTheirExitCodes() {
        Result noImpl = diff("--seed", "7");
        assertEquals(2, noImpl.code(), noImpl.err());
        Result badOps = diff("--impl", FastBlockCache.class.getName(), "--ops", "0");
        assertEquals(2, badOps.code(), badOps.err());
        assertTrue(badOps.err().contains("0"), badOps.err());
        Result badReplay = diff("--impl", FastBlockCache.class.getName(), "--replay", "read:0:99:0");
        assertEquals(2, badReplay.code(), badReplay.err());
        Result noClass = diff("--impl", "no.such.Cache");
        assertEquals(3, noClass.code(), noClass.err());
        assertTrue(noClass.err().contains("no.such.Cache") && noClass.err().lines().count() == 1, noClass.err());
        Result noJar = diff("--impl", FastBlockCache.class.getName(), "--classpath", "/nonexistent/x.jar");
        assertEquals(3, noJar.code(), noJar.err());
    }
}
