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
        subcommands = {CommandLine.HelpCommand.class, ModelCommand.class, SimulateCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line, also used by tests. */
    public static CommandLine commandLine() {
        return new CommandLine(new Main());
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
