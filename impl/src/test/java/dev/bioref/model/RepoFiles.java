// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The repository's files for the consistency tests that read the whole tree (names, citations, licence). */
final class RepoFiles {
    private RepoFiles() { }

    /** The repository root: the first directory up from the working directory that holds specs/expected-results.tsv. */
    static Path root() {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isRegularFile(d.resolve("specs").resolve("expected-results.tsv"))) return d;
        }
        throw new IllegalStateException("no repository root (a directory with specs/expected-results.tsv) above "
                + Path.of("").toAbsolutePath());
    }

    /** Every regular file under {@code dir} whose name ends with one of {@code suffixes}, outside target/ directories, sorted. */
    static List<Path> under(Path dir, String... suffixes) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> !p.toString().contains("/target/") && !p.toString().contains("/.git/"))
                    .filter(p -> Stream.of(suffixes).anyMatch(x -> p.getFileName().toString().endsWith(x)))
                    .sorted().toList();
        }
    }

    static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }
}
