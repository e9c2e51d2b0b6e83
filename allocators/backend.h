/* The backend vtable: one const descriptor per allocator or collector.
 *
 * A backend is what a workload's objects come from: the real glibc, jemalloc,
 * mimalloc and tcmalloc allocators (put into the worker process with
 * LD_PRELOAD, as users deploy them, and reached through plain malloc/free),
 * or a collector (Boehm's libgc, loaded with dlopen). Each backend file
 * exports exactly one `const hl_backend_t`; everything else in it is static.
 *
 * Slots marked "child" run only in the worker process that measures a cell,
 * after init(). Optional slots are NULL and the matching capability bit is
 * clear. This layer deliberately does no counting: the mutator API
 * (workloads/mutator.h) counts allocations, so every backend pays the same.
 */
#ifndef HL_BACKEND_H
#define HL_BACKEND_H

#include <stddef.h>
#include <stdint.h>

/* Heap statistics a backend may be able to tell, Go MemStats-like, units in
 * the names. X(field, help). */
#define HL_HEAP_STATS(X)                                                                           \
  X(heap_alloc_bytes, "bytes in allocated objects, as the backend counts them")                    \
  X(heap_inuse_bytes, "bytes in pages or spans holding objects")                                   \
  X(heap_sys_bytes, "bytes the backend has mapped from the OS")                                    \
  X(heap_released_bytes, "bytes returned to the OS (mapped, not resident)")                        \
  X(heap_idle_bytes, "bytes in free pages or spans, released or not")                              \
  X(backend_allocs, "objects allocated, ever, as the backend counts them")                         \
  X(backend_frees, "objects freed, ever, as the backend counts them")                              \
  X(num_gc, "completed collections")                                                               \
  X(heap_goal_bytes, "heap size at which the next collection starts")                              \
  X(gc_pause_total_ns, "total stop-the-world time of all collections")

enum {
#define HL_X(f, h) HL_HS_##f,
  HL_HEAP_STATS(HL_X)
#undef HL_X
      HL_HS_COUNT
};

/* Objects allocated and freed in one size class, ever (Go's
 * MemStats.BySize); class 0 of a backend that has one is its large objects
 * (object_bytes 0). */
typedef struct hl_class_count {
  uint64_t object_bytes, mallocs, frees;
} hl_class_count_t;
#define HL_MAX_CLASS_COUNTS 128

typedef struct hl_heap_stats {
  uint64_t value[HL_HS_COUNT];
  uint32_t present;  /* bit i set: value[i] is known */
  unsigned nclasses; /* rows of by_class filled (0: not known) */
  hl_class_count_t by_class[HL_MAX_CLASS_COUNTS];
} hl_heap_stats_t;

static inline void hl_heap_stats_set(hl_heap_stats_t *s, int field, uint64_t v) {
  s->value[field] = v;
  s->present |= 1u << field;
}

typedef enum { HL_BACKEND_MALLOC, HL_BACKEND_GC } hl_backend_kind_t;

enum {
  HL_CAP_FREE = 1u << 0,         /* free() releases memory; else hl_drop is a no-op */
  HL_CAP_COLLECT = 1u << 1,      /* collect() runs a full collection */
  HL_CAP_ROOTS = 1u << 2,        /* add_roots()/remove_roots() must see every root */
  HL_CAP_GC_PERCENT = 1u << 3,   /* honours hl_backend_config_t.gc_percent */
  HL_CAP_STATS = 1u << 4,        /* stats() fills some fields */
  HL_CAP_MEMORY_LIMIT = 1u << 5, /* honours memory_limit_bytes (a soft limit, GOMEMLIMIT) */
};

#define HL_GC_OFF (-1)
#define HL_NO_MEMORY_LIMIT INT64_MAX

/* One completed collection, the fields of Go's gctrace line (the line Go's
 * runtime.gcMarkTermination prints). A stop-the-world collector reports its whole
 * cycle as pause; a field it cannot tell is 0. Bytes are exact, not MiB. */
