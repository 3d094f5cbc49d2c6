// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import java.nio.file.Path;

/** The repository root for tests in other packages (the CLI tests). */
public final class LoopbackTraceValidationTestAccess {
    private LoopbackTraceValidationTestAccess() { }

    public static Path root() { return LoopbackTraceValidationTest.root(); }
}
