/* A program with known allocations, for heaplab's -x tests: `allocs MODE
 * [MIB [HOLD_MS]]`. MODE
 *   live   holds MIB MiB (default 64) in 4 KiB blocks from malloc, every
 *          page written, for HOLD_MS more (default 0: a sampler that must
 *          see the peak needs it held longer than a few of its periods,
 *          whatever the machine's load), then frees them and prints
 *          "allocated N blocks"
 *   grow   allocates 1 MiB blocks, written, until malloc fails: then
 *          prints "out of memory" to stderr and exits 3 (under a limit)
 *   fail   prints "something went wrong" to stdout and stderr, exits 3
 *   crash  raises SIGSEGV
 *   hang   sleeps forever */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int live(long mib, long hold_ms) {
  long n = mib * 256; /* 4 KiB blocks */
  char **blocks = malloc((size_t)n * sizeof *blocks);
  if (!blocks) return 2;
  for (long i = 0; i < n; i++) {
    blocks[i] = malloc(4096);
    if (!blocks[i]) return 2;
    memset(blocks[i], (int)i, 4096);
  }
  if (hold_ms > 0) {
    struct timespec hold = {hold_ms / 1000, (hold_ms % 1000) * 1000000L};
    while (nanosleep(&hold, &hold) != 0) {
    }
  }
  long sum = 0;
  for (long i = 0; i < n; i++) {
    sum += blocks[i][i % 4096];
    free(blocks[i]);
  }
  free(blocks);
  printf("allocated %ld blocks (%ld)\n", n, sum & 1);
  return 0;
}

static int grow(void) {
  for (long i = 0;; i++) {
    char *p = malloc(1 << 20);
    if (!p) {
      fprintf(stderr, "allocs: out of memory after %ld MiB\n", i);
      return 3;
    }
    memset(p, 1, 1 << 20);
  }
}

int main(int argc, char **argv) {
  const char *mode = argc > 1 ? argv[1] : "live";
  if (!strcmp(mode, "live")) return live(argc > 2 ? atol(argv[2]) : 64, argc > 3 ? atol(argv[3]) : 0);
  if (!strcmp(mode, "grow")) return grow();
  if (!strcmp(mode, "fail")) {
    printf("something went wrong\n");
    fprintf(stderr, "allocs: something went wrong\n");
    return 3;
  }
  if (!strcmp(mode, "crash")) raise(SIGSEGV);
  if (!strcmp(mode, "hang"))
    for (;;)
      pause();
  fprintf(stderr, "usage: allocs live [MIB [HOLD_MS]] | grow | fail | crash | hang\n");
  return 2;
}
