/* Unit test of harness/worker/topology.c against what the OS itself says.
 *
 * The summary is checked against sched_getaffinity() and sysfs (the kernel's
 * own cache description), not against hwloc, so a wrong mapping in
 * topology.c shows up. Binding is checked from real pthreads that bind at the
 * same moment (a barrier), then read back where they run (sched_getcpu, the
 * thread's affinity mask) and leave the main thread's mask alone. Built with
 * HL_HAVE_HWLOC=0 it checks the documented fallbacks instead. It does not
 * check that scatter spreads across packages: a 1-package VM cannot show it.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "topology.h"

#include "error.h"
#include "th.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HL_HAVE_HWLOC
#define HL_HAVE_HWLOC 0
#endif

static cpu_set_t proc_affinity; /* the main thread's mask at start */

static void test_pin_names(void) {
  static const char *const names[] = {"none", "compact", "scatter"};
  static const hl_pin_t pins[] = {HL_PIN_NONE, HL_PIN_COMPACT, HL_PIN_SCATTER};
  for (size_t i = 0; i < 3; i++) {
    hl_pin_t p = (hl_pin_t)-1;
    CHECK_INT(hl_pin_parse(names[i], &p), 0);
    CHECK_INT(p, pins[i]);
    CHECK_STR(hl_pin_name(pins[i]), names[i]);
  }
  hl_pin_t p = HL_PIN_SCATTER;
  CHECK_INT(hl_pin_parse("spread", &p), HL_EPARSE);
  CHECK_INT(hl_pin_parse("Compact", &p), HL_EPARSE);
  CHECK_INT(hl_pin_parse("", &p), HL_EPARSE);
  CHECK_INT(p, HL_PIN_SCATTER); /* untouched on error */
  CHECK_INT(hl_pin_parse(NULL, &p), HL_EINVAL);
}

/* HL_PIN_NONE must not touch the mask; done on the main thread, so a wrong
 * implementation would show up in every later check too. */
static void test_pin_none(hl_topology_t *topo) {
  cpu_set_t before, after;
  CHECK_INT(sched_getaffinity(0, sizeof before, &before), 0);
  int pu = 12345;
  CHECK_INT(hl_topology_bind_thread(topo, HL_PIN_NONE, 0, 1, &pu), 0);
  CHECK_INT(pu, -1);
  pu = 12345;
  CHECK_INT(hl_topology_bind_thread(topo, HL_PIN_NONE, 3, 4, &pu), 0);
  CHECK_INT(pu, -1);
  CHECK_INT(sched_getaffinity(0, sizeof after, &after), 0);
  CHECK(CPU_EQUAL(&before, &after));
}

static void test_last_cpu(hl_topology_t *topo) {
  int cpu = hl_topology_last_cpu(topo);
  CHECK(cpu >= 0);
  CHECK(cpu >= 0 && cpu < CPU_SETSIZE && CPU_ISSET(cpu, &proc_affinity));
}

#if HL_HAVE_HWLOC

/* ---- Parsing the kernel's formats ---------------------------------------- */

/* "0-3,5,7-8" into *set; -1 on anything else (including hwloc's ",..."). */
static int parse_cpu_list(const char *s, cpu_set_t *set) {
  CPU_ZERO(set);
  if (!*s) return -1;
  while (*s) {
    char *end;
    long lo = strtol(s, &end, 10), hi;
    if (end == s || lo < 0) return -1;
    hi = lo;
    if (*end == '-') {
      s = end + 1;
      hi = strtol(s, &end, 10);
      if (end == s || hi < lo) return -1;
    }
    if (hi >= CPU_SETSIZE) return -1;
    for (long c = lo; c <= hi; c++)
      CPU_SET((int)c, set);
    if (*end == ',')
      end++;
    else if (*end && *end != '\n')
      return -1;
    else if (*end == '\n')
      end++;
    s = end;
  }
  return 0;
}

static int read_sysfs(const char *path, char *buf, size_t len) {
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  char *ok = fgets(buf, (int)len, f);
  fclose(f);
  if (!ok) return -1;
  buf[strcspn(buf, "\n")] = '\0';
  return 0;
}

