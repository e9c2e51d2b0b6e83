/* Parsing and printing of byte sizes, counts and durations.
 *
 * Sizes: an unsigned integer followed by an optional unit. Binary units
 * K M G T (and k m g t), KiB MiB GiB TiB; decimal units KB MB GB TB as in
 * Go's GOMEMLIMIT; B for bytes. "64M" is 64 MiB. No fractions, no sign, no
 * spaces: anything else is HL_EPARSE, overflow is HL_ERANGE.
 */
#ifndef HL_SIZE_H
#define HL_SIZE_H

#include <stddef.h>
#include <stdint.h>

int hl_parse_size(const char *text, uint64_t *bytes_out);

/* A memory limit: every size hl_parse_size takes, so GOMEMLIMIT's syntax
 * (Go's parseByteCount, plus the decimal units: B, KiB..TiB, KB..TB) and
 * the single letters of cell names (memlimit=100M) alike. "off" gives
 * INT64_MAX (Go's math.MaxInt64: no limit). Values above INT64_MAX are
 * HL_ERANGE, anything else malformed HL_EPARSE; *bytes_out is untouched on
 * failure. */
int hl_parse_memlimit(const char *text, int64_t *bytes_out);

/* A plain unsigned decimal integer in [min, max]. */
int hl_parse_count(const char *text, uint64_t min, uint64_t max, uint64_t *out);

/* Seconds as a decimal number ("2", "0.5"); must be > 0. */
int hl_parse_seconds(const char *text, double *seconds_out);

/* The shortest exact spelling: 67108864 -> "64M", 1536 -> "1536", 4096 -> "4K".
 * Used in benchmark names, so it must be stable. */
void hl_size_format_exact(uint64_t bytes, char *buf, size_t len);

/* Human-readable with one decimal: "64.0 MiB", "512 B". */
void hl_size_format_human(uint64_t bytes, char *buf, size_t len);
/* A difference of sizes the same way with its sign: "+1.0 MiB", "-12.0 KiB", "+0 B". */
void hl_size_format_change(double bytes, char *buf, size_t len);

#endif
