/* What the collector tells valgrind's race detector (drd) about the races
 * it makes on purpose. ci/test runs the collector's tests under drd (meson
 * test --setup drd --suite drd), beside ThreadSanitizer.
 *
 * drd orders threads only by what it can see: locks, condition variables,
 * thread creation and joins. It does not know C11 atomics: a relaxed
 * __atomic_load_n or __atomic_store_n is a plain mov to it, so two of them
 * on one word from two threads, unordered by a lock, are a conflict. (An
 * atomic read-modify-write - the mark bits' OR, a large span's exchange, a
 * counter's add - is a lock-prefixed instruction, which drd counts as a
 * load: those conflict only with plain stores.) ThreadSanitizer models the
 * atomics exactly and checks these accesses, all but the conservative
 * scans below (ci/test: --setup tsan --suite collector); drd is told about
 * them here, each access or variable by itself, and nothing else:
 *
 *   the barrier's store   gc_conc_barrier stores into a pointer slot of an
 *                         object that a marker may be scanning (gc_drain
 *                         loads the slot): Go's hybrid barrier, made for
 *                         exactly this. The store is left unrecorded, so
 *                         drd checks the markers' loads against every
 *                         other store into heap objects: a store that
 *                         bypasses the barrier while marking is still a
 *                         conflict (tests/unit/drd_canary.sh shows drd
 *                         reporting one).
 *   allocation bits       a concurrent marker tests an object's allocation
 *                         bit (gcmark.c) in the word where the span's owner
 *                         sets the bit of the object it allocates (the
 *                         allocation fast path, span_next_fast: a plain OR,
 *                         an atomic one in ThreadSanitizer builds). The
 *                         marker's load is unrecorded; its mark-bit OR,
 *                         which drd counts as a load, still conflicts with
 *                         a sweeper's plain stores of the mark bits.
 *   conservative scans    a concurrent scan of a root range reads words the
 *                         mutator stores without the barrier (its frame
 *                         areas, gcconc.c), and a stack scan reads the
 *                         thread's whole stack as pthread gives it, which
 *                         for a stack the program supplied holds glibc's
 *                         thread descriptor, written by the thread that
 *                         created it; a conservative scan may see either
 *                         value of such a word (gcmark.c, where
 *                         ThreadSanitizer is told the same for every word
 *                         scan). Those loads are unrecorded. The
 *                         stop-the-world scan of the root ranges is not.
 *   hint words            _Atomic variables stored with relaxed atomics and
 *                         read without the lock their writers hold, as a
 *                         hint or a pacing figure that a stale value only
 *                         delays: span_gc_poll (gcstw.c: acted on under
 *                         world_lock), the shared grey queue's length
 *                         (gcmark.c: taken under its lock), the trigger
 *                         and the memory-limit refresh count (gc.c:
 *                         retested under the pacer's lock), the assist
 *                         ratios and their switch (gcconc.c), the sweep
 *                         cursor and pacing (gcsweep.c: a span is claimed
 *                         under its central lock), the scavenger's goal
 *                         (scavenger.c). Every access to an
 *                         _Atomic variable is atomic, so none is left for
 *                         drd to find there; each is declared benign once,
 *                         by its own bytes, with GC_RACE_HINT.
 *
 * Everything else stays checked: the object memory against plain stores,
 * the span structs, the mark bits against the sweepers, every store of the
 * allocation bits, the mark queues, the per-thread buffers, the locks.
 *
 * Cost: none unless running under valgrind. span_gc_enable sets
 * gc_race_annotate once (RUNNING_ON_VALGRIND); the heap scan (gc_drain)
 * tests it once per call and runs a copy with the annotations compiled in
 * or out; the shading of one pointer, the root and stack scans and the
 * barrier's slow path (marking only) test it per call. Without
 * valgrind's headers the annotations are empty, and a drd run reports
 * these races. */
#ifndef SPAN_GCRACE_H
#define SPAN_GCRACE_H

#include <stdint.h>

#if defined(__has_include)
#if __has_include(<valgrind/drd.h>)
#include <valgrind/drd.h>
#define GC_RACE_HAVE_DRD 1
#endif
#endif

/* Nonzero when the process runs under valgrind (set by gc_race_init, the
 * first thing span_gc_enable does; gcrace.c). */
extern int gc_race_annotate;
void gc_race_init(void);
/* Declares the mark queue's and the safepoint's hint words (gcmark.c). */
void gc_mark_race_init(void);

/* Declares the _Atomic hint variable v benign, after gc_race_init. */
#ifdef GC_RACE_HAVE_DRD
#define GC_RACE_HINT(v)                                                                            \
  do {                                                                                             \
    if (gc_race_annotate) ANNOTATE_BENIGN_RACE_SIZED(&(v), sizeof(v), #v);                         \
  } while (0)
#else
#define GC_RACE_HINT(v) ((void)0)
#endif

/* drd records the calling thread's stores (or loads) from now on, or not
 * (drd.h's ANNOTATE_IGNORE_WRITES_BEGIN/END, ANNOTATE_IGNORE_READS_...).
 * Out of line: a client request's scoped locals, inlined into a function
 * that AddressSanitizer leaves uninstrumented (gcmark.c's word scan), left
 * their use-after-scope poison on the stack. */
void gc_race_record(int stores, int on);

/* A load drd is not to record: annotate is a constant at each call. */
static inline __attribute__((always_inline)) uintptr_t gc_race_load(const uintptr_t *p,
                                                                    const int annotate) {
  if (annotate) {
    gc_race_record(0, 0);
    uintptr_t v = *(const volatile uintptr_t *)p;
    gc_race_record(0, 1);
    return v;
  }
  return *(const volatile uintptr_t *)p;
}

/* A relaxed atomic load of a bitmap word, unrecorded when annotate (a
 * constant at each call). */
static inline __attribute__((always_inline)) uint64_t gc_race_load_bits(const uint64_t *p,
                                                                        const int annotate) {
  if (annotate) {
    gc_race_record(0, 0);
    uint64_t v = __atomic_load_n(p, __ATOMIC_RELAXED);
    gc_race_record(0, 1);
    return v;
  }
  return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* The write barrier's store into a pointer slot (relaxed atomic). */
static inline void gc_race_barrier_store(void **slot, void *value) {
  if (__builtin_expect(gc_race_annotate, 0)) {
    gc_race_record(1, 0);
    __atomic_store_n(slot, value, __ATOMIC_RELAXED);
    gc_race_record(1, 1);
    return;
  }
  __atomic_store_n(slot, value, __ATOMIC_RELAXED);
}

#endif
