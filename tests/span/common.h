/* Shared pieces of the tests in tests/span/: a deterministic PRNG, the
 * request-size distribution, block patterns, errno access that survives
 * clang's view of malloc, argument parsing, and TS_ASAN.
 *
 * The size distribution leans on the places where a Go-modelled span
 * allocator changes behaviour: size 0, the tiny allocator (< 16 bytes), each
 * of Go's 67 size-class boundaries and one byte either side (where rounding
 * moves a request to the next class), and the small/large cut at 32 KiB.
 * Patterns are a function of (block seed, byte offset), so a byte read back
 * can be checked without keeping a copy, a realloc'd prefix keeps its pattern,
 * and two blocks never share one. Nothing here allocates.
 */
#ifndef TS_COMMON_H
#define TS_COMMON_H

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tests/span: block patterns assume a little-endian machine"
#endif

/* TS_ASAN: built with AddressSanitizer (gcc's macro or clang's feature). */
#if defined(__SANITIZE_ADDRESS__)
#define TS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TS_ASAN 1
#endif
#endif

/* ---- splitmix64: one 64-bit state, good enough mixing, trivially seeded ---- */
typedef struct ts_rng {
  uint64_t state;
} ts_rng_t;

static inline uint64_t ts_mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static inline uint64_t ts_next(ts_rng_t *r) {
  r->state += 0x9E3779B97F4A7C15ull;
  return ts_mix64(r->state);
}

/* Uniform in [0, n) for n > 0 (the modulo bias is irrelevant here). */
static inline uint64_t ts_below(ts_rng_t *r, uint64_t n) {
  return ts_next(r) % n;
}

/* Go's small-object size classes (runtime/sizeclasses.go, class 1..67). */
static const uint32_t ts_go_class_bytes[] = {
    8,     16,    24,    32,    48,    64,    80,    96,    112,   128,   144,   160,
    176,   192,   208,   224,   240,   256,   288,   320,   352,   384,   416,   448,
    480,   512,   576,   640,   704,   768,   896,   1024,  1152,  1280,  1408,  1536,
    1792,  2048,  2304,  2688,  3072,  3200,  3456,  4096,  4864,  5376,  6144,  6528,
    6784,  6912,  8192,  9472,  9728,  10240, 10880, 12288, 13568, 14336, 16384, 18432,
    19072, 20480, 21760, 24576, 27264, 28672, 32768,
};
#define TS_GO_CLASSES (sizeof ts_go_class_bytes / sizeof ts_go_class_bytes[0])
#define TS_SMALL_MAX_BYTES 32768u
#define TS_LARGE_MAX_BYTES (4u << 20)

/* A number in [lo << e, 2 * (lo << e)) with e uniform in [0, octaves): a
 * log-uniform size, so each power of two gets the same share. */
static inline size_t ts_log_uniform(ts_rng_t *r, size_t lo, unsigned octaves) {
  size_t base = lo << ts_below(r, octaves);
  return base + (size_t)ts_below(r, base);
}

/* One request size. Shares (per mille): 20 zero, 180 tiny (1..15), 200 a Go
 * class boundary -1/0/+1, 300 small up to 1 KiB, the rest small up to 32 KiB,
 * except large_ppm per million that are large (32 KiB .. 4 MiB). */
static inline size_t ts_draw_size(ts_rng_t *r, unsigned large_ppm) {
  if (ts_below(r, 1000000) < large_ppm) return ts_log_uniform(r, TS_SMALL_MAX_BYTES, 7);
  uint64_t pick = ts_below(r, 1000);
  if (pick < 20) return 0;
  if (pick < 200) return 1 + (size_t)ts_below(r, 15);
  if (pick < 400) return ts_go_class_bytes[ts_below(r, TS_GO_CLASSES)] + ts_below(r, 3) - 1;
  if (pick < 700) return ts_log_uniform(r, 16, 6);
  return ts_log_uniform(r, 16, 11);
}

/* ---- patterns: byte i of a block is byte i % 8 of word i / 8 ---------------- */
static inline uint64_t ts_pat_word(uint64_t seed, uint64_t k) {
  uint64_t x = seed ^ (k * 0x9E3779B97F4A7C15ull);
  return x ^ (x >> 29);
}

static inline unsigned char ts_pat_byte(uint64_t seed, size_t i) {
  return (unsigned char)(ts_pat_word(seed, i / 8) >> (8 * (i % 8)));
}

/* Writes the pattern of `seed` into bytes [from, to) of block p. */
static inline void ts_pat_fill(unsigned char *p, uint64_t seed, size_t from, size_t to) {
  size_t i = from;
  for (; i < to && i % 8; i++)
    p[i] = ts_pat_byte(seed, i);
  /* Whole words: the hot loop of every test here, kept simple to vectorize. */
  size_t words_end = i + (to - i) / 8 * 8;
  for (; i < words_end; i += 8) {
    uint64_t w = ts_pat_word(seed, i / 8);
    memcpy(p + i, &w, 8);
  }
  for (; i < to; i++)
    p[i] = ts_pat_byte(seed, i);
}

/* Byte by byte: the first offset in [from, to) off the pattern, or SIZE_MAX. */
static inline size_t ts_pat_scan(const unsigned char *p, uint64_t seed, size_t from, size_t to) {
  for (size_t i = from; i < to; i++)
    if (p[i] != ts_pat_byte(seed, i)) return i;
  return SIZE_MAX;
}

/* Returns the first offset in [from, to) whose byte differs from the pattern
 * of `seed`, or SIZE_MAX when all match. Whole words are compared in chunks
 * of 32 with the differences OR'ed, so the common (clean) case has no early
 * exit in its inner loop; a chunk that differs is rescanned byte by byte. */
static inline size_t ts_pat_check(const unsigned char *p, uint64_t seed, size_t from, size_t to) {
  size_t i = (from + 7) / 8 * 8;
  if (i > to) i = to;
  size_t bad = ts_pat_scan(p, seed, from, i);
  if (bad != SIZE_MAX) return bad;
  for (; to - i >= 256; i += 256) {
    uint64_t diff = 0;
    for (size_t j = i; j < i + 256; j += 8) {
      uint64_t w;
      memcpy(&w, p + j, 8);
      diff |= w ^ ts_pat_word(seed, j / 8);
    }
    if (diff) return ts_pat_scan(p, seed, i, i + 256);
  }
  for (; to - i >= 8; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    if (w != ts_pat_word(seed, i / 8)) return ts_pat_scan(p, seed, i, i + 8);
  }
  return ts_pat_scan(p, seed, i, to);
}

/* errno through a volatile lvalue. Clang (LLVM 14, at least) takes malloc
 * and friends to touch no memory of the program, so after `errno = 0;
 * p = calloc(...)` it may use the 0 it stored instead of reading errno. */
static inline void ts_errno_clear(void) {
  *(volatile int *)&errno = 0;
}
static inline int ts_errno(void) {
  return *(volatile int *)&errno;
}

/* ---- arguments -------------------------------------------------------------- */

/* Parses a decimal unsigned argument in [lo, hi]; prints why and returns 0 on
 * a bad one (callers then exit 2, a usage error). */
static inline int ts_parse_u64(const char *prog, const char *name, const char *text, uint64_t lo,
                               uint64_t hi, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (errno || end == text || *end || text[0] == '-' || v < lo || v > hi) {
    fprintf(stderr, "heaplab: %s: bad %s '%s': want an integer in [%" PRIu64 ", %" PRIu64 "]\n",
            prog, name, text, lo, hi);
    return 0;
  }
  *out = v;
  return 1;
}

#endif
