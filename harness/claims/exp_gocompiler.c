/* The Go compiler as referee: C6 (a heap decision becomes a call to the
 * runtime's allocator, a stack one does not) and C7 (the article's table of
 * escape decisions), from `go tool compile -m=1 -S` on the article's own
 * examples.
 *
 * The evidence of a heap allocation is the function's assembly: a call to
 * one of the runtime's allocation entry points (newobject, makeslice,
 * growslice, the convT family that boxes a value in an interface, mallocgc).
 * The -m messages ("moved to heap: x", "escapes to heap", "does not
 * escape") are kept beside it as the compiler's own words. Every function
 * is //go:noinline, so it is decided where it is written. */
#include "error.h"
#include "experiments.h"
#include "gotool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const alloc_calls[] = {"runtime.newobject(SB)", "runtime.makeslice(SB)",
                                          "runtime.growslice(SB)", "runtime.convT",
                                          "runtime.mallocgc(SB)", NULL};

/* The assembly of main.NAME: from its STEXT line to the next symbol's. */
static int asm_block(const char *out, const char *fn, const char **begin, const char **end) {
  char head[96];
  snprintf(head, sizeof head, "\nmain.%s STEXT", fn);
  const char *b = strstr(out, head);
  if (!b)
    return 0;
  const char *e = strstr(b + strlen(head), " STEXT");
  *begin = b;
  *end = e ? e : b + strlen(b);
  return 1;
}

/* Whether main.NAME calls the allocator: 1 yes, 0 no, -1 no such function. */
static int calls_allocator(const char *out, const char *fn) {
  const char *b, *e;
  if (!asm_block(out, fn, &b, &e))
    return -1;
  for (const char *p = b; p < e; p++) {
    if (strncmp(p, "CALL\t", 5) != 0)
      continue;
    for (size_t i = 0; alloc_calls[i]; i++)
      if (strncmp(p + 5, alloc_calls[i], strlen(alloc_calls[i])) == 0)
        return 1;
  }
  return 0;
}

/* The compiler's -m messages for source line `line`, joined, into buf. */
static void messages_at(const char *out, int line, char *buf, size_t len) {
  char key[32];
  snprintf(key, sizeof key, "main.go:%d:", line);
  size_t n = 0;
  buf[0] = '\0';
  for (const char *p = out; (p = strstr(p, key)) != NULL; p++) {
    const char *msg = strchr(p + strlen(key), ' ');
    const char *eol = strchr(p, '\n');
    if (!msg || !eol || msg > eol || n + 4 >= len)
      continue;
    n += (size_t)snprintf(buf + n, len - n, "%s%.*s", n ? "; " : "", (int)(eol - msg - 1),
                          msg + 1);
  }
  if (n >= len)
    buf[len - 1] = '\0';
}

static int compile(const hl_claim_input_t *in, hl_claim_result_t *r, const char *name,
                   const char *src, char **out) {
  char version[128];
  if (hl_go_version(in->dir, version, sizeof version) != 0) {
    r->verdict = HL_NOT_MEASURABLE;
    snprintf(r->figure, sizeof r->figure, "-");
    snprintf(r->condition, sizeof r->condition, "%s", version);
    snprintf(r->confidence, sizeof r->confidence, "no experiment");
    return 1;
  }
  snprintf(r->confidence, sizeof r->confidence,
           "decided by the compiler (%s): exact, one compilation", version);
  return hl_go_compile(in->dir, name, src, out) == 0 ? 0 : -1;
}

/* ---- C6 ------------------------------------------------------------------ */

static const char c6_src[] = "package main\n"
                             "\n"
                             "//go:noinline\n"
                             "func bad() *int { i := 42; return &i }\n"
                             "\n"
                             "//go:noinline\n"
                             "func good() int { return 42 }\n"
                             "\n"
                             "func main() { println(*bad(), good()) }\n";

int hl_decide_c6(const hl_claim_input_t *in, hl_claim_result_t *r) {
  char *out = NULL, msg[256];
  int rc = compile(in, r, "c6", c6_src, &out);
  if (rc != 0)
    return rc > 0 ? 0 : HL_EINVAL;
  int bad = calls_allocator(out, "bad"), good = calls_allocator(out, "good");
  messages_at(out, 4, msg, sizeof msg);
  hl_claim_row(r, "bad(): i := 42; return &i", "%s; %s", bad == 1 ? "calls runtime.newobject" :
               "no allocator call", msg[0] ? msg : "no -m message");
  messages_at(out, 7, msg, sizeof msg);
  hl_claim_row(r, "good(): return 42", "%s%s%s", good == 1 ? "calls the allocator" :
               "no allocator call (a register)", msg[0] ? "; " : "", msg);
  free(out);
  if (bad < 0 || good < 0)
    return HL_EINVAL;
  r->verdict = bad == 1 && good == 0 ? HL_HOLDS : HL_DOES_NOT_HOLD;
  snprintf(r->figure, sizeof r->figure, "bad() %s, good() %s",
           bad == 1 ? "calls runtime.newobject" : "allocates nothing",
           good == 1 ? "allocates" : "allocates nothing");
  return 0;
}

