package dev.bioref.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MainTest {
    private record Run(int code, String out, String err) { }

    private static Run run(String... args) {
        CommandLine cl = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test void helpExitsZeroAndListsUsage() {
        Run r = run("--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("Usage: bioref"), r.out());
    }

    @Test void versionNamesTheProject() {
        Run r = run("--version");
        assertEquals(0, r.code());
        assertTrue(r.out().startsWith("bioref "), r.out());
    }

    @Test void unknownFlagIsAUsageErrorWithCodeTwo() {
        Run r = run("--no-such-flag");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--no-such-flag"), r.err());
    }
}
