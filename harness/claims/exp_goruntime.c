/* The Go runtime as referee: C14 (debug.SetGCPercent at run time applies
 * from the next cycle). A Go program builds a live set, churns, reads the
 * runtime's heap goal (MemStats.NextGC) and cycle count just before and
 * just after SetGCPercent(50), then churns on. The claim holds when the
 * call moves the goal of the coming collection to the new percentage
 * (NextGC scaled by about (1 + 0.5) / (1 + 1)) without running one itself,
 * and the collections after it keep the new goal. */
#include "error.h"
#include "experiments.h"
#include "gotool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char c14_src[] =
    "package main\n"
    "\n"
    "import (\n"
    "\t\"fmt\"\n"
    "\t\"runtime\"\n"
    "\t\"runtime/debug\"\n"
    ")\n"
    "\n"
    "var live [][]byte\n"
    "var sink []byte\n"
    "\n"
    "func churn(n int) {\n"
    "\tfor i := 0; i < n; i++ {\n"
    "\t\tsink = make([]byte, 1024)\n"
    "\t}\n"
    "}\n"
    "\n"
    "func show(when string) {\n"
    "\tvar ms runtime.MemStats\n"
    "\truntime.ReadMemStats(&ms)\n"
    "\tfmt.Printf(\"%s num_gc=%d next_gc=%d\\n\", when, ms.NumGC, ms.NextGC)\n"
    "}\n"
    "\n"
    "func main() {\n"
    "\tfor i := 0; i < 16*1024; i++ {\n"
    "\t\tlive = append(live, make([]byte, 1024))\n"
    "\t}\n"
    "\tchurn(64 * 1024)\n"
    "\tshow(\"before\")\n"
    "\tdebug.SetGCPercent(50)\n"
    "\tshow(\"after\")\n"
    "\tchurn(64 * 1024)\n"
    "\tshow(\"later\")\n"
    "}\n";

typedef struct reading {
  unsigned long long num_gc, next_gc;
} reading_t;

static int reading(const char *out, const char *when, reading_t *r) {
  char key[32];
  snprintf(key, sizeof key, "%s num_gc=", when);
  const char *p = strstr(out, key);
  return p && sscanf(p + strlen(when) + 1, "num_gc=%llu next_gc=%llu", &r->num_gc,
                     &r->next_gc) == 2;
}

int hl_decide_c14(const hl_claim_input_t *in, hl_claim_result_t *r) {
  char version[128];
  snprintf(r->confidence, sizeof r->confidence, "the Go runtime's own figures, one run");
  if (hl_go_version(in->dir, version, sizeof version) != 0) {
    r->verdict = HL_NOT_MEASURABLE;
    snprintf(r->figure, sizeof r->figure, "-");
    snprintf(r->condition, sizeof r->condition, "%s", version);
    return 0;
  }
  static const char *const env[] = {"GOGC=100", "GOMEMLIMIT=off", "GODEBUG=", NULL};
  char *out = NULL;
  if (hl_go_run(in->dir, "c14", c14_src, env, &out) != 0)
    return HL_EINVAL;
  reading_t before, after, later;
  int ok = reading(out, "before", &before) && reading(out, "after", &after) &&
           reading(out, "later", &later);
  free(out);
  if (!ok || before.next_gc == 0)
    return HL_EINVAL;
  double moved = (double)after.next_gc / (double)before.next_gc;
  hl_claim_row(r, "before SetGCPercent(50)", "%llu cycles, heap goal %.1f MiB", before.num_gc,
               before.next_gc / 1048576.0);
  hl_claim_row(r, "just after it", "%llu cycles, heap goal %.1f MiB (x%.2f)", after.num_gc,
               after.next_gc / 1048576.0, moved);
  hl_claim_row(r, "after 64 MiB more", "%llu cycles, heap goal %.1f MiB", later.num_gc,
               later.next_gc / 1048576.0);
  int no_forced_cycle = after.num_gc == before.num_gc;
  hl_verdict_t goal = hl_rule_within_factor(moved, 0.75, 1.1);
  r->verdict = no_forced_cycle && goal == HL_HOLDS ? HL_HOLDS
               : no_forced_cycle                   ? HL_DEPENDS
                                                   : HL_DOES_NOT_HOLD;
  snprintf(r->figure, sizeof r->figure,
           "the coming cycle's goal moved x%.2f at the call (%s), no cycle forced: %s", moved,
           version, no_forced_cycle ? "yes" : "no");
  snprintf(r->condition, sizeof r->condition,
           "SetGCPercent recomputes the goal of the next collection at once; it neither runs a "
           "collection nor waits for one (expected x0.75 for 100 -> 50)");
  return 0;
}
