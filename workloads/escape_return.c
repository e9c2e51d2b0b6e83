/* escape-return (claim C2): a constructor that returns a pointer to a local
 * versus one that returns the value.
 *
 *   func newPtr() *T { t := T{...}; return &t }   // t escapes: heap
 *   func newVal() T  { return T{...} }            // copied into the caller
 *
 * Each iteration is one call in its own frame: the caller builds a T of
 * `obj` bytes through one of the two constructors, reads it back and lets it
 * die. `ptr_pct` percent of the calls use the pointer form, spread evenly
 * (every 100 consecutive calls hold exactly ptr_pct pointer calls). With
 * --escape on the value form costs no heap allocation; with --escape off
 * both forms allocate, so
 *
 *   allocs(off) - allocs(on) = calls * (100 - ptr_pct) / 100
 *
 * is the heap traffic escape analysis removes (the site table says so:
 * newVal does not escape). */
#include "workload.h"

#include "util.h"

#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <valgrind/valgrind.h>

#ifndef HL_INJECT_SLOWDOWN_PCT
#define HL_INJECT_SLOWDOWN_PCT 0
#endif
#ifndef HL_INJECT_RETAIN_KIB
#define HL_INJECT_RETAIN_KIB 0
#endif
#ifndef HL_INJECT_RETAIN_PCT
#define HL_INJECT_RETAIN_PCT 0
#endif

enum { P_CALLS, P_OBJ, P_PTR_PCT, P_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_CALLS] = {"calls", HL_PARAM_COUNT, 2000000, 200000, 1, UINT64_C(1) << 40,
                 "constructor calls in total (iterations)", NULL},
    [P_OBJ] = {"obj", HL_PARAM_BYTES, 32, 32, 8, 64 << 10, "bytes of the constructed value T",
               NULL},
    [P_PTR_PCT] = {"ptr_pct", HL_PARAM_PERCENT, 50, 50, 0, 100,
                   "percent of calls that use the pointer-returning constructor", NULL},
};

enum { SITE_PTR, SITE_VAL, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_PTR] = {"newPtr", SITE_PTR, 1, "returned pointer to a local (&t)"},
    [SITE_VAL] = {"newVal", SITE_VAL, 0, "returned by value, copied into the caller"},
};

static uint64_t er_iterations(const uint64_t *p, unsigned threads) {
  return p[P_CALLS] / threads;
}

/* The constructor body both forms share: initialise every word of T. */
static inline void construct(uint64_t *words, size_t nwords, uint64_t seed) {
  for (size_t w = 0; w < nwords; w++)
    words[w] = seed + w;
}

static inline uint64_t consume(const uint64_t *words, size_t nwords) {
  uint64_t sum = 0;
  for (size_t w = 0; w < nwords; w++)
    sum += words[w];
  return sum;
}

static uint64_t thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Testing only (meson -Dinject_slowdown_pct=N, ci/gate-proof): a known
 * regression for the gate to find. After the calls, the thread burns N% of
 * the CPU time they took, so the timed loop costs (1 + N/100) times as much
 * on any machine, whatever the backend; the burn is arithmetic the compiler
 * cannot drop, checked against the thread's CPU clock every 4096 steps.
 *
 * A build with N = 0 and one with N = 10 must differ in N only: moving a
 * hot loop by a few bytes changes its speed by several percent on this
 * machine (measured: up to +-5% on escape-return), which would swamp the
 * injected figure. So the code is the same in every build: N is a volatile
 * int read at run time (one value in the data section differs), the hooks
 * are always called, and they are kept out of line (noipa: not inlined,
 * not even analysed) so er_run compiles identically. */
static volatile const int inject_pct = HL_INJECT_SLOWDOWN_PCT;
static _Thread_local uint64_t inject_start_ns;

int hl_inject_slowdown_pct(void) {
  return inject_pct;
}

__attribute__((noinline, noipa)) static void inject_begin(void) {
  if (inject_pct > 0) inject_start_ns = thread_cpu_ns();
}

