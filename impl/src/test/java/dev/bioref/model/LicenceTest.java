// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every tracked source file ({@code .java}, {@code .tla}, {@code .cfg}, {@code pom.xml}, the shell
 * scripts {@code bioref} and {@code .ci/*}) carries {@code SPDX-License-Identifier: BSD-3-Clause}
 * in its first five lines, and {@code LICENSE} and {@code NOTICE} exist. {@code .ci/spdx-sweep}
 * adds missing lines. The file list is {@code git ls-files}; without git, every such file outside
 * target/ directories.
 */
class LicenceTest {
    private static final String ID = "SPDX-License-Identifier: BSD-3-Clause";

    private final Path root = RepoFiles.root();

    @Test
    void everySourceFileHasAnSpdxLine() throws Exception {
        List<String> files = tracked();
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (String f : files) {
            if (!isSource(f)) continue;
            Path p = root.resolve(f);
            if (!Files.isRegularFile(p)) continue;   // deleted in the work tree, not yet in the index
            checked++;
            List<String> head = Files.readAllLines(p).stream().limit(5).toList();
            if (head.stream().noneMatch(l -> l.contains(ID))) missing.add(f);
        }
        assertTrue(checked > 100, "only " + checked + " source files found under " + root);
        assertEquals(List.of(), missing, missing.size() + " source files without '" + ID + "' in their first 5 lines"
                + " (run .ci/spdx-sweep)");
    }

    @Test
    void licenceAndNoticeExist() {
        String licence = RepoFiles.read(root.resolve("LICENSE"));
        assertTrue(licence.contains("BSD 3-Clause") && licence.contains("The bioref authors"), "LICENSE is not bioref's BSD-3-Clause");
        String notice = RepoFiles.read(root.resolve("NOTICE"));
        for (String seed : List.of("hammer_io.c", "hammer_flusher.c", "vfs_bio.c", "uvm_vnode.c", "dm-bufio.c")) {
            assertTrue(notice.contains(seed), "NOTICE says nothing of " + seed);
        }
    }

    static boolean isSource(String f) {
        String name = f.substring(f.lastIndexOf('/') + 1);
        return f.endsWith(".java") || f.endsWith(".tla") || f.endsWith(".cfg") || f.endsWith(".sh")
                || name.equals("pom.xml") || f.equals("bioref") || (f.startsWith(".ci/") && !name.contains("."));
    }

    private List<String> tracked() throws IOException, InterruptedException {
        if (Files.exists(root.resolve(".git"))) {
            Process p = new ProcessBuilder("git", "ls-files").directory(root.toFile()).redirectErrorStream(true).start();
            List<String> out = new String(p.getInputStream().readAllBytes()).lines().toList();
            if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) return out;
        }
        List<String> out = new ArrayList<>();
        for (Path p : RepoFiles.under(root, ".java", ".tla", ".cfg", ".sh", "pom.xml", "bioref")) out.add(root.relativize(p).toString());
        for (Path p : RepoFiles.under(root.resolve(".ci"), "")) out.add(root.relativize(p).toString());
        return out;
    }
}
