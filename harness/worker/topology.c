/* Machine topology for results files, and --pin thread binding, over hwloc.
 *
 * This file loads hwloc's view of the machine once, condenses it into the
 * fixed-size summary that goes into every results file's context (counts,
 * allowed PUs, cache kinds in Google Benchmark's words), and binds worker
 * threads to single PUs for the compact and scatter policies. It deliberately
 * does not bind memory, does not pin the whole process (only the calling
 * thread), does not choose PUs outside hwloc's allowed cpuset, and does not
 * print: callers get HL_E* codes, and after HL_ESYS errno still says why.
 * Built with HL_HAVE_HWLOC=0 only the pin names, HL_PIN_NONE and
 * hl_topology_last_cpu() (via sched_getcpu) work; the rest is HL_EUNAVAIL.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sched_getcpu */
#endif

#include "topology.h"

#include "error.h"

#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HL_HAVE_HWLOC
#define HL_HAVE_HWLOC 0
#endif

#if HL_HAVE_HWLOC
#include <hwloc.h>
#endif

/* ---- Pin policy names (no hwloc needed) ---------------------------------- */

static const char *const pin_names[] = {
    [HL_PIN_NONE] = "none",
    [HL_PIN_COMPACT] = "compact",
    [HL_PIN_SCATTER] = "scatter",
};
#define N_PINS (sizeof pin_names / sizeof pin_names[0])

int hl_pin_parse(const char *text, hl_pin_t *out) {
  if (!text || !out) return HL_EINVAL;
  for (size_t i = 0; i < N_PINS; i++) {
    if (strcmp(text, pin_names[i]) == 0) {
      *out = (hl_pin_t)i;
      return 0;
    }
  }
  return HL_EPARSE;
}

const char *hl_pin_name(hl_pin_t pin) {
  if ((unsigned)pin >= N_PINS) return "unknown";
  return pin_names[pin];
}

/* Common argument checks of hl_topology_bind_thread, shared by both builds. */
static int check_bind_args(hl_pin_t pin, unsigned thread_index, unsigned threads) {
  if ((unsigned)pin >= N_PINS) return HL_EINVAL;
  if (threads == 0 || thread_index >= threads) return HL_EINVAL;
  return 0;
}

#if HL_HAVE_HWLOC

/* After load the struct is never written again: every later call only reads
 * the topology (hwloc allows concurrent readers once loading and any refresh
 * are done) and allocates its own scratch bitmaps, so binding from many
 * threads at once needs no lock. */
struct hl_topology {
  hwloc_topology_t hw;
  hwloc_const_cpuset_t allowed; /* owned by hw */
  unsigned nallowed;            /* PUs inside `allowed` */
  int can_bind;                 /* hwloc can bind the current thread here */
};

/* ---- Loading ------------------------------------------------------------- */

/* hwloc filters instruction caches out by default (lstopo turns them back on
 * itself, so the two disagree unless we do the same). KEEP_ALL for icaches
 * is set unconditionally: it is a no-op when they are already kept. The
 * hwloc_topology_refresh() ends the single-threaded phase explicitly, so
 * lazily built internal caches never get built concurrently later. */
static int load_hw(hwloc_topology_t hw) {
  if (hwloc_topology_set_icache_types_filter(hw, HWLOC_TYPE_FILTER_KEEP_ALL) < 0) return HL_ESYS;
  if (hwloc_topology_load(hw) < 0) return HL_ESYS;
  if (hwloc_topology_refresh(hw) < 0) return HL_ESYS;
  return 0;
}

int hl_topology_load(hl_topology_t **out) {
  if (!out) return HL_EINVAL;
  *out = NULL;
  hl_topology_t *t = calloc(1, sizeof *t);
  if (!t) return HL_ENOMEM;
  int rc = HL_ESYS;
  if (hwloc_topology_init(&t->hw) < 0) goto fail_free;
  rc = load_hw(t->hw);
  if (rc) goto fail_destroy;
  t->allowed = hwloc_topology_get_allowed_cpuset(t->hw);
  int n = hwloc_get_nbobjs_inside_cpuset_by_type(t->hw, t->allowed, HWLOC_OBJ_PU);
  if (!t->allowed || n <= 0) {
    rc = HL_EUNAVAIL;
    goto fail_destroy;
  }
  t->nallowed = (unsigned)n;
  const struct hwloc_topology_support *sup = hwloc_topology_get_support(t->hw);
  t->can_bind = sup && sup->cpubind && sup->cpubind->set_thisthread_cpubind;
  *out = t;
  return 0;
fail_destroy:
  hwloc_topology_destroy(t->hw);
fail_free:
  free(t);
  return rc;
}

