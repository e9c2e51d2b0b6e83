/* Parameter checks for the sizes the Go twins have types for (gomodel.h). */
#include "gomodel.h"

#include "error.h"

#include <stdio.h>

int hl_go_check_value_size(const char *key, uint64_t bytes, uint64_t max_bytes, char *why,
                           size_t len) {
  if (hl_go_value_size_ok(bytes) && bytes <= max_bytes) return 0;
  static const uint64_t sizes[] = {HL_GO_VALUE_SIZES};
  char list[256];
  size_t off = 0;
  list[0] = '\0';
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0] && sizes[i] <= max_bytes; i++) {
    int n = snprintf(list + off, sizeof list - off, "%s%llu", i ? " " : "",
                     (unsigned long long)sizes[i]);
    if (n < 0 || (size_t)n >= sizeof list - off) break;
    off += (size_t)n;
  }
  snprintf(why, len, "%s=%llu is not a size the Go twin has a type for; use one of: %s", key,
           (unsigned long long)bytes, list);
  return HL_EINVAL;
}
