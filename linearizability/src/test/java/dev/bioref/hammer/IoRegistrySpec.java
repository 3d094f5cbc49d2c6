// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * Sequential specification of the io registry: a map from io to tree (none, lose, or its
 * type's mod tree) with the facts that decide the transitions (modified, bp associated, the
 * frontend's ref) and locked_dirty_space, the bytes of the META io while it is on meta_root.
 * Method names and signatures match {@link AbstractIoRegistryLincheckTest}.
 */
public class IoRegistrySpec {
    static final int NONE = 0, LOSE = 1, META = 2, DATA = 3;
    final int[] tree = new int[AbstractIoRegistryLincheckTest.IOS];
    final boolean[] modified = new boolean[AbstractIoRegistryLincheckTest.IOS];
    final boolean[] associated = {true, true};
    final boolean[] held = new boolean[AbstractIoRegistryLincheckTest.IOS];
    long lockedDirtySpace;

    public boolean reRef(int k) {
        if (held[k]) return false;
        held[k] = true;
        if (tree[k] == LOSE) tree[k] = NONE;
        associated[k] = true;       // loaded on the 0→1 ref if it had lost its bp
        return true;
    }

    public boolean relRef(int k) {
        if (!held[k]) return false;
        held[k] = false;
        return true;
    }

    public boolean setModlist(int k) {
        if (!held[k] || modified[k]) return false;
        modified[k] = true;
        tree[k] = k == 0 ? META : DATA;
        if (k == 0) lockedDirtySpace += AbstractIoRegistryLincheckTest.BYTES;
        return true;
    }

    public void clearModify(int k) {
        if (!modified[k]) return;
        modified[k] = false;
        tree[k] = NONE;
        if (k == 0) lockedDirtySpace -= AbstractIoRegistryLincheckTest.BYTES;
    }

    public void cleanLoose() {
        for (int k = 0; k < tree.length; k++) if (tree[k] == LOSE) tree[k] = NONE;
    }

    public boolean deallocToLose(int k) {
        if (!associated[k] || held[k] || modified[k]) return false;
        associated[k] = false;
        tree[k] = LOSE;
        return true;
    }

    public long lockedDirtySpace() { return lockedDirtySpace; }

    public int treeOf(int k) { return tree[k]; }
}