/* ---- Summary ------------------------------------------------------------- */

/* hwloc's allowed set is online CPUs within the cgroup cpuset; the affinity
 * mask lies inside it and is narrower only under taskset or a cgroup. When
 * the mask is every online CPU, neither applies and the two must be equal. */
static int affinity_is_all_online(void) {
  char buf[256];
  cpu_set_t online;
  if (read_sysfs("/sys/devices/system/cpu/online", buf, sizeof buf) != 0) return 0;
  if (parse_cpu_list(buf, &online) != 0) return 0;
  return CPU_EQUAL(&online, &proc_affinity);
}

static void check_counts(const hl_topology_summary_t *s) {
  int nproc = CPU_COUNT(&proc_affinity);
  CHECK((int)s->pus >= nproc);
  if (affinity_is_all_online())
    CHECK_INT(s->pus, nproc);
  else
    fprintf(stderr, "test_topology: note: affinity narrower than online CPUs\n");
  CHECK(s->cores >= 1 && s->cores <= s->pus);
  CHECK(s->packages >= 1 && s->packages <= s->cores);
  CHECK(s->numa_nodes >= 1);
  CHECK(strncmp(s->source, "hwloc ", 6) == 0);
  CHECK(s->source[6] >= '1' && s->source[6] <= '9');
}

static void check_allowed_list(const hl_topology_summary_t *s) {
  cpu_set_t allowed, both;
  CHECK_INT(parse_cpu_list(s->allowed_pus, &allowed), 0);
  CHECK_INT(CPU_COUNT(&allowed), s->pus);
  CPU_AND(&both, &allowed, &proc_affinity);
  CHECK(CPU_EQUAL(&both, &proc_affinity)); /* affinity is inside allowed */
  if (affinity_is_all_online()) CHECK(CPU_EQUAL(&allowed, &proc_affinity));
}

static int type_rank(const char *t) {
  if (strcmp(t, "Data") == 0) return 0;
  if (strcmp(t, "Instruction") == 0) return 1;
  if (strcmp(t, "Unified") == 0) return 2;
  return -1;
}

static void check_cache_shape(const hl_topology_summary_t *s) {
  int l1d = 0;
  CHECK(s->ncaches >= 1 && s->ncaches <= HL_MAX_CACHE_KINDS);
  for (unsigned i = 0; i < s->ncaches && i < HL_MAX_CACHE_KINDS; i++) {
    const hl_cache_info_t *c = &s->cache[i];
    CHECK(type_rank(c->type) >= 0);
    CHECK(c->level >= 1 && c->level <= 5);
    CHECK(c->count >= 1 && c->num_sharing >= 1);
    CHECK((uint64_t)c->count * c->num_sharing <= s->pus);
    if (c->level == 1 && strcmp(c->type, "Data") == 0 && c->size_bytes > 0) l1d++;
    if (i == 0) continue;
    const hl_cache_info_t *p = &s->cache[i - 1];
    CHECK(p->level < c->level ||
          (p->level == c->level && type_rank(p->type) <= type_rank(c->type)));
  }
  CHECK(l1d >= 1);
}

static const hl_cache_info_t *find_kind(const hl_topology_summary_t *s, unsigned level,
                                        const char *type, uint64_t size_bytes) {
  for (unsigned i = 0; i < s->ncaches && i < HL_MAX_CACHE_KINDS; i++) {
    const hl_cache_info_t *c = &s->cache[i];
    if (c->level == level && strcmp(c->type, type) == 0 && c->size_bytes == size_bytes) return c;
  }
  return NULL;
}

/* One sysfs cache index of `cpu` must appear as a kind with the same level,
 * type, size, line and sharing (counted inside the allowed set, as hwloc
 * drops disallowed PUs). Returns 0 when the index does not exist. */
