// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The {@code ./bioref} command line. Subcommands are the project's jobs; a usage error (an
 * unknown flag or subcommand, a bad value) prints a message and exits with status 2.
 */
@Command(name = "bioref",
        mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Verified reference implementation of kernel buffer-cache machinery:"
                + " the DragonFly buffer cache, HAMMER's I/O layer and flusher, over a simulated loopback block device.",
        subcommands = {CommandLine.HelpCommand.class, ModelCommand.class, SimulateCommand.class, CheckTraceCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** Exit status: every check passed. */
    public static final int OK = 0;
    /** Exit status: a check failed (the replay command is printed). */
    public static final int CHECK_FAILED = 1;
    /** Exit status: a usage error (picocli's default for invalid input). */
    public static final int USAGE = 2;
    /** Exit status: an environment error (I/O, disk full, permissions, a missing directory). */
    public static final int ENVIRONMENT = 3;

    /** The configured command line, also used by tests. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler(Main::onException);
        cl.setParameterExceptionHandler(Main::onUsageError);
        return cl;
    }

    /**
     * An exception out of a subcommand: one line on stderr naming the command and the error, the
     * stack trace only with {@code --verbose}. An I/O error anywhere in the cause chain
     * (UncheckedIOException, IOException: a missing directory, a read-only file, a full disk) is
     * an environment error, exit 3; anything else is a failure of bioref itself, exit 1.
     */
    static int onException(Exception e, CommandLine cl, CommandLine.ParseResult top) {
        CommandLine.ParseResult pr = top;
        while (pr.hasSubcommand()) pr = pr.subcommand();
        boolean verbose = pr.hasMatchedOption("--verbose");
        java.io.PrintWriter err = cl.getErr();
        if (e instanceof dev.bioref.sim.SimOptions.Refused) {
            cl.getErr().println("bioref " + cl.getCommandName() + ": " + oneLine(e));
            cl.getErr().flush();
            return USAGE;
        }
        Throwable io = ioCause(e);
        String name = "bioref " + cl.getCommandName();
        if (io != null) {
            err.println(name + ": environment error: " + oneLine(e)
                    + (io != e && !oneLine(e).contains(String.valueOf(io.getMessage()))
                            ? " (" + io.getClass().getSimpleName() + ": " + io.getMessage() + ")" : ""));
        } else {
            err.println(name + ": internal error: " + oneLine(e) + (verbose ? "" : " (--verbose prints the stack trace)"));
        }
        if (verbose) e.printStackTrace(err);
        err.flush();
        return io != null ? ENVIRONMENT : CHECK_FAILED;
    }

    /** A usage error: one line naming the command and the bad input, exit 2. */
    static int onUsageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        cl.getErr().println("bioref" + (cl.getParent() != null ? " " + cl.getCommandName() : "") + ": " + oneLine(e)
                + " (see --help)");
        cl.getErr().flush();
        return USAGE;
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage();
        return (m == null ? e.getClass().getSimpleName() : m).replace('\n', ' ');
    }

    /** The first IOException (UncheckedIOException counts as its cause) in the chain, or null. */
    static Throwable ioCause(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.io.UncheckedIOException u) return u.getCause() != null ? u.getCause() : u;
            if (t instanceof java.io.IOException) return t;
            if (t.getCause() == t) break;
        }
        return null;
    }

    /** Reads the version Maven wrote into the jar. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override public String[] getVersion() throws IOException {
            Properties p = new Properties();
            try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
                if (in != null) p.load(in);
            }
            return new String[] {"bioref " + p.getProperty("version", "unknown")};
        }
    }
}
