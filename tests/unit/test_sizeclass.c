/* Span size classes (allocators/span/sizeclass.h) against Go's own tables.
 *
 * The generated tables must equal the CSV dumps of Go's sizeclasses.go in the
 * data directory given as argv[1] (read here with plain stdio, independently
 * of the generator), and the lookups must be exact by brute force: every
 * request size maps to the smallest class that holds it, and the division
 * magic gives offset / size for every offset of every span. This test does
 * not exercise an allocator; it only checks the tables it would use.
 */
#include "sizeclass.h"
#include "th.h"

#define MAX_ROWS 300
#define MAX_COLS 8
#define NUM_SMALL (SPAN_NUM_CLASSES - 1)
#define NUM_CLASS8 (SPAN_SMALL_SIZE_MAX / SPAN_SMALL_SIZE_DIV + 1)
#define NUM_CLASS128 ((SPAN_MAX_SMALL_BYTES - SPAN_SMALL_SIZE_MAX) / SPAN_LARGE_SIZE_DIV + 1)

static double rows[MAX_ROWS][MAX_COLS];

/* Parses one line of `ncols` comma-separated numbers into out; 0 on success. */
static int parse_row(const char *line, int ncols, double *out) {
  const char *p = line;
  for (int col = 0; col < ncols; col++) {
    char *end;
    out[col] = strtod(p, &end);
    if (end == p) return -1;
    if (col + 1 < ncols && *end != ',') return -1;
    p = end + 1;
  }
  return 0;
}

/* Reads dir/name into rows[], checking its header line; returns the number
 * of data rows, or -1 (with a message) if the file is missing or malformed. */
static int read_csv(const char *dir, const char *name, const char *header, int ncols) {
  char path[4096], line[512];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "r");
  if (!f) {
    fprintf(stderr, "test_sizeclass: cannot open %s\n", path);
    return -1;
  }
  int n = 0;
  if (!fgets(line, sizeof line, f) || strncmp(line, header, strlen(header)) != 0) {
    fprintf(stderr, "test_sizeclass: %s: header is not \"%s\"\n", path, header);
    n = -1;
  }
  while (n >= 0 && fgets(line, sizeof line, f)) {
    if (line[0] == '\n' || line[0] == '\0') continue;
    if (n == MAX_ROWS || parse_row(line, ncols, rows[n]) != 0) {
      fprintf(stderr, "test_sizeclass: %s: bad row %d: %s", path, n + 1, line);
      n = -1;
      break;
    }
    n++;
  }
  fclose(f);
  return n;
}

/* Prints which class a group of failed checks was about. */
static void blame(int failures_before, const char *what, unsigned cls) {
  if (th_failures != failures_before) fprintf(stderr, "  (%s, class %u)\n", what, cls);
}

/* go_sizeclasses.csv: class,bytes_obj,bytes_span,objects,tail_waste,max_waste_pct */
static int check_class_table(const char *dir) {
  int n = read_csv(dir, "go_sizeclasses.csv",
                   "class,bytes_obj,bytes_span,objects,tail_waste,max_waste_pct", 6);
  if (n < 0) return -1;
  CHECK_INT(n, NUM_SMALL);
  for (int i = 0; i < n && i < NUM_SMALL; i++) {
    const double *r = rows[i];
    unsigned cls = (unsigned)i + 1;
    int before = th_failures;
    CHECK_INT(r[0], cls);
    CHECK_INT(span_class_bytes[cls], r[1]);
    CHECK_INT((uint32_t)span_class_pages[cls] * SPAN_PAGE_BYTES, r[2]);
    CHECK_INT(span_class_objects[cls], r[3]);
    CHECK_INT(span_class_tail_waste[cls], r[4]);
    /* The CSV rounds to two decimals. */
    double pct = span_class_max_waste_pct(cls);
    th_checks++;
    if (!(fabs(pct - r[5]) <= 0.005 + 1e-9))
      TH_FAIL("span_class_max_waste_pct(%u) = %.4f, CSV %.2f", cls, pct, r[5]);
    blame(before, "go_sizeclasses.csv", cls);
  }
  return 0;
}

/* go_sizeclasses_with_align.csv: the same columns plus min_align. */
static int check_align_table(const char *dir) {
  int n = read_csv(dir, "go_sizeclasses_with_align.csv",
                   "class,bytes_obj,bytes_span,objects,tail_waste,max_waste_pct,min_align", 7);
  if (n < 0) return -1;
  CHECK_INT(n, NUM_SMALL);
  for (int i = 0; i < n && i < NUM_SMALL; i++) {
    unsigned cls = (unsigned)i + 1;
    int before = th_failures;
    CHECK_INT(rows[i][0], cls);
    CHECK_INT(span_class_bytes[cls], rows[i][1]);
    CHECK_INT(span_class_align[cls], rows[i][6]);
    blame(before, "go_sizeclasses_with_align.csv", cls);
  }
  return 0;
}

/* go_size_to_class{8,128}.csv: index,size_upper_bound,class; entry i covers
 * requests up to base + i*step bytes. */