static int check_sysfs_index(const hl_topology_summary_t *s, const cpu_set_t *allowed, int cpu,
                             int index) {
  char dir[128], path[192], level[16], type[32], size[32], line[32], shared[256];
  snprintf(dir, sizeof dir, "/sys/devices/system/cpu/cpu%d/cache/index%d", cpu, index);
#define RD(name, buf)                                                                              \
  (snprintf(path, sizeof path, "%s/" name, dir), read_sysfs(path, buf, sizeof buf))
  if (RD("level", level) || RD("type", type) || RD("size", size)) return 0;
  int have_line = RD("coherency_line_size", line) == 0;
  int have_shared = RD("shared_cpu_list", shared) == 0;
#undef RD
  char *unit;
  uint64_t bytes = strtoull(size, &unit, 10);
  bytes <<= *unit == 'K' ? 10 : *unit == 'M' ? 20 : 0;
  const hl_cache_info_t *c = find_kind(s, (unsigned)atoi(level), type, bytes);
  th_checks++;
  if (!c) {
    TH_FAIL("sysfs cache L%s %s %s of cpu%d is not in the summary", level, type, size, cpu);
    return 1;
  }
  if (have_line) CHECK_INT(c->line_bytes, atoi(line));
  cpu_set_t sharing;
  if (have_shared && parse_cpu_list(shared, &sharing) == 0) {
    CPU_AND(&sharing, &sharing, allowed);
    CHECK_INT(c->num_sharing, CPU_COUNT(&sharing));
  }
  return 1;
}

static void check_caches_vs_sysfs(const hl_topology_summary_t *s) {
  cpu_set_t allowed;
  if (parse_cpu_list(s->allowed_pus, &allowed) != 0) return; /* failed above */
  int cpu = 0;
  while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed))
    cpu++;
  int seen = 0;
  for (int index = 0; index < 16; index++)
    seen += check_sysfs_index(s, &allowed, cpu, index);
  if (!seen) fprintf(stderr, "test_topology: note: no sysfs cache info for cpu%d\n", cpu);
}

static void print_summary(const hl_topology_summary_t *s) {
  fprintf(stderr, "test_topology: %s packages=%u numa=%u cores=%u pus=%u allowed=%s\n", s->source,
          s->packages, s->numa_nodes, s->cores, s->pus, s->allowed_pus);
  for (unsigned i = 0; i < s->ncaches && i < HL_MAX_CACHE_KINDS; i++)
    fprintf(stderr, "test_topology:   L%u %-11s size=%llu line=%u count=%u sharing=%u\n",
            s->cache[i].level, s->cache[i].type, (unsigned long long)s->cache[i].size_bytes,
            s->cache[i].line_bytes, s->cache[i].count, s->cache[i].num_sharing);
}

static void test_summary(hl_topology_t *topo, hl_topology_summary_t *s) {
  CHECK_INT(hl_topology_summary(topo, s), 0);
  print_summary(s);
  check_counts(s);
  check_allowed_list(s);
  check_cache_shape(s);
  check_caches_vs_sysfs(s);
  CHECK_INT(hl_topology_summary(NULL, s), HL_EINVAL);
}

/* ---- Binding from threads ------------------------------------------------ */

typedef struct worker {
  hl_topology_t *topo;
  pthread_barrier_t *start;
  hl_pin_t pin;
  unsigned index, threads;
  int rc, pu, cpu_seen, last_cpu;
  cpu_set_t mask; /* this thread's mask after binding */
} worker_t;

static void *worker_main(void *arg) {
  worker_t *w = arg;
  pthread_barrier_wait(w->start);
  w->rc = hl_topology_bind_thread(w->topo, w->pin, w->index, w->threads, &w->pu);
  for (volatile unsigned long spin = 0; spin < 2000000; spin++)
    continue;
  w->cpu_seen = sched_getcpu();
  w->last_cpu = hl_topology_last_cpu(w->topo);
  sched_getaffinity(0, sizeof w->mask, &w->mask);
  return NULL;
}

/* Runs threads [first, first+n) of a `threads`-thread pinning in n real
 * pthreads at once; returns the number that bound and ran where told. */
