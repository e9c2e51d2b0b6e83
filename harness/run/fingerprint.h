/* The machine fingerprint of a results file: what makes two runs' numbers
 * comparable. Timings and peaks from two machines are not; heaplab keys a
 * run by this fingerprint (context.fingerprint, and each row's "machine"
 * once files from several machines are merged), so that readers compare
 * them only within one machine, as LLVM LNT keys a run by its machine.
 *
 * The fields: CPU model and count, kernel, transparent huge page mode, the
 * cgroup version and the memory limit of the cgroup heaplab runs in, the
 * allocator libraries' versions (as the probes found them), heaplab's
 * revision; and "id", the first 12 hex digits of the hash of all of them. */
#ifndef HL_FINGERPRINT_H
#define HL_FINGERPRINT_H

#include <jansson.h>
#include <stddef.h>

/* backends: the context's "backends" object (probes). A new object. */
json_t *hl_fingerprint_new(const json_t *backends);

/* "always [madvise] never" -> "madvise"; "unknown" when unreadable. */
void hl_thp_mode(char *buf, size_t len);

#endif