static int check_lookup_csv(const char *dir, const char *name, const uint8_t *table, int entries,
                            unsigned base, unsigned step) {
  int n = read_csv(dir, name, "index,size_upper_bound,class", 3);
  if (n < 0) return -1;
  CHECK_INT(n, entries);
  for (int i = 0; i < n && i < entries; i++) {
    int before = th_failures;
    CHECK_INT(rows[i][0], i);
    CHECK_INT(rows[i][1], base + (unsigned)i * step);
    CHECK_INT(table[i], rows[i][2]);
    if (th_failures != before) fprintf(stderr, "  (%s, index %d)\n", name, i);
  }
  return 0;
}

/* The class table's own consistency: class 0 empty, sizes increasing and
 * 8-byte aligned, every span exactly objects*size + tail. */
static void check_layout(void) {
  CHECK_INT(span_class_bytes[0], 0);
  CHECK_INT(span_class_pages[0], 0);
  CHECK_INT(span_class_objects[0], 0);
  CHECK_INT(span_class_bytes[SPAN_TINY_CLASS], SPAN_TINY_BYTES);
  CHECK_INT(span_class_bytes[NUM_SMALL], SPAN_MAX_SMALL_BYTES);
  CHECK_INT(span_class_max_waste_pct(0), 0);
  for (unsigned cls = 1; cls < SPAN_NUM_CLASSES; cls++) {
    int before = th_failures;
    uint32_t span_bytes = (uint32_t)span_class_pages[cls] * SPAN_PAGE_BYTES;
    uint32_t size = span_class_bytes[cls];
    CHECK(size > span_class_bytes[cls - 1]);
    CHECK_INT(size % 8, 0);
    CHECK_INT((uint32_t)span_class_objects[cls] * size + span_class_tail_waste[cls], span_bytes);
    CHECK(span_class_tail_waste[cls] < size);
    CHECK(span_class_tail_waste[cls] <= span_bytes / 8);
    blame(before, "layout", cls);
  }
}

/* Brute force: the smallest class whose size >= bytes. */
static unsigned smallest_class(size_t bytes) {
  for (unsigned cls = 1; cls < SPAN_NUM_CLASSES; cls++)
    if (span_class_bytes[cls] >= bytes) return cls;
  return 0;
}

static void check_every_size(void) {
  unsigned bad = 0;
  for (size_t bytes = 1; bytes <= SPAN_MAX_SMALL_BYTES; bytes++) {
    unsigned got = span_size_class(bytes), want = smallest_class(bytes);
    if (got != want && bad++ == 0)
      TH_FAIL("span_size_class(%zu) = %u, smallest class holding it is %u", bytes, got, want);
  }
  CHECK_INT(bad, 0);
  CHECK_INT(span_size_class(0), 0);
}

/* malloc's one-lookup span class: the noscan class of the smallest class
 * holding the request, with 17..24 bytes in the 32-byte class (16-byte
 * alignment above 8 bytes), for every small request. */
static void check_malloc_spc(void) {
  unsigned bad = 0;
  for (size_t bytes = 1; bytes <= SPAN_MAX_SMALL_BYTES; bytes++) {
    unsigned want = smallest_class(bytes >= 17 && bytes <= 24 ? 32 : bytes) << 1 | 1;
    unsigned got = span_malloc_spc(bytes);
    if (got != want && bad++ == 0)
      TH_FAIL("span_malloc_spc(%zu) = %u, want %u", bytes, got, want);
    if (bytes > 8 && span_class_bytes[got >> 1] % 16 && bad++ == 0)
      TH_FAIL("span_malloc_spc(%zu): class of %u bytes is not 16-aligned", bytes,
              (unsigned)span_class_bytes[got >> 1]);
  }
  CHECK_INT(bad, 0);
  CHECK_INT(span_malloc_spc(0), 0);
}

/* Every offset of every span, the end of the span included (Go's generator
 * checks the same range). */
static void check_divmagic(void) {
  unsigned bad = 0;
  for (unsigned cls = 1; cls < SPAN_NUM_CLASSES; cls++) {
    uint32_t span_bytes = (uint32_t)span_class_pages[cls] * SPAN_PAGE_BYTES;
    for (uint32_t off = 0; off <= span_bytes; off++) {
      uint32_t got = span_object_index(cls, off), want = off / span_class_bytes[cls];
      if (got != want && bad++ == 0)
        TH_FAIL("span_object_index(%u, %" PRIu32 ") = %" PRIu32 ", want %" PRIu32, cls, off, got,
                want);
    }
  }
  CHECK_INT(bad, 0);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_sizeclass DATA_DIR\n");
    return 99;
  }
  if (check_class_table(argv[1]) < 0 || check_align_table(argv[1]) < 0 ||
      check_lookup_csv(argv[1], "go_size_to_class8.csv", span_size_to_class8, NUM_CLASS8, 0,
                       SPAN_SMALL_SIZE_DIV) < 0 ||
      check_lookup_csv(argv[1], "go_size_to_class128.csv", span_size_to_class128, NUM_CLASS128,
                       SPAN_SMALL_SIZE_MAX, SPAN_LARGE_SIZE_DIV) < 0)
    return 99;
  check_layout();
  check_every_size();
  check_malloc_spc();
  check_divmagic();
  return th_done("test_sizeclass");
}