static int run_workers(hl_topology_t *topo, hl_pin_t pin, unsigned first, unsigned n,
                       unsigned threads, worker_t *w) {
  pthread_t tid[CPU_SETSIZE];
  pthread_barrier_t start;
  pthread_barrier_init(&start, NULL, n);
  for (unsigned i = 0; i < n; i++) {
    w[i] = (worker_t){.topo = topo,
                      .start = &start,
                      .pin = pin,
                      .index = first + i,
                      .threads = threads,
                      .rc = 1,
                      .pu = -2};
    if (pthread_create(&tid[i], NULL, worker_main, &w[i]) != 0) exit(99);
  }
  int good = 0;
  for (unsigned i = 0; i < n; i++) {
    pthread_join(tid[i], NULL);
    CHECK_INT(w[i].rc, 0);
    CHECK(w[i].pu >= 0 && w[i].pu < CPU_SETSIZE);
    if (w[i].rc || w[i].pu < 0 || w[i].pu >= CPU_SETSIZE) continue;
    CHECK_INT(w[i].cpu_seen, w[i].pu);
    CHECK_INT(w[i].last_cpu, w[i].pu);
    CHECK_INT(CPU_COUNT(&w[i].mask), 1);
    CHECK(CPU_ISSET(w[i].pu, &w[i].mask));
    good += w[i].cpu_seen == w[i].pu;
  }
  pthread_barrier_destroy(&start);
  return good;
}

/* n threads of an n-thread pinning land on n distinct allowed PUs. */
static void check_distinct(hl_topology_t *topo, hl_pin_t pin, unsigned n, const cpu_set_t *allowed,
                           cpu_set_t *used, int *seq) {
  worker_t *w = calloc(n, sizeof *w);
  if (!w) exit(99);
  CHECK_INT(run_workers(topo, pin, 0, n, n, w), n);
  CPU_ZERO(used);
  for (unsigned i = 0; i < n; i++) {
    if (seq) seq[i] = w[i].pu;
    if (w[i].pu < 0 || w[i].pu >= CPU_SETSIZE) continue;
    CHECK(CPU_ISSET(w[i].pu, allowed));
    CPU_SET(w[i].pu, used);
  }
  CHECK_INT(CPU_COUNT(used), n);
  free(w);
}

/* Lowest OS index among the PUs of cpu's core (sysfs), -1 if unknown. */
static int core_key(int cpu) {
  char path[128], buf[256];
  cpu_set_t sib;
  snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu%d/topology/thread_siblings_list", cpu);
  if (read_sysfs(path, buf, sizeof buf) != 0 || parse_cpu_list(buf, &sib) != 0) return -1;
  for (int c = 0; c < CPU_SETSIZE; c++)
    if (CPU_ISSET(c, &sib)) return c;
  return -1;
}

/* compact follows hwloc's logical order. hwloc sorts siblings by the first
 * bit of their cpusets, so logical PU 0 is the lowest allowed OS index; and
 * a core's PUs come one after another (once the sequence leaves a core it
 * never returns), whatever the OS numbering of SMT siblings. */
static void check_compact_order(const int *seq, unsigned n, const cpu_set_t *allowed) {
  int lowest = 0;
  while (lowest < CPU_SETSIZE && !CPU_ISSET(lowest, allowed))
    lowest++;
  CHECK_INT(seq[0], lowest);
  for (unsigned i = 1; i < n; i++) {
    int ki = core_key(seq[i]);
    if (ki < 0 || ki == core_key(seq[i - 1])) continue;
    th_checks++;
    for (unsigned j = 0; j + 1 < i; j++)
      if (core_key(seq[j]) == ki) TH_FAIL("compact returns to cpu%d's core at %u", seq[i], i);
  }
}

/* With 2n threads, thread n+i wraps onto thread i's PU. */
static void check_wrap(hl_topology_t *topo, hl_pin_t pin, unsigned n) {
  worker_t *lo = calloc(n, sizeof *lo), *hi = calloc(n, sizeof *hi);
  if (!lo || !hi) exit(99);
  run_workers(topo, pin, 0, n, 2 * n, lo);
  run_workers(topo, pin, n, n, 2 * n, hi);
  for (unsigned i = 0; i < n; i++)
    CHECK_INT(hi[i].pu, lo[i].pu);
  free(lo);
  free(hi);
}

