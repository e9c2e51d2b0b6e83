/* The machine fingerprint (fingerprint.h). Reads /proc and /sys only. */
#include "fingerprint.h"

#include "revision.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

void hl_thp_mode(char *buf, size_t len) {
  char line[96];
  if (hl_read_line("/sys/kernel/mm/transparent_hugepage/enabled", line, sizeof line) != 0) {
    snprintf(buf, len, "unknown");
    return;
  }
  char *l = strchr(line, '['), *r = l ? strchr(l, ']') : NULL;
  if (l && r)
    snprintf(buf, len, "%.*s", (int)(r - l - 1), l + 1);
  else
    snprintf(buf, len, "%s", line);
}

static void cpu_model(char *buf, size_t len) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  char line[512];
  snprintf(buf, len, "unknown");
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    char *colon = strchr(line, ':');
    if (strncmp(line, "model name", 10) || !colon) continue;
    colon += 1 + (colon[1] == ' ');
    colon[strcspn(colon, "\n")] = '\0';
    snprintf(buf, len, "%s", colon);
    break;
  }
  fclose(f);
}

/* The cgroup heaplab runs in: v2 (one "0::PATH" line) with its memory.max,
 * or v1, or none. */
static json_t *cgroup_json(void) {
  char line[4096] = "", path[4200], max[64] = "unknown";
  FILE *f = fopen("/proc/self/cgroup", "r");
  int v2 = 0;
  if (f) {
    while (fgets(line, sizeof line, f))
      if (!strncmp(line, "0::", 3)) {
        v2 = 1;
        break;
      }
    fclose(f);
  }
  if (!f) return json_pack("{s:s}", "version", "none");
  if (!v2) return json_pack("{s:s}", "version", "1");
  line[strcspn(line, "\n")] = '\0';
  snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", line + 3);
  if (hl_read_line(path, max, sizeof max) != 0) snprintf(max, sizeof max, "unknown");
  return json_pack("{s:s, s:s}", "version", "2", "memory_max", max);
}

static json_t *allocators_json(const json_t *backends) {
  json_t *a = json_object();
  const char *name;
  const json_t *b;
  json_object_foreach((json_t *)backends, name, b) {
    const char *v = json_string_value(json_object_get(b, "version"));
    if (v) json_object_set_new(a, name, json_string(v));
  }
  return a;
}

json_t *hl_fingerprint_new(const json_t *backends) {
  char model[256], thp[64], kernel[300];
  struct utsname u;
  cpu_model(model, sizeof model);
  hl_thp_mode(thp, sizeof thp);
  uname(&u);
  snprintf(kernel, sizeof kernel, "%s %s %s", u.sysname, u.release, u.machine);
  json_t *fp = json_pack("{s:s, s:i, s:s, s:s, s:o, s:o, s:s}", "cpu_model", model, "num_cpus",
                         (int)sysconf(_SC_NPROCESSORS_ONLN), "kernel", kernel, "thp_enabled", thp,
                         "cgroup", cgroup_json(), "allocators", allocators_json(backends),
                         "heaplab_revision", HL_REVISION);
  char *text = fp ? json_dumps(fp, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
  if (text) {
    char id[13];
    hl_short_id(hl_fnv1a64(text, strlen(text), HL_FNV_OFFSET), id);
    json_object_set_new(fp, "id", json_string(id));
  }
  free(text);
  return fp;
}
