package dev.bioref.hammer;

/** The port's {@link HammerLock} against {@link HammerLockSpec}. */
public class HammerLockLincheckTest extends AbstractHammerLockLincheckTest { }
