/* The knob values of a run as its rows and cell names show them
 * (request.h): apart from the option parsing in request.c. */
#include "request.h"

#include <inttypes.h>
#include <stdio.h>

void hl_gc_percent_format(int gc_percent, char *buf, size_t len) {
  if (gc_percent == HL_GC_OFF)
    snprintf(buf, len, "off");
  else
    snprintf(buf, len, "%d", gc_percent);
}

void hl_memory_limit_format(int64_t memory_limit_bytes, char *buf, size_t len) {
  if (memory_limit_bytes == HL_NO_MEMORY_LIMIT)
    snprintf(buf, len, "off");
  else
    snprintf(buf, len, "%" PRId64, memory_limit_bytes);
}
