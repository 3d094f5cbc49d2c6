// SPDX-License-Identifier: BSD-3-Clause
/**
 * The UVM vnode pager of NetBSD {@code uvm_vnode.c} rev 1.9 (1998, "ROUGH DRAFT"; BSD licence):
 * seed shared/seeds/001_d880d2a46d928c77.txt, engineering note shared/reference/uvm_vnode.md.
 *
 * <p>{@link dev.bioref.uvm.UvmVnode} is the one class that ports the seed file. Every other class
 * of this package is a <b>stand-in</b> for a piece of the 1998 VM or vnode layer that the seed
 * calls but does not contain (outside seed): {@link dev.bioref.uvm.VmPage} (struct vm_page and
 * its pmap), {@link dev.bioref.uvm.VmPageQueues} (page queues, allocator, pager map),
 * {@link dev.bioref.uvm.UvmPager} (uvm_pager_put, uvm_mk_pcluster, uvm_pager_dropcluster),
 * {@link dev.bioref.uvm.Vnode} and {@link dev.bioref.uvm.VnodeLayer} (usecount, free list,
 * vnode lock, a toy file system on the loopback device), {@link dev.bioref.uvm.UvmSched}
 * (sleep/wakeup with bounded waits that report deadlocks, and pause points for tests),
 * {@link dev.bioref.uvm.UvmFaultClient} (the callers: mmap, fault, store, msync, truncate).
 *
 * <p>Modes: {@link dev.bioref.uvm.UvmMode#FAITHFUL} keeps each rough edge RE-n of the note's §5;
 * {@link dev.bioref.uvm.UvmMode#FIXED} applies its fix; {@link dev.bioref.uvm.UvmRoughEdges} has
 * one switch per RE. proofs-notes/uvm.md lists each with its witness test.
 */
package dev.bioref.uvm;