void hl_topology_free(hl_topology_t *topo) {
  if (!topo) return;
  hwloc_topology_destroy(topo->hw);
  free(topo);
}

/* ---- Summary ------------------------------------------------------------- */

static unsigned count_type(hwloc_topology_t hw, hwloc_obj_type_t type) {
  int n = hwloc_get_nbobjs_by_type(hw, type);
  return n > 0 ? (unsigned)n : 0;
}

/* The runtime library's release ("2.9.0") is in the root object's
 * hwlocVersion info. HWLOC_API_VERSION and hwloc_get_api_version() give the
 * API level instead (0x20800 for 2.9.0), so they are only the fallback, and
 * marked "api" so nobody mistakes them for a release. */
static void fill_source(hwloc_topology_t hw, char *buf, size_t len) {
  hwloc_obj_t root = hwloc_get_root_obj(hw);
  const char *v = root ? hwloc_obj_get_info_by_name(root, "hwlocVersion") : NULL;
  if (v && *v) {
    snprintf(buf, len, "hwloc %s", v);
    return;
  }
  unsigned api = hwloc_get_api_version();
  snprintf(buf, len, "hwloc api %u.%u.%u", api >> 16, (api >> 8) & 0xff, api & 0xff);
}

/* hwloc_bitmap_list_snprintf() would cut a long list mid-number ("0-12,14-1"),
 * which reads as a valid but wrong list. When it does not fit, cut back to a
 * whole item and end with ",..." so a reader sees it was shortened. */
static void fill_pu_list(hwloc_const_cpuset_t set, char *buf, size_t len) {
  int n = hwloc_bitmap_list_snprintf(buf, len, set);
  if (n < 0) {
    snprintf(buf, len, "?");
    return;
  }
  if ((size_t)n < len) return;
  const char tail[] = ",...";
  buf[len - sizeof tail] = '\0';
  char *comma = strrchr(buf, ',');
  if (comma) *comma = '\0';
  strcat(buf, tail);
}

static const char *cache_type_word(hwloc_obj_cache_type_t type) {
  switch (type) {
  case HWLOC_OBJ_CACHE_DATA: return "Data";
  case HWLOC_OBJ_CACHE_INSTRUCTION: return "Instruction";
  default: return "Unified";
  }
}

/* Data before Instruction before Unified within a level, as Google
 * Benchmark lists them. */
static int cache_type_rank(const char *word) {
  if (strcmp(word, "Data") == 0) return 0;
  if (strcmp(word, "Instruction") == 0) return 1;
  return 2;
}

static int cache_kind_cmp(const void *pa, const void *pb) {
  const hl_cache_info_t *a = pa, *b = pb;
  if (a->level != b->level) return a->level < b->level ? -1 : 1;
  int ra = cache_type_rank(a->type), rb = cache_type_rank(b->type);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (a->size_bytes != b->size_bytes) return a->size_bytes > b->size_bytes ? -1 : 1;
  if (a->num_sharing != b->num_sharing) return a->num_sharing < b->num_sharing ? -1 : 1;
  if (a->line_bytes != b->line_bytes) return a->line_bytes < b->line_bytes ? -1 : 1;
  return 0;
}

/* A cache "kind" is (level, type) as Google Benchmark reports it, but also
 * size, line and sharing: on hybrid parts (P and E cores) two L2s of the same
 * level and type differ in size, and folding them together would report a
 * size one of them does not have. On homogeneous machines this is exactly
 * grouping by (level, type). Kinds are collected in a scratch table larger
 * than HL_MAX_CACHE_KINDS, sorted, and the first HL_MAX_CACHE_KINDS kept. */
#define SCRATCH_KINDS 32

