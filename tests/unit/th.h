/* A tiny assertion helper for heaplab's unit tests: each failed check prints
 * file:line, the expression and both values, and the test exits 1 at the end
 * (after running every check). Exit 77 = skipped, 99 = harness error, as meson
 * expects. */
#ifndef HL_TH_H
#define HL_TH_H

#include <inttypes.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* atomic: the collector tests check from several threads */
static _Atomic int th_failures;
static _Atomic int th_checks;

#define TH_FAIL(fmt, ...)                                                                          \
  do {                                                                                             \
    th_failures++;                                                                                 \
    fprintf(stderr, "%s:%d: FAIL: " fmt "\n", __FILE__, __LINE__, __VA_ARGS__);                    \
  } while (0)

#define CHECK(expr)                                                                                \
  do {                                                                                             \
    th_checks++;                                                                                   \
    if (!(expr)) TH_FAIL("%s", #expr);                                                             \
  } while (0)

#define CHECK_INT(a, b)                                                                            \
  do {                                                                                             \
    th_checks++;                                                                                   \
    long long th_a = (long long)(a), th_b = (long long)(b);                                        \
    if (th_a != th_b) TH_FAIL("%s == %s (%lld vs %lld)", #a, #b, th_a, th_b);                      \
  } while (0)

#define CHECK_U64(a, b)                                                                            \
  do {                                                                                             \
    th_checks++;                                                                                   \
    uint64_t th_a = (uint64_t)(a), th_b = (uint64_t)(b);                                           \
    if (th_a != th_b) TH_FAIL("%s == %s (%" PRIu64 " vs %" PRIu64 ")", #a, #b, th_a, th_b);        \
  } while (0)

#define CHECK_STR(a, b)                                                                            \
  do {                                                                                             \
    th_checks++;                                                                                   \
    const char *th_a = (a), *th_b = (b);                                                           \
    if (!th_a || !th_b || strcmp(th_a, th_b) != 0)                                                 \
      TH_FAIL("%s == %s (\"%s\" vs \"%s\")", #a, #b, th_a ? th_a : "(null)",                       \
              th_b ? th_b : "(null)");                                                             \
  } while (0)

/* |a - b| <= tol * max(1, |b|) */
#define CHECK_NEAR(a, b, tol)                                                                      \
  do {                                                                                             \
    th_checks++;                                                                                   \
    double th_a = (double)(a), th_b = (double)(b);                                                 \
    double th_s = fabs(th_b) > 1 ? fabs(th_b) : 1;                                                 \
    if (!(fabs(th_a - th_b) <= (tol)*th_s))                                                        \
      TH_FAIL("%s ~= %s (%.17g vs %.17g)", #a, #b, th_a, th_b);                                    \
  } while (0)

static inline int th_done(const char *name) {
  if (th_checks == 0) {
    fprintf(stderr, "%s: no checks ran\n", name);
    return 99;
  }
  fprintf(stderr, "%s: %d checks, %d failed\n", name, th_checks, th_failures);
  return th_failures ? 1 : 0;
}

#endif
