/* The Go toolchain as a referee (gotool.h). */
#include "gotool.h"

#include "error.h"
#include "output.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define GO_TIMEOUT_S 300.0

typedef struct go_env {
  char cache[PATH_MAX + 16], path[PATH_MAX + 16];
  const char *v[12];
} go_env_t;

static void go_env_init(go_env_t *e, const char *dir) {
  snprintf(e->cache, sizeof e->cache, "GOCACHE=%s/go/cache", dir);
  snprintf(e->path, sizeof e->path, "GOPATH=%s/go/path", dir);
  size_t n = 0;
  e->v[n++] = e->cache;
  e->v[n++] = e->path;
  e->v[n++] = "GOPROXY=off";
  e->v[n++] = "GOFLAGS=";
  e->v[n++] = "GOTOOLCHAIN=local";
  e->v[n++] = "CGO_ENABLED=0";
  e->v[n++] = "GO111MODULE=off";
  e->v[n] = NULL;
}

static int make_dir(const char *path) {
  if (mkdir(path, 0755) != 0 && errno != EEXIST) {
    hl_msg("claims", "%s: %s", path, strerror(errno));
    return HL_ESYS;
  }
  return 0;
}

/* DIR/go/NAME with main.go holding src. */
static int prepare(const char *dir, const char *name, const char *src, char *work, size_t len) {
  char go[PATH_MAX], file[PATH_MAX + 16], why[1024];
  snprintf(go, sizeof go, "%s/go", dir);
  if ((unsigned)snprintf(work, len, "%s/%s", go, name) >= len)
    return HL_ERANGE;
  int rc = make_dir(go);
  if (rc == 0)
    rc = make_dir(work);
  if (rc != 0)
    return rc;
  snprintf(file, sizeof file, "%s/main.go", work);
  if (hl_output_write(file, src, strlen(src), why, sizeof why) != 0) {
    hl_msg("claims", "%s", why);
    return HL_EIO;
  }
  return 0;
}

/* Runs argv in work, the output into work/LOG and *out. */
static int go_exec(const char *dir, const char *work, const char *log, char *const *argv,
                   const char *const *extra_env, char **out) {
  go_env_t e;
  go_env_init(&e, dir);
  const char *env[24];
  size_t n = 0;
  for (size_t i = 0; e.v[i]; i++)
    env[n++] = e.v[i];
  for (size_t i = 0; extra_env && extra_env[i] && n < 23; i++)
    env[n++] = extra_env[i];
  env[n] = NULL;
  char log_path[PATH_MAX + 32];
  snprintf(log_path, sizeof log_path, "%s/%s", work, log);
  hl_exec_t x = {.argv = argv, .env = env, .cwd = work, .log_path = log_path,
                 .timeout_s = GO_TIMEOUT_S};
  int status;
  int rc = hl_exec_run(&x, &status, out);
  if (rc == 0 && status != 0) {
    hl_msg("claims", "%s %s failed (status %d): see %s", argv[0], argv[1], status, log_path);
    free(*out);
    *out = NULL;
    return HL_ECHILD;
  }
  return rc;
}

int hl_go_version(const char *dir, char *buf, size_t len) {
  char path[PATH_MAX];
  if (hl_find_program("go", path, sizeof path) != 0) {
    snprintf(buf, len, "no go in PATH (Debian: apt-get install golang-go)");
    return HL_ENOENT;
  }
  char *argv[] = {(char *)"go", (char *)"version", NULL}, *out = NULL;
  char work[PATH_MAX];
  if (prepare(dir, "version", "package main\n\nfunc main() {}\n", work, sizeof work) != 0 ||
      go_exec(dir, work, "version.log", argv, NULL, &out) != 0) {
    snprintf(buf, len, "go version failed");
    return HL_ENOENT;
  }
  out[strcspn(out, "\n")] = '\0';
  snprintf(buf, len, "%s", out);
  free(out);
  return 0;
}

int hl_go_compile(const char *dir, const char *name, const char *src, char **out) {
  char work[PATH_MAX];
  int rc = prepare(dir, name, src, work, sizeof work);
  if (rc != 0)
    return rc;
  char *argv[] = {(char *)"go", (char *)"tool", (char *)"compile", (char *)"-p",
                  (char *)"main", (char *)"-m=1", (char *)"-S", (char *)"-o",
                  (char *)"main.o", (char *)"main.go", NULL};
  return go_exec(dir, work, "compile.log", argv, NULL, out);
}

int hl_go_run(const char *dir, const char *name, const char *src, const char *const *env,
              char **out) {
  char work[PATH_MAX];
  int rc = prepare(dir, name, src, work, sizeof work);
  if (rc != 0)
    return rc;
  char *build[] = {(char *)"go", (char *)"build", (char *)"-o", (char *)"prog", (char *)"main.go",
                   NULL};
  char *none = NULL;
  rc = go_exec(dir, work, "build.log", build, NULL, &none);
  free(none);
  if (rc != 0)
    return rc;
  char prog[PATH_MAX + 8];
  snprintf(prog, sizeof prog, "%s/prog", work);
  char *run[] = {prog, NULL};
  return go_exec(dir, work, "run.log", run, env, out);
}
