// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/**
 * struct hammer_volume (hammer.h): the volume header's io. The mount holds a ref on it for its
 * whole life, so it is never destroyed and never put on the lose tree.
 */
public final class HammerVolume extends HammerIo {
    HammerVolume(HammerMount hmp) {
        super(hmp, HammerIoType.VOLUME, 0, HammerOndisk.BUFSIZE);
    }
}
