/* Derived size-class figures computed from the generated tables.
 *
 * The tables themselves live in the generated sizeclasses.c (see
 * mksizeclasses.py); this file holds only what is computed from them on
 * demand, so nothing here can drift from the generator. It does not cache,
 * allocate or print anything.
 */
#include "sizeclass.h"

/* The "max waste" of mksizeclasses.go's printComment: the worst request for a
 * class is one byte more than the previous class's object size, so each slot
 * loses (size - prev_size - 1) bytes; add the span's tail and divide by the
 * span. Class 1's "previous size" is 0. */
double span_class_max_waste_pct(unsigned cls) {
  if (cls == 0 || cls >= SPAN_NUM_CLASSES) return 0.0;
  uint64_t span_bytes = (uint64_t)span_class_pages[cls] * SPAN_PAGE_BYTES;
  uint64_t slot_waste = span_class_bytes[cls] - span_class_bytes[cls - 1] - 1;
  uint64_t waste = slot_waste * span_class_objects[cls] + span_class_tail_waste[cls];
  return 100.0 * (double)waste / (double)span_bytes;
}
