/* gctrace lines back into cycles (gctrace.h). A small scanner over the
 * line rather than sscanf: sscanf's %f accepts forms Go never prints and
 * cannot say where a literal stopped matching. */
#include "gctrace.h"

#include <stdint.h>
#include <string.h>

typedef struct cursor {
  const char *p, *end;
} cursor_t;

static int lit(cursor_t *c, const char *s) {
  size_t n = strlen(s);
  if ((size_t)(c->end - c->p) < n || memcmp(c->p, s, n) != 0) return 0;
  c->p += n;
  return 1;
}

static int uint_(cursor_t *c, uint64_t *v) {
  if (c->p >= c->end || *c->p < '0' || *c->p > '9') return 0;
  *v = 0;
  while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
    *v = *v * 10 + (uint64_t)(*c->p++ - '0');
  return 1;
}

/* A decimal such as 7.9 or 0.055 (Go's itoaDiv), scaled by `scale`
 * (1e6: milliseconds to ns; 1e9: seconds to ns), exactly. */
static int decimal(cursor_t *c, uint64_t scale, uint64_t *out) {
  uint64_t whole, frac = 0, div = 1;
  if (!uint_(c, &whole)) return 0;
  if (c->p < c->end && *c->p == '.') {
    c->p++;
    if (c->p >= c->end || *c->p < '0' || *c->p > '9') return 0;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
      if (div < 1000000000u) {
        frac = frac * 10 + (uint64_t)(*c->p - '0');
        div *= 10;
      }
      c->p++;
    }
  }
  *out = whole * scale + frac * scale / div;
  return 1;
}

static int mib(cursor_t *c, uint64_t *bytes) {
  uint64_t v;
  if (!uint_(c, &v)) return 0;
  *bytes = v << 20;
  return 1;
}

/* "A+B+C" or "A+B/C/D+E" of milliseconds into ns. */
static int phases(cursor_t *c, uint64_t *ns, int n) {
  for (int i = 0; i < n; i++) {
    if (i && !lit(c, (n == 5 && (i == 2 || i == 3)) ? "/" : "+")) return 0;
    if (!decimal(c, 1000000u, &ns[i])) return 0;
  }
  return 1;
}

static int heap_part(cursor_t *c, hl_gc_cycle_t *g) {
  if (!mib(c, &g->heap_start_bytes) || !lit(c, "->") || !mib(c, &g->heap_end_bytes) ||
      !lit(c, "->") || !mib(c, &g->heap_marked_bytes) || !lit(c, " MB, ") ||
      !mib(c, &g->heap_goal_bytes) || !lit(c, " MB goal, "))
    return 0;
  cursor_t save = *c;
  uint64_t v;
  /* Go >= 1.18: stacks and globals before the P count */
  if (mib(c, &g->stack_scan_bytes) && lit(c, " MB stacks, ")) {
    if (!mib(c, &g->globals_scan_bytes) || !lit(c, " MB globals, ")) return 0;
  } else {
    *c = save;
    g->stack_scan_bytes = g->globals_scan_bytes = 0;
  }
  if (!uint_(c, &v) || !lit(c, " P")) return 0;
  g->procs = (uint32_t)v;
  return 1;
}

int hl_gctrace_parse(const char *line, size_t len, hl_gc_cycle_t *out) {
  cursor_t c = {line, line + len};
  hl_gc_cycle_t g;
  uint64_t pct;
  memset(&g, 0, sizeof g);
  while (c.end > c.p && (c.end[-1] == '\n' || c.end[-1] == '\r'))
    c.end--;
  if (!lit(&c, "gc ") || !uint_(&c, &g.num) || !lit(&c, " @") ||
      !decimal(&c, 1000000000u, &g.start_ns) || !lit(&c, "s ") || !uint_(&c, &pct) ||
      !lit(&c, "%: ") || !phases(&c, g.clock_ns, 3) || !lit(&c, " ms clock, ") ||
      !phases(&c, g.cpu_ns, 5) || !lit(&c, " ms cpu, ") || !heap_part(&c, &g))
    return 0;
  if (lit(&c, " (forced)")) g.forced = 1;
  if (c.p != c.end) return 0;
  g.gc_cpu_fraction = (double)pct / 100.0;
  g.pause_ns = g.clock_ns[0] + g.clock_ns[2];
  *out = g;
  return 1;
}
