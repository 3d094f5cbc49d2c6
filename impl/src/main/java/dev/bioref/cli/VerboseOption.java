// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.cli;

import picocli.CommandLine.Option;

/** {@code --verbose}: an error prints its stack trace as well as its one line. */
public final class VerboseOption {
    @Option(names = "--verbose", description = "On an error, also print the stack trace.")
    boolean verbose;
}
