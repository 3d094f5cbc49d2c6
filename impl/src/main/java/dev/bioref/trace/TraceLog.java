// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.trace;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A sink for trace events in the NDJSON format v1 of proofs-notes/traces.md (schema:
 * specs/trace/trace-event.schema.json): one JSON object per line,
 * {@code {"v":1,"spec":"LoopbackDevice","seq":N,"action":"CompleteWrite",...}}.
 *
 * <p>Interface: a traced component holds a {@code TraceLog} field that is null by default (so
 * tracing costs one null check when off) and, at the point where a step is atomic (under the
 * lock that makes it so), writes {@code log.event("Action").num("id", 3).end()}. The sink
 * numbers the events in the order {@link Event#end()} is called; callers call it under their
 * lock, so the order is the order of the atomic steps.
 */
public final class TraceLog implements AutoCloseable {
    /** The version of the event format this class writes. */
    public static final int FORMAT_VERSION = 1;

    private final String spec;
    private final Writer out;          // null: keep the lines in memory
    private final List<String> lines;  // in-memory lines, or null
    private long seq;                  // guarded by this
    private long events;               // guarded by this

    private TraceLog(String spec, Writer out, List<String> lines) {
        if (spec == null || !spec.matches("[A-Za-z][A-Za-z0-9]*")) {
            throw new IllegalArgumentException("trace spec name must be a TLA+ module name, was '" + spec + "'");
        }
        this.spec = spec;
        this.out = out;
        this.lines = lines;
    }

    /** A trace kept in memory ({@link #lines()}), for tests. */
    public static TraceLog inMemory(String spec) {
        return new TraceLog(spec, null, new ArrayList<>());
    }

    /** A trace written to {@code file} (created or truncated). */
    public static TraceLog toFile(String spec, Path file) throws IOException {
        return new TraceLog(spec, Files.newBufferedWriter(file, StandardCharsets.UTF_8), null);
    }

    /** The spec this trace is checked against. */
    public String spec() { return spec; }

    /** The lines written so far (in-memory traces only). */
    public synchronized List<String> lines() {
        if (lines == null) throw new IllegalStateException("trace of " + spec + " is written to a file, not kept in memory");
        return List.copyOf(lines);
    }

    /** How many events were written. */
    public synchronized long events() { return events; }

    /** Starts an event of the spec action {@code action}; finish it with {@link Event#end()}. */
    public Event event(String action) {
        return new Event(Objects.requireNonNull(action, "action"));
    }

    private synchronized void write(StringBuilder body) {
        String line = "{\"v\":" + FORMAT_VERSION + ",\"spec\":\"" + spec + "\",\"seq\":" + (++seq) + body + "}";
        events++;
        if (lines != null) {
            lines.add(line);
            return;
        }
        try {
            out.write(line);
            out.write('\n');
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write trace event " + seq + " of " + spec, e);
        }
    }

    @Override public synchronized void close() throws IOException {
        if (out != null) out.close();
    }

    /** One event being built: fields in the order they are added. */
    public final class Event {
        private final StringBuilder sb = new StringBuilder(64);

        private Event(String action) {
            sb.append(",\"action\":");
            string(sb, action);
        }

        public Event num(String name, long value) {
            key(name).append(value);
            return this;
        }

        public Event bool(String name, boolean value) {
            key(name).append(value);
            return this;
        }

        public Event str(String name, String value) {
            string(key(name), value);
            return this;
        }

        /** An array of numbers. */
        public Event nums(String name, long[] values) {
            key(name).append('[');
            for (int i = 0; i < values.length; i++) {
                if (i > 0) sb.append(',');
                sb.append(values[i]);
            }
            sb.append(']');
            return this;
        }

        /** An array of objects with numeric fields {@code fields[j]}: {@code rows[i][j]}. */
        public Event records(String name, String[] fields, long[][] rows) {
            key(name).append('[');
            for (int i = 0; i < rows.length; i++) {
                if (i > 0) sb.append(',');
                sb.append('{');
                for (int j = 0; j < fields.length; j++) {
                    if (j > 0) sb.append(',');
                    string(sb, fields[j]);
                    sb.append(':').append(rows[i][j]);
                }
                sb.append('}');
            }
            sb.append(']');
            return this;
        }

        /** Writes the event. */
        public void end() { write(sb); }

        private StringBuilder key(String name) {
            sb.append(',');
            string(sb, name);
            return sb.append(':');
        }
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