typedef struct hl_gc_cycle {
  uint64_t num;      /* gc #: 1 for the first collection */
  uint64_t start_ns; /* when it started, ns since the backend's init */
  /* wall time of the three phases: sweep termination, mark, mark termination */
  uint64_t clock_ns[3];
  /* CPU time: sweep termination, assist, background mark, idle mark, mark
   * termination (gctrace's "#+#/#/#+# ms cpu") */
  uint64_t cpu_ns[5];
  uint64_t pause_ns;           /* of the wall time, how much the world was stopped */
  uint64_t heap_trigger_bytes; /* heap live at which it was due (0: not known) */
  uint64_t heap_start_bytes;   /* heap live when it started (gctrace's first figure) */
  uint64_t heap_end_bytes;     /* heap live at mark end, the cycle's peak (second) */
  uint64_t heap_marked_bytes;  /* bytes marked live (third) */
  uint64_t heap_goal_bytes;    /* goal of this cycle (0: not known) */
  uint64_t stack_scan_bytes;   /* stack bytes scanned */
  uint64_t globals_scan_bytes; /* other root bytes scanned */
  double gc_cpu_fraction;      /* GC share of available CPU since init, after this cycle */
  uint32_t procs;              /* CPUs that fraction is of (GOMAXPROCS) */
  uint8_t forced;              /* started by collect(), not by the heap */
  uint8_t limiter_on;          /* the GC CPU limiter was limiting at the end */
  /* stop-the-world windows: sweep termination, mark termination (a
   * stop-the-world collector: sweep termination, then mark and mark
   * termination in the one window) */
  uint64_t stw_ns[2];
  uint64_t stw_wait_ns[2]; /* of each window, the wait until every thread had stopped */
  uint64_t stw_cpu_ns[2];  /* CPU time of the stopping thread in each window (its work) */
  /* a concurrent collector's write barrier this cycle: calls (stores while
   * marking), pointers buffered for marking, pointers skipped as already
   * marked; bytes allocated black; pointer slots scanned in mark termination */
  uint64_t barrier_calls, barrier_buffered, barrier_skipped;
  uint64_t black_bytes, markterm_scan_bytes;
} hl_gc_cycle_t;

/* Called by a collector after each cycle, on the thread that collected,
 * while the other mutator threads are stopped: it must not allocate from
 * the backend, take a lock a mutator may hold, or block. */
typedef void (*hl_gc_cycle_fn)(void *ctx, const hl_gc_cycle_t *cycle);

/* Backend options: knobs of one backend, named on the command line after
 * its name, `-b glibc:arena_max=2` (several: `NAME:K=V:K=V`). A backend
 * declares its keys in a table, as a workload declares its parameters;
 * values are integers in [min, max]. The options given travel to init() in
 * hl_backend_config_t and name the cell: "glibc:arena_max=2" is a backend
 * of its own in results, tables, compare and plots, beside plain "glibc". */
#define HL_MAX_BACKEND_OPTIONS 4

typedef struct hl_backend_option {
  const char *key;  /* "arena_max" */
  int64_t min, max; /* accepted values, inclusive */
  const char *help; /* one line for `heaplab list backends` */
  /* NULL: the value is an integer. Else the names of the values min..max
   * (min is 0), and the value is written as its name: `span-gc:mode=stw`. */
  const char *const *names;
} hl_backend_option_t;

/* The text of option value v ("stw"), or NULL when the option takes
 * integers (allocators/backend_spec.c). */
const char *hl_backend_option_name(const hl_backend_option_t *o, int64_t v);

