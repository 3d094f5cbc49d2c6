// SPDX-License-Identifier: BSD-3-Clause
package dev.bioref.uvm;

/** {@link AbstractMappedFileLincheckTest} on the FAITHFUL port (the 1998 seed, RE-5 included). */
public class MappedFileFaithful extends AbstractMappedFileLincheckTest {
    @Override protected UvmRoughEdges roughEdges() { return UvmRoughEdges.faithful(); }
}