/* Under valgrind (heaplab run --measure instructions) CPU time is
 * valgrind's, and a burn until a clock would add a count that varies with
 * the machine; there the burn is a fixed number of steps per call instead,
 * INJECT_STEPS_PER_CALL x N / 100: a step costs about 1/INJECT_STEPS_PER_CALL
 * of one escape-return call's instructions on glibc (measured under
 * callgrind; ci/gate-proof reports the change it actually makes). */
#define INJECT_STEPS_PER_CALL 46

__attribute__((noinline, noipa)) static uint64_t inject_end(uint64_t calls) {
  int pct = inject_pct;
  if (pct <= 0) return 0;
  if (RUNNING_ON_VALGRIND) {
    uint64_t x = calls | 1, steps = calls * INJECT_STEPS_PER_CALL * (uint64_t)pct / 100;
    for (uint64_t s = 0; s < steps; s++)
      x = x * 6364136223846793005u + 1442695040888963407u;
    return x & 1;
  }
  uint64_t spent = thread_cpu_ns() - inject_start_ns;
  uint64_t until = thread_cpu_ns() + spent * (uint64_t)pct / 100;
  uint64_t x = spent | 1;
  while (thread_cpu_ns() < until)
    for (int i = 0; i < 4096; i++)
      x = x * 6364136223846793005u + 1442695040888963407u;
  return x & 1;
}

/* Testing only (meson -Dinject_retain_kib=N / -Dinject_retain_pct=P,
 * ci/gate-proof): a known memory regression. Setup (untimed) retains N KiB
 * more, plus P% of the worker's peak RSS so far (VmHWM; for escape-return
 * about its whole peak, as the timed loop holds one object at a time):
 * mapped and written page by page, outside the backend, so that no
 * allocation count changes, and held until the worker exits. As with the
 * slowdown, the code is the same in every build; only the two values in
 * the data section differ. */
static volatile const int inject_retain_kib = HL_INJECT_RETAIN_KIB;
static volatile const int inject_retain_pct = HL_INJECT_RETAIN_PCT;

int hl_inject_retain_kib(void) {
  return inject_retain_kib;
}

int hl_inject_retain_pct(void) {
  return inject_retain_pct;
}

__attribute__((noinline, noipa)) static void inject_retain(void) {
  uint64_t bytes = (uint64_t)inject_retain_kib << 10, hwm = 0;
  int pct = inject_retain_pct;
  if (pct > 0 && hl_proc_status_bytes(0, "VmHWM", &hwm) == 0) bytes += hwm * (uint64_t)pct / 100;
  if (!bytes) return;
  volatile char *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return;
  for (uint64_t off = 0; off < bytes; off += 4096)
    p[off] = 1;
}

static int er_setup(hl_wl_thread_t *t) {
  if (t->thread_index == 0) inject_retain();
  return 0;
}

static void er_run(hl_wl_thread_t *t, uint64_t iterations) {
  inject_begin();
  hl_mutator_t *m = t->m;
  const size_t bytes = t->param[P_OBJ];
  const size_t nwords = bytes / sizeof(uint64_t);
  const unsigned ptr_pct = (unsigned)t->param[P_PTR_PCT];
  unsigned acc = 0;
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations; i++) {
    hl_frame_enter(m);
    if (hl_spread(&acc, ptr_pct)) {
      uint64_t *p = hl_new(m, &sites[SITE_PTR], bytes, 0);
      construct(p, nwords, i);
      hl_escape_to_compiler(p);
      sink += consume(p, nwords);
      hl_drop(m, p, bytes);
    } else {
      uint64_t *v = hl_new(m, &sites[SITE_VAL], bytes, 0);
      construct(v, nwords, i);
      hl_escape_to_compiler(v);
      sink += consume(v, nwords);
    }
    hl_frame_leave(m);
  }
  sink += inject_end(iterations);
  t->sink += sink;
}

const hl_workload_t hl_workload_escape_return = {
    .name = "escape-return",
    .claim = "C2",
    .summary = "constructor returning a pointer (escapes) vs returning the value",
    .kind = "bench",
    .params = params,
    .nparams = P_COUNT,
    .sites = sites,
    .nsites = SITE_COUNT,
    .iterations = er_iterations,
    .setup = er_setup,
    .run = er_run,
};
