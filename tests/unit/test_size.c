/* Size, count and duration parsing and formatting (harness/core/size.h). */
#include "error.h"
#include "size.h"
#include "th.h"

static void parses(const char *text, uint64_t want) {
  uint64_t v = 12345;
  int rc = hl_parse_size(text, &v);
  if (rc != 0) TH_FAIL("hl_parse_size(\"%s\") failed: %s", text, hl_strerror(rc));
  CHECK_U64(v, want);
}

static void rejects(const char *text, int want_rc) {
  uint64_t v = 777;
  int rc = hl_parse_size(text, &v);
  if (rc != want_rc) TH_FAIL("hl_parse_size(\"%s\") = %d, want %d", text, rc, want_rc);
  CHECK_U64(v, 777); /* untouched on failure */
}

/* GOMEMLIMIT syntax: known answers, and rejections that leave the output
 * untouched. */
static void memlimit_parses(const char *text, int64_t want) {
  int64_t v = 12345;
  int rc = hl_parse_memlimit(text, &v);
  if (rc != 0) TH_FAIL("hl_parse_memlimit(\"%s\") failed: %s", text, hl_strerror(rc));
  CHECK_INT(v, want);
}

static void memlimit_rejects(const char *text, int want_rc) {
  int64_t v = 777;
  int rc = hl_parse_memlimit(text, &v);
  if (rc != want_rc) TH_FAIL("hl_parse_memlimit(\"%s\") = %d, want %d", text, rc, want_rc);
  CHECK_INT(v, 777);
}

static void memlimit_known_answers(void) {
  memlimit_parses("100MiB", 104857600);
  memlimit_parses("1GB", 1000000000);
  memlimit_parses("512KiB", 524288);
  memlimit_parses("1TiB", 1099511627776);
  memlimit_parses("3GiB", 3LL << 30);
  memlimit_parses("5KB", 5000);
  memlimit_parses("7MB", 7000000);
  memlimit_parses("2TB", 2000000000000);
  memlimit_parses("4096", 4096);
  memlimit_parses("4096B", 4096);
  memlimit_parses("0", 0);
  memlimit_parses("off", INT64_MAX);
  memlimit_parses("9223372036854775807", INT64_MAX);
  memlimit_parses("8388607TiB", 8388607LL << 40);
  memlimit_rejects("12XB", HL_EPARSE);
  memlimit_rejects("-1", HL_EPARSE);
  memlimit_rejects("", HL_EPARSE);
  /* what heaplab prints in cell names (memlimit=100M), it accepts */
  memlimit_parses("64M", 64LL << 20);
  memlimit_parses("64m", 64LL << 20);
  memlimit_parses("4K", 4096);
  memlimit_parses("2G", 2LL << 30);
  memlimit_parses("1T", 1LL << 40);
  memlimit_parses("8388607T", 8388607LL << 40);
  memlimit_rejects("8388608T", HL_ERANGE);
  memlimit_rejects("64Q", HL_EPARSE);
  static const uint64_t ks[] = {1, 3, 100, 1023, 1025};
  for (size_t i = 0; i < 25; i++) {
    uint64_t b = ks[i % 5] << (10 * (i / 5));
    char text[32];
    uint64_t size;
    int64_t lim;
    hl_size_format_exact(b, text, sizeof text);
    CHECK_INT(hl_parse_size(text, &size), 0);
    CHECK_INT(hl_parse_memlimit(text, &lim), 0);
    CHECK_U64(size, b);
    CHECK_U64((uint64_t)lim, b);
  }
  memlimit_rejects("1.5GiB", HL_EPARSE);
  memlimit_rejects(" 1GiB", HL_EPARSE);
  memlimit_rejects("1 GiB", HL_EPARSE);
  memlimit_rejects("1gib", HL_EPARSE);
  memlimit_rejects("MiB", HL_EPARSE);
  memlimit_rejects("Off", HL_EPARSE);
  memlimit_rejects("99999999999TiB", HL_ERANGE);
  memlimit_rejects("8388608TiB", HL_ERANGE); /* 2^63 */
  memlimit_rejects("9223372036854775808", HL_ERANGE);
  memlimit_rejects("99999999999999999999", HL_ERANGE);
  CHECK_INT(hl_parse_memlimit(NULL, NULL), HL_EINVAL);
}

