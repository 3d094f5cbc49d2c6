// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the specs, the manifest and the reports live, given the directory of the {@code .tla}
 * files. For the usual layout {@code specs/src/main/tla}: manifest
 * {@code specs/expected-results.tsv}, reports in {@code specs/target/}.
 */
public record SpecsLayout(Path specsDir, Path manifest, Path outDir) {
    public SpecsLayout {
        Objects.requireNonNull(specsDir, "specsDir");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(outDir, "outDir");
    }

    /** The layout around {@code specsDir}; throws, naming the path, if it is not a directory. */
    public static SpecsLayout of(Path specsDir) {
        Path dir = specsDir.toAbsolutePath().normalize();
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("specs directory does not exist: " + dir);
        }
        Path module = dir.endsWith(Path.of("src", "main", "tla")) ? dir.getParent().getParent().getParent() : dir;
        return new SpecsLayout(dir, module.resolve("expected-results.tsv"), module.resolve("target"));
    }
}
