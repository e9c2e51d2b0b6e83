/* Byte-size, count and duration parsing for the CLI and workload parameters. */
#include "size.h"

#include "error.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_digits(const char **p, uint64_t *out) {
  const char *s = *p;
  uint64_t v = 0;
  if (!isdigit((unsigned char)*s)) return HL_EPARSE;
  while (isdigit((unsigned char)*s)) {
    unsigned d = (unsigned)(*s - '0');
    if (v > (UINT64_MAX - d) / 10) return HL_ERANGE;
    v = v * 10 + d;
    s++;
  }
  *p = s;
  *out = v;
  return 0;
}

/* Unit table: suffix -> multiplier. Matched exactly (case-sensitive except the
 * single-letter binary units, which accept both cases). Sizes and memory
 * limits take the same units: the spellings of GOMEMLIMIT (B, KiB..TiB,
 * KB..TB) and the single letters heaplab prints in cell names (memlimit=100M). */
static const struct {
  const char *suffix;
  uint64_t mult;
} units[] = {
    {"", 1},
    {"B", 1},
    {"K", 1ull << 10},
    {"k", 1ull << 10},
    {"KiB", 1ull << 10},
    {"M", 1ull << 20},
    {"m", 1ull << 20},
    {"MiB", 1ull << 20},
    {"G", 1ull << 30},
    {"g", 1ull << 30},
    {"GiB", 1ull << 30},
    {"T", 1ull << 40},
    {"t", 1ull << 40},
    {"TiB", 1ull << 40},
    {"KB", 1000ull},
    {"MB", 1000000ull},
    {"GB", 1000000000ull},
    {"TB", 1000000000000ull},
};

/* Digits, then a suffix from the table, the product at most max. */
static int parse_with_units(const char *text, uint64_t max, uint64_t *bytes_out) {
  if (!text) return HL_EINVAL;
  const char *p = text;
  uint64_t v;
  int rc = parse_digits(&p, &v);
  if (rc) return rc;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
    if (strcmp(p, units[i].suffix) != 0) continue;
    if (v > max / units[i].mult) return HL_ERANGE;
    *bytes_out = v * units[i].mult;
    return 0;
  }
  return HL_EPARSE;
}

int hl_parse_size(const char *text, uint64_t *bytes_out) {
  return parse_with_units(text, UINT64_MAX, bytes_out);
}

int hl_parse_memlimit(const char *text, int64_t *bytes_out) {
  if (text && strcmp(text, "off") == 0) {
    *bytes_out = INT64_MAX;
    return 0;
  }
  uint64_t v;
  int rc = parse_with_units(text, (uint64_t)INT64_MAX, &v);
  if (rc == 0) *bytes_out = (int64_t)v;
  return rc;
}

int hl_parse_count(const char *text, uint64_t min, uint64_t max, uint64_t *out) {
  if (!text) return HL_EINVAL;
  const char *p = text;
  uint64_t v;
  int rc = parse_digits(&p, &v);
  if (rc) return rc;
  if (*p) return HL_EPARSE;
  if (v < min || v > max) return HL_ERANGE;
  *out = v;
  return 0;
}

int hl_parse_seconds(const char *text, double *seconds_out) {
  if (!text || !*text) return HL_EINVAL;
  if (!isdigit((unsigned char)text[0]) && text[0] != '.') return HL_EPARSE;
  char *end = NULL;
  double v = strtod(text, &end);
  if (!end || *end) return HL_EPARSE;
  if (!(v > 0) || v > 1e7) return HL_ERANGE;
  *seconds_out = v;
  return 0;
}

void hl_size_format_exact(uint64_t bytes, char *buf, size_t len) {
  static const char suffix[] = "KMGT";
  int shift = 0;
  uint64_t v = bytes;
  while (v != 0 && shift < 4 && (v & 1023) == 0) {
    v >>= 10;
    shift++;
  }
  if (shift == 0)
    snprintf(buf, len, "%" PRIu64, bytes);
  else
    snprintf(buf, len, "%" PRIu64 "%c", v, suffix[shift - 1]);
}

void hl_size_format_human(uint64_t bytes, char *buf, size_t len) {
  static const char *names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = (double)bytes;
  int i = 0;
  while (v >= 1024.0 && i < 4) {
    v /= 1024.0;
    i++;
  }
  if (i == 0)
    snprintf(buf, len, "%" PRIu64 " B", bytes);
  else
    snprintf(buf, len, "%.1f %s", v, names[i]);
}

void hl_size_format_change(double bytes, char *buf, size_t len) {
  char h[32];
  hl_size_format_human((uint64_t)(bytes < 0 ? -bytes : bytes), h, sizeof h);
  snprintf(buf, len, "%s%s", bytes < 0 ? "-" : "+", h);
}
