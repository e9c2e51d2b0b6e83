/* The Go runtime arithmetic the escape-pattern workloads reproduce
 * (workloads/gomodel.h) and heaplab's generator (workload.h), against
 * answers from the real Go 1.19.8: the sequences of array sizes append and
 * strings.Builder allocated there (runtime/metrics, workloads/go), and the
 * generator values workloads/go/rng_test.go holds the Go twins to. */
#include "gomodel.h"
#include "th.h"
#include "workload.h"

#include "error.h"

static void test_roundupsize(void) {
  CHECK_U64(hl_go_roundupsize(0), 0);
  CHECK_U64(hl_go_roundupsize(1), 8);
  CHECK_U64(hl_go_roundupsize(17), 24);
  CHECK_U64(hl_go_roundupsize(40), 48);
  CHECK_U64(hl_go_roundupsize(1025), 1152);
  CHECK_U64(hl_go_roundupsize(32768), 32768);
  CHECK_U64(hl_go_roundupsize(32769), 40960); /* whole pages above 32 KiB */
  CHECK_U64(hl_go_roundupsize(30192), 32768);
}

/* Appending one element at a time from nil, as slice-growth does; the
 * sizes of the arrays allocated, as Go 1.19.8 allocated them. */
static void check_append(uint64_t elem, uint64_t len, const uint64_t *want, size_t nwant) {
  uint64_t cap = 0;
  size_t k = 0;
  for (uint64_t l = 0; l < len; l++) {
    if (l < cap) continue;
    uint64_t bytes = hl_go_growslice_bytes(cap, l + 1, elem);
    if (k < nwant) CHECK_U64(bytes, want[k]);
    k++;
    cap = bytes / elem;
  }
  CHECK_U64(k, nwant);
}

static void test_growslice(void) {
  static const uint64_t e8[] = {8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 6784, 10240};
  check_append(8, 1000, e8, sizeof e8 / sizeof e8[0]);
  /* elem 24 to 5000: the class above 30192 is 32768, which holds 1365
   * elements and 8 bytes more; Go allocates the whole 32768 */
  static const uint64_t e24[] = {24,   48,    96,    192,   384,   768,   1536,  3072,
                                 6144, 12288, 20480, 32768, 49152, 73728, 98304, 131072};
  check_append(24, 5000, e24, sizeof e24 / sizeof e24[0]);
  /* strings.Builder, 8-byte pieces: append of 8 at a time */
  uint64_t cap = 0, len = 0;
  static const uint64_t b8[] = {8, 16, 32, 64, 128};
  size_t k = 0;
  for (int i = 0; i < 16; i++, len += 8) {
    if (len + 8 <= cap) continue;
    uint64_t bytes = hl_go_growslice_bytes(cap, len + 8, 1);
    if (k < 5) CHECK_U64(bytes, b8[k]);
    k++;
    cap = bytes;
  }
  CHECK_U64(k, 5);
  /* more than double at once: exactly what is needed, rounded */
  CHECK_U64(hl_go_growslice_bytes(4, 40, 1), 48);
}

static void test_value_sizes(void) {
  char why[256];
  CHECK_INT(hl_go_check_value_size("captured", 64, 65536, why, sizeof why), 0);
  CHECK_INT(hl_go_check_value_size("captured", 65536, 65536, why, sizeof why), 0);
  CHECK_INT(hl_go_check_value_size("captured", 72, 65536, why, sizeof why), HL_EINVAL);
  CHECK(strstr(why, "captured=72") && strstr(why, "8 16 24"));
  CHECK_INT(hl_go_check_value_size("elem", 2048, 1024, why, sizeof why), HL_EINVAL);
  CHECK(strstr(why, "512 1024") && !strstr(why, "1024 2048"));
}

static void test_generator(void) {
  uint64_t s = 1 + 0; /* --seed 1, thread 0, as the worker seeds it */
  uint64_t seed = hl_rng_next(&s);
  CHECK_U64(seed, UINT64_C(10451216379200822465));
  s = seed;
  CHECK_U64(hl_rng_next(&s), UINT64_C(6791897765849424158));
  CHECK_U64(hl_rng_next(&s), UINT64_C(17405687883870564846));
  CHECK_U64(hl_rng_next(&s), UINT64_C(834844254806117752));
  s = seed;
  static const uint64_t below[] = {368, 943, 45, 777, 219};
  for (int i = 0; i < 5; i++)
    CHECK_U64(hl_rng_below(&s, 1000), below[i]);
}

int main(void) {
  test_roundupsize();
  test_growslice();
  test_value_sizes();
  test_generator();
  return th_done("test_gomodel");
}