static void test_bind(hl_topology_t *topo, const hl_topology_summary_t *s) {
  cpu_set_t allowed, used, before, after;
  if (parse_cpu_list(s->allowed_pus, &allowed) != 0) return; /* failed above */
  unsigned n = (unsigned)CPU_COUNT(&allowed);
  CHECK_INT(sched_getaffinity(0, sizeof before, &before), 0);

  int *seq = calloc(n, sizeof *seq);
  if (!seq) exit(99);
  check_distinct(topo, HL_PIN_COMPACT, n, &allowed, &used, seq);
  CHECK(CPU_EQUAL(&used, &allowed)); /* compact covers the allowed set */
  check_compact_order(seq, n, &allowed);
  free(seq);
  check_distinct(topo, HL_PIN_SCATTER, n, &allowed, &used, NULL);
  CHECK(CPU_EQUAL(&used, &allowed));
  for (unsigned k = 1; k < n; k++)
    check_distinct(topo, HL_PIN_SCATTER, k, &allowed, &used, NULL);
  check_wrap(topo, HL_PIN_COMPACT, n);
  check_wrap(topo, HL_PIN_SCATTER, n);

  /* Only the calling (worker) threads were bound. */
  CHECK_INT(sched_getaffinity(0, sizeof after, &after), 0);
  CHECK(CPU_EQUAL(&before, &after));
}

static void test_bad_args(hl_topology_t *topo) {
  int pu = 7;
  CHECK_INT(hl_topology_bind_thread(topo, HL_PIN_COMPACT, 0, 0, &pu), HL_EINVAL);
  CHECK_INT(hl_topology_bind_thread(topo, HL_PIN_COMPACT, 2, 2, &pu), HL_EINVAL);
  CHECK_INT(hl_topology_bind_thread(topo, (hl_pin_t)9, 0, 1, &pu), HL_EINVAL);
  CHECK_INT(hl_topology_bind_thread(NULL, HL_PIN_SCATTER, 0, 1, &pu), HL_EINVAL);
  CHECK_INT(pu, 7); /* untouched on error */
  CHECK_INT(hl_topology_load(NULL), HL_EINVAL);
}

static void run_all(void) {
  hl_topology_t *topo = NULL;
  int rc = hl_topology_load(&topo);
  CHECK_INT(rc, 0);
  CHECK(topo != NULL);
  if (rc || !topo) return;
  hl_topology_summary_t s;
  test_summary(topo, &s);
  test_pin_none(topo);
  test_last_cpu(topo);
  test_bind(topo, &s);
  test_bad_args(topo);
  hl_topology_free(topo);
  hl_topology_free(NULL);
}

#else /* !HL_HAVE_HWLOC */

static void run_all(void) {
  hl_topology_t *topo = (hl_topology_t *)&proc_affinity; /* must be overwritten */
  CHECK_INT(hl_topology_load(&topo), HL_EUNAVAIL);
  CHECK(topo == NULL);
  hl_topology_summary_t s;
  CHECK_INT(hl_topology_summary(NULL, &s), HL_EUNAVAIL);
  int pu = 7;
  CHECK_INT(hl_topology_bind_thread(NULL, HL_PIN_COMPACT, 0, 1, &pu), HL_EUNAVAIL);
  CHECK_INT(hl_topology_bind_thread(NULL, HL_PIN_SCATTER, 0, 1, &pu), HL_EUNAVAIL);
  CHECK_INT(hl_topology_bind_thread(NULL, HL_PIN_NONE, 0, 0, &pu), HL_EINVAL);
  CHECK_INT(pu, 7);
  test_pin_none(NULL);
  test_last_cpu(NULL);
  hl_topology_free(NULL);
}

#endif /* HL_HAVE_HWLOC */

int main(void) {
  if (sched_getaffinity(0, sizeof proc_affinity, &proc_affinity) != 0) return 99;
  test_pin_names();
  run_all();
  return th_done("test_topology");
}