typedef struct hl_backend_config {
  int gc_percent;             /* GOGC: 100 default, HL_GC_OFF disables collection */
  unsigned threads;           /* worker threads that will attach */
  int64_t memory_limit_bytes; /* GOMEMLIMIT, HL_NO_MEMORY_LIMIT for none */
  int pacer_model;            /* span-gc: 0 go122 (default), 1 go119 (hl_pacer_model_t) */
  hl_gc_cycle_fn on_gc_cycle; /* may be NULL */
  void *gc_cycle_ctx;
  /* Backend options, indexed like the backend's options table; bit i of
   * options_given says option i was given (else the backend's default). */
  int64_t option[HL_MAX_BACKEND_OPTIONS];
  uint32_t options_given;
  const char *library_path; /* so:PATH: the user's library ("" for the others) */
} hl_backend_config_t;

/* Facts a backend reports about itself once it is running (child side). */
typedef struct hl_backend_info {
  char version[64];       /* "5.3.0-0-g54eaed1d8b56b1aa528be3bdd1877e59c56fa90c" */
  char library_path[256]; /* the file that serves allocations; "" for glibc */
  char settings[256];     /* effective knobs, e.g. "free_space_divisor=2" */
} hl_backend_info_t;

/* How a backend lays out objects of one request size (its size class). */
typedef struct hl_size_class {
  uint64_t object_bytes; /* what a request of this size really occupies */
  uint64_t span_bytes;   /* the slab (span) objects of this class are cut from */
  uint64_t objects;      /* objects per slab */
} hl_size_class_t;

typedef struct hl_backend {
  const char *name;    /* short lowercase id used everywhere: "jemalloc" */
  const char *summary; /* one line for `heaplab list backends` */
  hl_backend_kind_t kind;
  unsigned caps;
  /* Shared object the worker needs: put into LD_PRELOAD when preload is set,
   * else dlopen()ed by init(). NULL: nothing to load (glibc). */
  const char *library;
  int preload;
  const char *package; /* Debian package that ships library, for hints */
  /* NULL when compiled in; otherwise why not ("disabled at build time"). */
  const char *unbuilt;
  /* Which heap statistics it cannot tell, and why (results context); the
   * collector fields of a malloc backend go without saying. */
  const char *unreported;
  /* Options it takes (at most HL_MAX_BACKEND_OPTIONS); NULL and 0: none.
   * init() applies those given in cfg and says so in info->settings. */
  const hl_backend_option_t *options;
  size_t noptions;

  /* child: called once on the main thread before any other slot. Returns 0,
   * or a negative HL_E* code with a reason in why (e.g. the preload did not
   * take effect). May be called without a later fini() on failure. */
  int (*init)(const hl_backend_config_t *cfg, hl_backend_info_t *info, char *why, size_t why_len);
  void (*fini)(void);
  /* child, optional: every thread that allocates calls attach() before its
   * first allocation and detach() after its last (collectors register
   * threads). Returns 0 or HL_E*. */
  int (*thread_attach)(void);
  void (*thread_detach)(void);
  /* child: an object of `bytes` bytes whose first `nptrs` words are pointer
   * slots (the rest is payload). NULL when memory is exhausted. Thread-safe.
   * Pointer slots need not be zeroed; the mutator does that. */
  void *(*alloc)(size_t bytes, unsigned nptrs);
  /* child, optional (HL_CAP_FREE): releases an object from alloc(). */
  void (*free)(void *obj, size_t bytes);
  /* child, optional (HL_CAP_COLLECT): a full, blocking collection. */
  void (*collect)(void);
  /* child, optional (HL_CAP_STATS): fills the fields it knows. Not on a hot
   * path; may take locks. Returns 0 or HL_E*. */
  int (*stats)(hl_heap_stats_t *out);
  /* child, optional (HL_CAP_ROOTS): [start, start+bytes) holds pointers that
   * keep objects alive until it is removed again. */
  int (*add_roots)(void *start, size_t bytes);
  void (*remove_roots)(void *start, size_t bytes);
  /* child, optional: pointer stores go through here when set (the barrier
   * hook a concurrent collector needs). NULL: plain store. */
  void (*write_barrier)(void **slot, void *value);
  /* child, optional (HL_CAP_GC_PERCENT): debug.SetGCPercent at run time,
   * between phases of a workload; HL_GC_OFF disables. Returns the old value. */
  int (*set_gc_percent)(int gc_percent);
  /* child, optional (HL_CAP_MEMORY_LIMIT): debug.SetMemoryLimit; a negative
   * value only reads. Returns the old limit. */
  int64_t (*set_memory_limit)(int64_t bytes);
  /* child, optional: the mutator thread is about to block outside the
   * mutator (a barrier, I/O) / is back. A stop-the-world collector does not
   * wait for a blocked thread (Go's entersyscall / exitsyscall); unblock
   * waits while a collection runs. Both are called outside timed loops. */
  void (*thread_block)(void);
  void (*thread_unblock)(void);
  /* child, optional: usable size of an allocated object (fragmentation). */
  size_t (*usable_size)(void *obj);
  /* optional: the size class a request of `bytes` goes to, without
   * allocating. Returns 0, or HL_E* for sizes outside its classes. */
  int (*size_class)(size_t bytes, hl_size_class_t *out);
  /* optional: the library to preload, found at run time (a library built
   * with heaplab, next to its executable); NULL when it cannot be found.
   * Overrides `library`. */
  const char *(*locate_library)(void);
  /* Left out of "all" (and of -b's default): why, for list backends
   * ("needs a path: -b so:PATH"); NULL: taken by "all". */
  const char *named_only;
  /* Runs only programs given with -x, never heaplab's workloads (go: the
   * program's own runtime). */
  int programs_only;
} hl_backend_t;

