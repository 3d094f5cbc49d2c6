// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.tck.diff;

import dev.bioref.tck.BlockCache;
import dev.bioref.tck.BlockCacheConfig;
import dev.bioref.tck.BlockCacheFactory;
import dev.bioref.tck.ref.BufCacheBlockCache;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.File;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code ./bioref diff}: the differential runner. Lives in tck/ (with its own main, dispatched
 * to by the {@code bioref} script) because it needs the contracts and the reference adapters,
 * which depend on impl/; impl's CLI cannot depend on tck without a cycle.
 *
 * <p>Exit codes as in {@code simulate}: 0 the candidate agreed on every observation, 1 a
 * divergence (printed shrunk, with a replay line), 2 usage error, 3 environment error (the
 * class or classpath cannot be loaded).
 */
@Command(name = "bioref diff", mixinStandardHelpOptions = true,
        description = "Drives the reference BlockCache (the DragonFly buffer cache port) and a candidate with the same"
                + " seeded workload, compares every observable result and the recovered state at crash points,"
                + " and shrinks the first divergence.")
public final class DiffMain implements Callable<Integer> {
    @Option(names = "--impl", required = true, paramLabel = "<class>",
            description = "candidate: a BlockCacheFactory with a public no-argument constructor, or a BlockCache with a public (BlockCacheConfig) constructor")
    String impl;

    @Option(names = "--classpath", paramLabel = "<jar>[:<jar>...]", description = "where to load the candidate from (besides bioref's own classes)")
    String classpath;

    @Option(names = "--seed", defaultValue = "7", description = "workload seed (default ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--ops", defaultValue = "400", description = "operations in the workload (default ${DEFAULT-VALUE})")
    int ops;

    @Option(names = "--capacity", defaultValue = "4", description = "blocks each cache may keep in memory (default ${DEFAULT-VALUE})")
    int capacity;

    @Option(names = "--blocks", defaultValue = "12", description = "blocks per device (default ${DEFAULT-VALUE})")
    int blocks;

    @Option(names = "--owners", defaultValue = "2", description = "devices (owners) (default ${DEFAULT-VALUE})")
    int owners;

    @Option(names = "--replay", paramLabel = "<ops>", description = "run this operation sequence (as printed after a divergence) instead of a seeded workload")
    String replay;

