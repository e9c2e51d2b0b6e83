/* How a repetition ended: the one vocabulary of outcomes, shared by the
 * supervisor that classifies a child (child/child.c) and the results rows
 * that record it (resultsdoc/view.c).
 *
 * oom-alloc: an allocation failed inside the worker (the backend returned
 * NULL, or the process died saying it was out of memory); oom-kill: the
 * memory limit killed it (the watchdog, which the parent knows it fired, or
 * the cgroup's OOM killer, which memory.events counts); a SIGKILL nobody
 * accounts for is a crash, "KILL (not sent by heaplab)"; gc-thrash: a
 * collector spent over half the CPU collecting for a sustained window (a Go
 * program under GOMEMLIMIT: its heap goal stayed at the live heap, cycles
 * back to back, gc_timeline.c) and the worker stopped itself (the GOMEMLIMIT death spiral, reported instead
 * of waited out); error: the cell could not run. */
#ifndef HL_OUTCOME_H
#define HL_OUTCOME_H

#define HL_OUTCOMES(X)                                                                             \
  X(OK, "ok")                                                                                      \
  X(OOM_ALLOC, "oom-alloc")                                                                        \
  X(OOM_KILL, "oom-kill")                                                                          \
  X(CRASH, "crash")                                                                                \
  X(TIMEOUT, "timeout")                                                                            \
  X(GC_THRASH, "gc-thrash")                                                                        \
  X(ERROR, "error")

typedef enum {
#define HL_X(id, word) HL_OUTCOME_##id,
  HL_OUTCOMES(HL_X)
#undef HL_X
      HL_OUTCOME_COUNT
} hl_outcome_t;

/* "ok", "oom-kill", ...; "?" out of range. */
const char *hl_outcome_name(hl_outcome_t outcome);
/* The outcome of a word, or HL_OUTCOME_COUNT when it is none. */
hl_outcome_t hl_outcome_parse(const char *word);

#endif
