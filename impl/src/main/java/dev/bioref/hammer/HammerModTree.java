// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

import java.util.TreeMap;

/**
 * One of the mount's mod trees (hammer.h hammer_mod_rb_tree): ios ordered by
 * hammer_mod_rb_compare, so the first entry is the lowest disk offset and a flush goes out in
 * disk order. The port has one volume, so the key is the io's offset. Guarded by io_token.
 */
final class HammerModTree {
    final String name;
    final TreeMap<Long, HammerIo> tree = new TreeMap<>();   // guarded by io_token

    HammerModTree(String name) { this.name = name; }

    // hammer_io.c hammer_mod_rb_compare(), L69 (one volume: the offset is the whole key)
    static long key(HammerIo io) { return io.offset; }

    boolean insert(HammerIo io) { return tree.putIfAbsent(key(io), io) == null; }

    boolean remove(HammerIo io) { return tree.remove(key(io), io); }

    HammerIo first() { return tree.isEmpty() ? null : tree.firstEntry().getValue(); }

    boolean contains(HammerIo io) { return tree.get(key(io)) == io; }

    boolean isEmpty() { return tree.isEmpty(); }

    int size() { return tree.size(); }

    @Override public String toString() { return name; }
}