    @Option(names = "--verbose", description = "stack traces on errors")
    boolean verbose;

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    static final int BLOCK_SIZE = 1024;

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command; returns the exit code (tests call this). */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new DiffMain());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((e, a) -> {
            err.println("bioref diff: " + e.getMessage());
            return 2;
        });
        return cl.execute(args);
    }

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (ops < 1 || ops > 1_000_000) return usage(err, "--ops must be in 1..1000000, was " + ops);
        if (capacity < 2) return usage(err, "--capacity must be at least 2, was " + capacity);
        if (blocks < 1 || blocks > 4096) return usage(err, "--blocks must be in 1..4096, was " + blocks);
        if (owners < 1 || owners > 8) return usage(err, "--owners must be in 1..8, was " + owners);
        BlockCacheFactory candidate;
        try {
            candidate = load(impl, classpath);
        } catch (ReflectiveOperationException | MalformedURLException | RuntimeException | LinkageError e) {
            err.println("bioref diff: cannot load --impl " + impl + (classpath == null ? "" : " from " + classpath) + ": " + e);
            if (verbose) e.printStackTrace(err);
            return 3;
        }
        Differ d = new Differ(BufCacheBlockCache::new, candidate, owners, blocks, BLOCK_SIZE, capacity);
        List<Differ.Op> workload;
        try {
            if (replay != null) {
                workload = new ArrayList<>();
                for (String s : replay.split(",")) if (!s.isBlank()) workload.add(Differ.Op.decode(s));
                for (Differ.Op op : workload) {
                    if (op.owner() < 0 || op.owner() >= owners || op.block() < 0 || op.block() >= blocks) {
                        return usage(err, "--replay op " + op + " is outside " + owners + " owners x " + blocks + " blocks");
                    }
                }
            } else {
                workload = d.workload(seed, ops, d.invalidateComparable());
            }
        } catch (IllegalArgumentException e) {
            return usage(err, e.getMessage());
        }
        Differ.Divergence first;
        try {
            first = d.compare(workload);
        } catch (RuntimeException e) {
            err.println("bioref diff: the run failed outside the caches under test: " + e);
            if (verbose) e.printStackTrace(err);
            return 3;
        }
        if (first == null) {
            out.println("bioref diff: OK: " + impl + " agreed with the reference on all " + workload.size()
                    + " operations (seed " + seed + ", " + owners + " owners x " + blocks + " blocks, capacity " + capacity + ")");
            return 0;
        }
        List<Differ.Op> shrunk = d.shrink(workload, 2000);
        Differ.Divergence last = d.compare(shrunk);
        if (last == null) {           // shrinking must keep a divergence; fall back to the prefix
            shrunk = workload.subList(0, first.index() + 1);
            last = first;
        }
        out.println("bioref diff: DIVERGED at operation " + (first.index() + 1) + " of " + workload.size() + " (" + first.op() + ")");
        out.println("shrunk to " + shrunk.size() + " operations:");
        for (int i = 0; i < shrunk.size(); i++) {
            out.println(String.format("  %2d. %s%s", i + 1, shrunk.get(i), i == last.index() ? "   <-- diverges" : ""));
        }
        out.println("  reference: " + last.reference());
        out.println("  candidate: " + last.candidate());
        out.println("  the contract's model expects: " + last.model());
        StringBuilder ops = new StringBuilder();
        for (Differ.Op op : shrunk) ops.append(ops.length() == 0 ? "" : ",").append(op.encode());
        out.println("replay: ./bioref diff --impl " + impl + (classpath == null ? "" : " --classpath " + classpath)
                + " --owners " + owners + " --blocks " + blocks + " --capacity " + capacity + " --replay '" + ops + "'");
        out.println("(the full run: ./bioref diff --impl " + impl + (classpath == null ? "" : " --classpath " + classpath)
                + " --seed " + seed + " --ops " + this.ops + ")");
        return 1;
    }

    private static int usage(PrintWriter err, String msg) {
        err.println("bioref diff: " + msg);
        return 2;
    }

    /** The candidate as a factory: a BlockCacheFactory class, or a BlockCache class with a (BlockCacheConfig) constructor. */
    static BlockCacheFactory load(String cls, String classpath) throws ReflectiveOperationException, MalformedURLException {
        ClassLoader parent = DiffMain.class.getClassLoader();
        ClassLoader cl = parent;
        if (classpath != null) {
            List<URL> urls = new ArrayList<>();
            for (String p : classpath.split(File.pathSeparator)) {
                File f = new File(p);
                if (!f.exists()) throw new IllegalArgumentException("classpath entry " + p + " does not exist");
                urls.add(f.toURI().toURL());
            }
            cl = new URLClassLoader(urls.toArray(new URL[0]), parent);
        }
        Class<?> c = Class.forName(cls, true, cl);
        if (BlockCacheFactory.class.isAssignableFrom(c)) {
            return (BlockCacheFactory) c.getConstructor().newInstance();
        }
        if (BlockCache.class.isAssignableFrom(c)) {
            Constructor<?> k = c.getConstructor(BlockCacheConfig.class);
            return config -> {
                try {
                    return (BlockCache) k.newInstance(config);
                } catch (java.lang.reflect.InvocationTargetException e) {
                    if (e.getCause() instanceof RuntimeException r) throw r;
                    throw new IllegalStateException(e.getCause());
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            };
        }
        throw new IllegalArgumentException(cls + " is neither a BlockCacheFactory nor a BlockCache");
    }
}