/* ---- C7 ------------------------------------------------------------------ */

typedef struct c7_case {
  const char *pattern; /* the article's row */
  const char *fn;
  int article_heap; /* what the article says: 1 escapes */
  const char *code; /* the function, one line */
} c7_case_t;

static const c7_case_t c7_cases[] = {
    {"return a local's address", "retAddr", 1, "func retAddr() *S { s := S{a: 1}; return &s }"},
    {"closure capturing a local", "capture", 1,
     "func capture() func() int { x := 1; return func() int { x++; return x } }"},
    {"slice of unknown length", "sliceN", 1,
     "func sliceN(n int) int { b := make([]byte, n); return len(b) }"},
    {"slice grown past its stack array", "sliceGrow", 1,
     "func sliceGrow(n int) int { b := make([]byte, 0, 8); for i := 0; i < n; i++ "
     "{ b = append(b, 1) }; return len(b) }"},
    {"interface holding a struct value", "ifaceValue", 0,
     "func ifaceValue() { sink = S{a: 1} }"},
    {"interface holding a struct value, used locally", "ifaceValueLocal", 0,
     "func ifaceValueLocal() bool { var i interface{} = S{a: 1}; _, ok := i.(S); return ok }"},
    {"interface holding a pointer to a stack object", "ifacePtr", 1,
     "func ifacePtr() { s := S{a: 1}; sink = &s }"},
    {"interface holding a pointer to a stack object, used locally", "ifacePtrLocal", 1,
     "func ifacePtrLocal() int64 { s := S{a: 1}; var i interface{} = &s; p := i.(*S); "
     "return p.a }"},
};
#define C7_N (sizeof c7_cases / sizeof c7_cases[0])
#define C7_FIRST_LINE 8 /* the line of the first case's function (c7_source) */

/* The source: a header of 6 lines, then per case //go:noinline and the
 * function on one line each, then main. Case i's function is on line
 * C7_FIRST_LINE + 2 i. */
static char *c7_source(void) {
  size_t cap = 4096;
  char *s = malloc(cap);
  if (!s)
    return NULL;
  size_t n = (size_t)snprintf(s, cap, "package main\n\ntype S struct{ a, b, c, d int64 }\n\n"
                                      "var sink interface{}\n\n");
  for (size_t i = 0; i < C7_N; i++)
    n += (size_t)snprintf(s + n, cap - n, "//go:noinline\n%s\n", c7_cases[i].code);
  n += (size_t)snprintf(s + n, cap - n, "\nfunc main() {\n\t_ = capture()\n\tretAddr(); "
                                        "sliceN(3); sliceGrow(3); ifaceValue(); "
                                        "ifaceValueLocal(); ifacePtr(); ifacePtrLocal()\n}\n");
  if (n >= cap) {
    free(s);
    return NULL;
  }
  return s;
}

int hl_decide_c7(const hl_claim_input_t *in, hl_claim_result_t *r) {
  char *src = c7_source(), *out = NULL;
  if (!src)
    return HL_ENOMEM;
  int rc = compile(in, r, "c7", src, &out);
  free(src);
  if (rc != 0)
    return rc > 0 ? 0 : HL_EINVAL;
  size_t agree = 0, len = 0, iface_only = 1;
  char differ[256] = "", msg[200];
  for (size_t i = 0; i < C7_N; i++) {
    const c7_case_t *c = &c7_cases[i];
    int heap = calls_allocator(out, c->fn);
    if (heap < 0) {
      free(out);
      return HL_EINVAL;
    }
    messages_at(out, C7_FIRST_LINE + 2 * (int)i, msg, sizeof msg);
    hl_claim_row_value(r, c->pattern, heap == c->article_heap, "article: %s; Go: %s (%s)",
                       c->article_heap ? "heap" : "stack", heap ? "heap" : "stack",
                       msg[0] ? msg : "no -m message");
    if (heap == c->article_heap) {
      agree++;
      continue;
    }
    iface_only &= strstr(c->pattern, "interface") != NULL;
    if (len < sizeof differ)
      len += (size_t)snprintf(differ + len, sizeof differ - len, "%s%s", len ? "; " : "",
                              c->pattern);
  }
  free(out);
  snprintf(r->value_unit, sizeof r->value_unit, "1: agrees");
  r->verdict = agree == C7_N ? HL_HOLDS : agree == 0 ? HL_DOES_NOT_HOLD : HL_DEPENDS;
  snprintf(r->figure, sizeof r->figure, "the compiler agrees with the table on %zu of %zu patterns",
           agree, (size_t)C7_N);
  if (r->verdict == HL_DEPENDS)
    snprintf(r->condition, sizeof r->condition,
             "it differs on: %s%s", differ,
             iface_only ? ". What moves an interface's value to the heap is whether the "
                          "interface escapes, not whether it holds a value or a pointer"
                        : "");
  return 0;
}