/* Registry (allocators/backend.c). */
const hl_backend_t *const *hl_backend_all(size_t *n_out);
const hl_backend_t *hl_backend_find(const char *name);
const char *hl_backend_kind_name(hl_backend_kind_t kind);
/* What LD_PRELOAD must name for b's workers, or NULL (not a preload
 * backend, or its library cannot be found: the probe then says why). */
const char *hl_backend_preload(const hl_backend_t *b);
/* Whether b can serve a program given with -x: glibc, a preloaded malloc
 * library, or a Go program's own runtime (go). */
int hl_backend_fits_programs(const hl_backend_t *b);
/* "glibc jemalloc ..." for error hints. */
void hl_backend_names(char *buf, size_t len);

/* A backend as -b names it: the descriptor, its option values and the
 * canonical name (the backend's name, then ":key=value" for each option
 * given, in the order of its table: "glibc:arena_max=2"). */
typedef struct hl_backend_spec {
  const hl_backend_t *backend;
  int64_t option[HL_MAX_BACKEND_OPTIONS];
  uint32_t options_given;
  char name[160];
  char library[1024]; /* so:PATH: the library, resolved ("" for the others) */
} hl_backend_spec_t;

/* Parses "NAME[:KEY=VALUE]..." (allocators/backend_spec.c). Returns 0, or
 * HL_ENOENT (unknown backend), HL_EPARSE or HL_ERANGE with one line in why
 * that names the problem and the choices. Does not check that the backend
 * was built. */
int hl_backend_spec_parse(const char *text, hl_backend_spec_t *out, char *why, size_t why_len);
/* The spec's options into a backend config. */
void hl_backend_spec_apply(const hl_backend_spec_t *spec, hl_backend_config_t *cfg);
/* The spec as hl_backend_spec_parse reads it back: its name, or for a
 * user's library "so:PATH:name=NAME". */
void hl_backend_spec_text(const hl_backend_spec_t *spec, char *buf, size_t len);
/* What LD_PRELOAD must name for the spec (its library for so:PATH), or
 * NULL (hl_backend_preload). */
const char *hl_backend_spec_preload(const hl_backend_spec_t *spec);

/* A user's own malloc library (-b so:PATH[:name=NAME]), preloaded and
 * verified like the others, and a Go program's own runtime (-b go, -x
 * only): registered so that -b finds them (allocators/program_backends.c). */
extern const hl_backend_t hl_backend_so;
extern const hl_backend_t hl_backend_go;

#endif