static void add_cache(hl_cache_info_t *kinds, unsigned *nkinds, hwloc_obj_t obj) {
  const struct hwloc_cache_attr_s *ca = &obj->attr->cache;
  hl_cache_info_t k = {.level = ca->depth,
                       .size_bytes = ca->size,
                       .line_bytes = ca->linesize,
                       .count = 1,
                       .num_sharing = (unsigned)hwloc_bitmap_weight(obj->cpuset)};
  snprintf(k.type, sizeof k.type, "%s", cache_type_word(ca->type));
  for (unsigned i = 0; i < *nkinds; i++) {
    hl_cache_info_t *e = &kinds[i];
    if (e->level == k.level && strcmp(e->type, k.type) == 0 && e->size_bytes == k.size_bytes &&
        e->line_bytes == k.line_bytes && e->num_sharing == k.num_sharing) {
      e->count++;
      return;
    }
  }
  if (*nkinds < SCRATCH_KINDS) kinds[(*nkinds)++] = k;
}

static void fill_caches(hwloc_topology_t hw, hl_topology_summary_t *out) {
  hl_cache_info_t kinds[SCRATCH_KINDS];
  unsigned nkinds = 0;
  for (int t = HWLOC_OBJ_TYPE_MIN; t < HWLOC_OBJ_TYPE_MAX; t++) {
    if (!hwloc_obj_type_is_cache((hwloc_obj_type_t)t)) continue;
    hwloc_obj_t obj = NULL;
    while ((obj = hwloc_get_next_obj_by_type(hw, (hwloc_obj_type_t)t, obj)))
      if (obj->cpuset) add_cache(kinds, &nkinds, obj);
  }
  qsort(kinds, nkinds, sizeof kinds[0], cache_kind_cmp);
  out->ncaches = nkinds < HL_MAX_CACHE_KINDS ? nkinds : HL_MAX_CACHE_KINDS;
  memcpy(out->cache, kinds, out->ncaches * sizeof kinds[0]);
}

int hl_topology_summary(const hl_topology_t *topo, hl_topology_summary_t *out) {
  if (!topo || !out) return HL_EINVAL;
  memset(out, 0, sizeof *out);
  fill_source(topo->hw, out->source, sizeof out->source);
  out->packages = count_type(topo->hw, HWLOC_OBJ_PACKAGE);
  out->numa_nodes = count_type(topo->hw, HWLOC_OBJ_NUMANODE);
  out->cores = count_type(topo->hw, HWLOC_OBJ_CORE);
  out->pus = count_type(topo->hw, HWLOC_OBJ_PU);
  fill_pu_list(topo->allowed, out->allowed_pus, sizeof out->allowed_pus);
  fill_caches(topo->hw, out);
  return 0;
}

/* ---- Binding ------------------------------------------------------------- */

/* Binds the calling thread to one PU of `set` (singlify keeps the first, so a
 * multi-PU set from hwloc_distrib still pins firmly). STRICT asks hwloc to
 * fail rather than bind loosely; THREAD leaves the other threads alone. */
static int bind_to(hl_topology_t *topo, hwloc_const_cpuset_t set, int *pu) {
  hwloc_bitmap_t one = hwloc_bitmap_dup(set);
  if (!one) return HL_ENOMEM;
  hwloc_bitmap_singlify(one);
  int rc = 0;
  int first = hwloc_bitmap_first(one);
  if (first < 0)
    rc = HL_EINVAL;
  else if (hwloc_set_cpubind(topo->hw, one, HWLOC_CPUBIND_THREAD | HWLOC_CPUBIND_STRICT) < 0)
    rc = HL_ESYS;
  else
    *pu = first;
  hwloc_bitmap_free(one);
  return rc;
}

/* compact: the (i mod nallowed)-th allowed PU in logical order, so
 * consecutive threads share a core's PUs before moving to the next core. */
static int bind_compact(hl_topology_t *topo, unsigned thread_index, int *pu) {
  unsigned k = thread_index % topo->nallowed;
  hwloc_obj_t obj = hwloc_get_obj_inside_cpuset_by_type(topo->hw, topo->allowed, HWLOC_OBJ_PU, k);
  if (!obj || !obj->cpuset) return HL_EUNAVAIL;
  return bind_to(topo, obj->cpuset, pu);
}

