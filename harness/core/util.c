/* Shared utilities: see util.h. */
#include "util.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int hl_split_list(const char *text, char ***items_out, size_t *n_out) {
  if (!text || !*text) return HL_EPARSE;
  size_t n = 1;
  for (const char *p = text; *p; p++)
    if (*p == ',') n++;
  char **items = calloc(n, sizeof *items);
  if (!items) return HL_ENOMEM;
  const char *start = text;
  for (size_t i = 0; i < n; i++) {
    const char *end = strchr(start, ',');
    size_t len = end ? (size_t)(end - start) : strlen(start);
    if (len == 0) {
      hl_strlist_free(items, i);
      return HL_EPARSE;
    }
    items[i] = strndup(start, len);
    if (!items[i]) {
      hl_strlist_free(items, i);
      return HL_ENOMEM;
    }
    start = end ? end + 1 : start + len;
  }
  *items_out = items;
  *n_out = n;
  return 0;
}

void hl_strlist_free(char **items, size_t n) {
  if (!items) return;
  for (size_t i = 0; i < n; i++)
    free(items[i]);
  free(items);
}

int hl_strlist_index(char *const *items, size_t n, const char *item) {
  for (size_t i = 0; i < n; i++)
    if (strcmp(items[i], item) == 0) return (int)i;
  return -1;
}

int hl_read_file(const char *path, char **data_out, size_t *len_out) {
  int rc = HL_EIO;
  char *data = NULL;
  FILE *f = fopen(path, "rb");
  if (!f) return errno == ENOENT ? HL_ENOENT : HL_EIO;
  size_t cap = 1 << 16, len = 0;
  data = malloc(cap + 1);
  if (!data) {
    rc = HL_ENOMEM;
    goto fail;
  }
  for (;;) {
    size_t got = fread(data + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
    if (len == cap) {
      char *bigger = realloc(data, cap * 2 + 1);
      if (!bigger) {
        rc = HL_ENOMEM;
        goto fail;
      }
      data = bigger;
      cap *= 2;
    }
  }
  if (ferror(f)) goto fail;
  fclose(f);
  data[len] = '\0';
  *data_out = data;
  if (len_out) *len_out = len;
  return 0;
fail:
  free(data);
  fclose(f);
  return rc;
}

int hl_proc_status_bytes(int pid, const char *key, uint64_t *bytes_out) {
  char path[64], buf[4096];
  if (pid == 0)
    snprintf(path, sizeof path, "/proc/self/status");
  else
    snprintf(path, sizeof path, "/proc/%d/status", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return HL_ENOENT;
  ssize_t total = 0, r;
  while (total < (ssize_t)sizeof buf - 1 &&
         (r = read(fd, buf + total, sizeof buf - 1 - (size_t)total)) > 0)
    total += r;
  close(fd);
  buf[total] = '\0';
  size_t klen = strlen(key);
  for (char *line = buf; line && *line;) {
    if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
      char *p = line + klen + 1;
      while (*p == ' ' || *p == '\t')
        p++;
      uint64_t v = 0;
      if (*p < '0' || *p > '9') return HL_EPARSE;
      while (*p >= '0' && *p <= '9')
        v = v * 10 + (uint64_t)(*p++ - '0');
      *bytes_out = v * 1024;
      return 0;
    }
    line = strchr(line, '\n');
    if (line) line++;
  }
  return HL_ENOENT;
}

int hl_read_line(const char *path, char *buf, size_t len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return HL_ENOENT;
  ssize_t r = read(fd, buf, len - 1);
  close(fd);
  if (r < 0) return HL_EIO;
  buf[r] = '\0';
  char *nl = strchr(buf, '\n');
  if (nl) *nl = '\0';
  return 0;
}

uint64_t hl_fnv1a64(const void *data, size_t len, uint64_t h) {
  const unsigned char *p = data;
  for (size_t i = 0; i < len; i++)
    h = (h ^ p[i]) * UINT64_C(1099511628211);
  return h;
}

void hl_short_id(uint64_t hash, char *buf) {
  snprintf(buf, 13, "%012llx", (unsigned long long)(hash >> 16));
}

int hl_self_exe(char *buf, size_t len) {
  ssize_t n = readlink("/proc/self/exe", buf, len - 1);
  if (n <= 0 || (size_t)n >= len - 1) return HL_ESYS;
  buf[n] = '\0';
  return 0;
}

static uint64_t clock_ns(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t hl_now_ns(void) {
  return clock_ns(CLOCK_MONOTONIC);
}
uint64_t hl_cputime_ns(void) {
  return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

void hl_write_all(int fd, const char *buf, size_t len) {
  while (len) {
    ssize_t w = write(fd, buf, len);
    if (w <= 0) return;
    buf += w;
    len -= (size_t)w;
  }
}

static int runnable(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int hl_find_program(const char *name, char *buf, size_t len) {
  if (strchr(name, '/')) {
    if ((size_t)snprintf(buf, len, "%s", name) >= len) return HL_ENOENT;
    return runnable(buf) ? 0 : HL_ENOENT;
  }
  const char *path = getenv("PATH");
  if (!path || !*path) path = "/usr/local/bin:/usr/bin:/bin";
  for (;;) {
    const char *colon = strchr(path, ':');
    size_t n = colon ? (size_t)(colon - path) : strlen(path);
    int w = snprintf(buf, len, "%.*s/%s", (int)(n ? n : 1), n ? path : ".", name);
    if (w > 0 && (size_t)w < len && runnable(buf)) return 0;
    if (!colon) return HL_ENOENT;
    path = colon + 1;
  }
}
