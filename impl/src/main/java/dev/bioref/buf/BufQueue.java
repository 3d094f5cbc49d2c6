// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.buf;

/**
 * One TAILQ of buffer headers (bufpcpu[cpu].bufqueues[q]), linked through Buf.fl_prev/fl_next.
 * Every method requires the owning bucket's spinlock.
 */
final class BufQueue {
    final int qindex;
    Buf head;
    Buf tail;
    int count;

    BufQueue(int qindex) { this.qindex = qindex; }

    Buf first() { return head; }

    static Buf next(Buf bp) { return bp.fl_next; }

    // TAILQ_INSERT_TAIL
    void insertTail(Buf bp) {
        bp.fl_next = null;
        bp.fl_prev = tail;
        if (tail == null) head = bp; else tail.fl_next = bp;
        tail = bp;
        count++;
    }

    // TAILQ_INSERT_HEAD
    void insertHead(Buf bp) {
        bp.fl_prev = null;
        bp.fl_next = head;
        if (head == null) tail = bp; else head.fl_prev = bp;
        head = bp;
        count++;
    }

    // TAILQ_INSERT_AFTER
    void insertAfter(Buf after, Buf bp) {
        bp.fl_prev = after;
        bp.fl_next = after.fl_next;
        if (after.fl_next == null) tail = bp; else after.fl_next.fl_prev = bp;
        after.fl_next = bp;
        count++;
    }

    // TAILQ_REMOVE
    void remove(Buf bp) {
        if (bp.fl_prev == null) head = bp.fl_next; else bp.fl_prev.fl_next = bp.fl_next;
        if (bp.fl_next == null) tail = bp.fl_prev; else bp.fl_next.fl_prev = bp.fl_prev;
        bp.fl_prev = null;
        bp.fl_next = null;
        count--;
    }
}