/* scatter: hwloc_distrib() spreads n items over the largest objects inside
 * the allowed cpuset, splitting packages, then cores, first. n is
 * min(threads, nallowed) and thread i takes set i mod n: up to nallowed
 * threads each get their own PU, and beyond that the assignment wraps around
 * (thread nallowed lands where thread 0 did) instead of distrib's own
 * overflow, which would stack threads 0 and 1 together while later PUs fill
 * up. The sets are recomputed per call into per-call memory; binding happens
 * once per thread, and nothing shared is written. */
static int bind_scatter(hl_topology_t *topo, unsigned thread_index, unsigned threads, int *pu) {
  unsigned n = threads < topo->nallowed ? threads : topo->nallowed;
  hwloc_obj_t *roots = calloc(topo->nallowed, sizeof *roots);
  hwloc_cpuset_t *sets = calloc(n, sizeof *sets);
  int rc = HL_ENOMEM;
  if (!roots || !sets) goto out;
  rc = HL_ESYS;
  int nroots =
      hwloc_get_largest_objs_inside_cpuset(topo->hw, topo->allowed, roots, (int)topo->nallowed);
  if (nroots <= 0) goto out;
  if (hwloc_distrib(topo->hw, roots, (unsigned)nroots, sets, n, INT_MAX, 0) < 0) goto out;
  hwloc_cpuset_t mine = sets[thread_index % n];
  rc = mine ? bind_to(topo, mine, pu) : HL_ENOMEM;
out:
  for (unsigned i = 0; sets && i < n; i++)
    hwloc_bitmap_free(sets[i]);
  free(sets);
  free(roots);
  return rc;
}

int hl_topology_bind_thread(hl_topology_t *topo, hl_pin_t pin, unsigned thread_index,
                            unsigned threads, int *pu_os_index) {
  int rc = check_bind_args(pin, thread_index, threads);
  if (rc) return rc;
  int pu = -1;
  if (pin != HL_PIN_NONE) {
    if (!topo) return HL_EINVAL;
    if (!topo->can_bind) return HL_EUNAVAIL;
    rc = pin == HL_PIN_COMPACT ? bind_compact(topo, thread_index, &pu)
                               : bind_scatter(topo, thread_index, threads, &pu);
    if (rc) return rc;
  }
  if (pu_os_index) *pu_os_index = pu;
  return 0;
}

/* hwloc's answer is a sample of where the thread last ran; sched_getcpu()
 * is the same sample by another road and covers a platform where hwloc
 * cannot tell. */
int hl_topology_last_cpu(hl_topology_t *topo) {
  if (topo) {
    hwloc_bitmap_t set = hwloc_bitmap_alloc();
    int cpu = -1;
    if (set && hwloc_get_last_cpu_location(topo->hw, set, HWLOC_CPUBIND_THREAD) == 0)
      cpu = hwloc_bitmap_first(set);
    hwloc_bitmap_free(set);
    if (cpu >= 0) return cpu;
  }
  int cpu = sched_getcpu();
  return cpu >= 0 ? cpu : -1;
}

#else /* !HL_HAVE_HWLOC */

/* Without hwloc there is no topology object: load always fails, so every
 * other entry point sees NULL (or a pointer it did not get from us). */

int hl_topology_load(hl_topology_t **out) {
  if (out) *out = NULL;
  return HL_EUNAVAIL;
}

void hl_topology_free(hl_topology_t *topo) {
  (void)topo;
}

int hl_topology_summary(const hl_topology_t *topo, hl_topology_summary_t *out) {
  (void)topo;
  if (out) memset(out, 0, sizeof *out);
  return HL_EUNAVAIL;
}

int hl_topology_bind_thread(hl_topology_t *topo, hl_pin_t pin, unsigned thread_index,
                            unsigned threads, int *pu_os_index) {
  (void)topo;
  int rc = check_bind_args(pin, thread_index, threads);
  if (rc) return rc;
  if (pin != HL_PIN_NONE) return HL_EUNAVAIL;
  if (pu_os_index) *pu_os_index = -1;
  return 0;
}

int hl_topology_last_cpu(hl_topology_t *topo) {
  (void)topo;
  int cpu = sched_getcpu();
  return cpu >= 0 ? cpu : -1;
}

#endif /* HL_HAVE_HWLOC */
