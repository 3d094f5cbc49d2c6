package dev.bioref.hammer;

import java.util.concurrent.atomic.AtomicLong;

/** Counters of one mount, for the simulation's summary and for tests that must see a path taken. */
public final class HammerStats {
    public final AtomicLong writes = new AtomicLong();            // hammer_io_flush writes issued
    public final AtomicLong metaWrites = new AtomicLong();
    public final AtomicLong undoWrites = new AtomicLong();
    public final AtomicLong dataWrites = new AtomicLong();
    public final AtomicLong volumeWrites = new AtomicLong();
    public final AtomicLong directWrites = new AtomicLong();
    public final AtomicLong writeErrors = new AtomicLong();
    public final AtomicLong barriers = new AtomicLong();
    public final AtomicLong disassociations = new AtomicLong();
    public final AtomicLong deallocRefused = new AtomicLong();
    public final AtomicLong checkwriteRefused = new AtomicLong();
    public final AtomicLong checkwriteAccepted = new AtomicLong();
    public final AtomicLong emergencyFinalizes = new AtomicLong();
}
