package dev.bioref.hammer;

import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.TreeMap;

/**
 * Sequential specification of the flusher's sequencer: the code of hammer_flush_inode
 * ({@link HammerFrontend#flushInode}), hammer_flusher_async/async_one, the master's inner loop and
 * hammer_flusher_flush (fl:L91, L144, L266-L279, L308), run on a plain model without tokens,
 * I/O or finalize. Method names and signatures match {@link AbstractFlusherSequencerLincheckTest}.
 */
public class FlusherSequencerSpec {
    static final class Group {
        final int seq;
        final TreeMap<Integer, Ino> tree = new TreeMap<>();
        int refs;
        boolean closed, running;
        Group(int seq) { this.seq = seq; }
    }

    static final class Ino {
        final int id;
        final LinkedList<Group[]> records = new LinkedList<>();   // each record: its group (null: unqueued)
        boolean flush, reflush, slaveflush;
        Group flg;
        Ino(int id) { this.id = id; }
        int unqueued() {
            int n = 0;
            for (Group[] r : records) if (r[0] == null) n++;
            return n;
        }
    }

    final LinkedList<Group> list = new LinkedList<>();
    Group nextFlg, fillFlg;
    int done = 0, next = 1;
    final Ino[] inodes = new Ino[AbstractFlusherSequencerLincheckTest.INODES];

    public FlusherSequencerSpec() {
        for (int i = 0; i < inodes.length; i++) inodes[i] = new Ino(i);
    }

    private Group after(Group g) {
        int i = list.indexOf(g);
        return i + 1 < list.size() ? list.get(i + 1) : null;
    }

    private Group newGroup() {
        Group g = new Group(next++);
        list.addLast(g);
        if (nextFlg == null) nextFlg = g;
        if (fillFlg == null) fillFlg = g;
        return g;
    }

    private void flushInode(Ino ip) {
        if (ip.flush) {
            if (ip.unqueued() > 0) ip.reflush = true;
            return;
        }
        if (ip.unqueued() == 0) return;
        Group g = fillFlg;
        if (g == null || g.running) g = newGroup();
        for (Group[] r : ip.records) {
            if (r[0] == null) {
                r[0] = g;
                g.refs++;
            }
        }
        ip.flg = g;
        ip.flush = true;
        g.tree.put(ip.id, ip);
    }

    public int createGroupAndAdd(int ino) {
        Ino ip = inodes[ino];
        ip.records.addLast(new Group[1]);
        flushInode(ip);
        return ip.flg == null ? -1 : ip.flg.seq;
    }

    private int async0(Group closeFlg) {
        if (closeFlg != null && closeFlg.closed) return closeFlg.seq;
        Group g;
        while ((g = nextFlg) != null) {
            g.closed = true;
            nextFlg = after(g);
            if (g == closeFlg) break;
        }
        return g != null ? g.seq : next++;
    }

    public int async(int ino) { return async0(inodes[ino].flg); }

    public int asyncOne() { return async0(list.peekFirst()); }

    public boolean isDone(int seq) { return seq - done <= 0; }

    public boolean running() { return (next - 1) - done > 0; }

    public boolean g4() { return true; }

    public int masterStep() {
        done = flush();
        return done;
    }

    private int flush() {
        int seq = done + 1;
        Group g = list.peekFirst();
        if (g == null) {
            if (seq == next) return done;
        } else if (g.seq == seq) {
            if (!g.closed) return done;
            g.running = true;
            if (fillFlg == g) fillFlg = after(g);
        } else {
            g = null;
        }
        if (g != null) {
            for (Ino ip : new ArrayList<>(g.tree.values())) slaveFlushInode(ip);
            // the stub never returns EWOULDBLOCK, so every inode left the group
            list.remove(g);
            if (fillFlg == g) fillFlg = after(g);
        }
        return seq;
    }

    private void slaveFlushInode(Ino ip) {
        if (ip.slaveflush) return;
        ip.slaveflush = true;
        while (!ip.records.isEmpty() && ip.records.peekFirst()[0] == ip.flg) {
            ip.records.pollFirst()[0].refs--;
        }
        ip.flg.tree.remove(ip.id);
        ip.flg = null;
        ip.flush = false;
        if (ip.reflush) {
            ip.reflush = false;
            flushInode(ip);
        }
        ip.slaveflush = false;
    }
}