int main(void) {
  memlimit_known_answers();
  parses("0", 0);
  parses("1024", 1024);
  parses("64B", 64);
  parses("4K", 4096);
  parses("4k", 4096);
  parses("4KiB", 4096);
  parses("64M", 64ull << 20);
  parses("64MiB", 64ull << 20);
  parses("1G", 1ull << 30);
  parses("3GiB", 3ull << 30);
  parses("2T", 2ull << 40);
  parses("1TiB", 1ull << 40);
  parses("100MB", 100000000ull);
  parses("5KB", 5000);
  parses("7GB", 7000000000ull);
  parses("1TB", 1000000000000ull);
  parses("18446744073709551615", UINT64_MAX);

  rejects("64Q", HL_EPARSE);
  rejects("", HL_EPARSE);
  rejects("-1", HL_EPARSE);
  rejects(" 1", HL_EPARSE);
  rejects("1 M", HL_EPARSE);
  rejects("1.5G", HL_EPARSE);
  rejects("M", HL_EPARSE);
  rejects("64mib", HL_EPARSE);
  rejects("18446744073709551616", HL_ERANGE);
  rejects("20000000T", HL_ERANGE);
  CHECK_INT(hl_parse_size(NULL, NULL), HL_EINVAL);

  uint64_t c = 0;
  CHECK_INT(hl_parse_count("42", 1, 100, &c), 0);
  CHECK_U64(c, 42);
  CHECK_INT(hl_parse_count("0", 1, 100, &c), HL_ERANGE);
  CHECK_INT(hl_parse_count("101", 1, 100, &c), HL_ERANGE);
  CHECK_INT(hl_parse_count("-3", 1, 100, &c), HL_EPARSE);
  CHECK_INT(hl_parse_count("4K", 1, 100000, &c), HL_EPARSE);
  CHECK_INT(hl_parse_count("", 0, 10, &c), HL_EPARSE);

  double s = 0;
  CHECK_INT(hl_parse_seconds("2", &s), 0);
  CHECK_NEAR(s, 2.0, 1e-12);
  CHECK_INT(hl_parse_seconds("0.25", &s), 0);
  CHECK_NEAR(s, 0.25, 1e-12);
  CHECK_INT(hl_parse_seconds("0", &s), HL_ERANGE);
  CHECK_INT(hl_parse_seconds("-1", &s), HL_EPARSE);
  CHECK_INT(hl_parse_seconds("1s", &s), HL_EPARSE);
  CHECK_INT(hl_parse_seconds("nan", &s), HL_EPARSE);

  char buf[32];
  hl_size_format_exact(64ull << 20, buf, sizeof buf);
  CHECK_STR(buf, "64M");
  hl_size_format_exact(1536, buf, sizeof buf);
  CHECK_STR(buf, "1536");
  hl_size_format_exact(4096, buf, sizeof buf);
  CHECK_STR(buf, "4K");
  hl_size_format_exact(1ull << 30, buf, sizeof buf);
  CHECK_STR(buf, "1G");
  hl_size_format_exact(0, buf, sizeof buf);
  CHECK_STR(buf, "0");
  /* Round trip: what the format prints parses back to the same value. */
  static const uint64_t values[] = {1, 1023, 1024, 3 << 20, (1ull << 40) * 5, 123456789};
  for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
    uint64_t back = 0;
    hl_size_format_exact(values[i], buf, sizeof buf);
    CHECK_INT(hl_parse_size(buf, &back), 0);
    CHECK_U64(back, values[i]);
  }
  hl_size_format_human(512, buf, sizeof buf);
  CHECK_STR(buf, "512 B");
  hl_size_format_human(64ull << 20, buf, sizeof buf);
  CHECK_STR(buf, "64.0 MiB");
  hl_size_format_human(1536, buf, sizeof buf);
  CHECK_STR(buf, "1.5 KiB");
  return th_done("test_size");
}
