// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.kern;

import java.util.function.Supplier;

/**
 * A kernel panic or a failed KKASSERT/KASSERT, as an exception. The message starts with the
 * seed's wording and carries the values involved, so a failure can be held next to the C.
 */
public final class Panic extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public Panic(String message) { super(message); }

    /** panic(msg): always throws. */
    public static Panic panic(String message) { throw new Panic(message); }

    /** KKASSERT(cond): throws with {@code message} if {@code cond} is false. */
    public static void KKASSERT(boolean cond, String message) {
        if (!cond) throw new Panic(message);
    }

    /** KKASSERT with a message built only on failure. */
    public static void KKASSERT(boolean cond, Supplier<String> message) {
        if (!cond) throw new Panic(message.get());
    }
}
