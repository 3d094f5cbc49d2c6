// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.hammer;

/** The port's io registry, checked as {@link AbstractIoRegistryLincheckTest} describes. */
public class IoRegistryLincheckTest extends AbstractIoRegistryLincheckTest { }
