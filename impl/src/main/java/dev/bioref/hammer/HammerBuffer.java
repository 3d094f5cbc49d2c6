// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * struct hammer_buffer (hammer.h): a META, UNDO or DATA buffer of one HAMMER_BUFSIZE block.
 * Lives in the mount's buffer tree while referenced or associated; destroyed by relBuffer once
 * it has neither a bp nor refs (hammer_ondisk.c hammer_rel_buffer).
 */
public final class HammerBuffer extends HammerIo {
    HammerBuffer(HammerMount hmp, HammerIoType type, long offset) {
        super(hmp, type, offset, HammerOndisk.BUFSIZE);
        if (type == HammerIoType.VOLUME || type == HammerIoType.DUMMY) {
            throw new IllegalArgumentException("a hammer_buffer cannot have type " + type);
        }
    }
}
