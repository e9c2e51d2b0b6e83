/* Drawing with gnuplot (gnuplot.h). */
#include "gnuplot.h"

#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* Escapes for a double-quoted literal: gnuplot reads \\ \" and octal \NNN
 * there. A backquote would run a command even inside double quotes (the
 * substitution is made on the raw line, before any parsing), so it is written
 * \140, which turns into a backquote only once the string has been parsed;
 * @ as \100 likewise. Single quotes would need no escapes but cannot carry a
 * quote at the start of the string (gnuplot reads '' there as an empty
 * string and the rest as commands). */
int hl_gp_quote(const char *s, char *buf, size_t len) {
  size_t off = 0;
  if (len < 3) return HL_ERANGE;
  buf[off++] = '"';
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    char piece[8];
    if (*p == '\\' || *p == '"')
      snprintf(piece, sizeof piece, "\\%c", *p);
    else if (*p == '`' || *p == '@')
      snprintf(piece, sizeof piece, "\\%03o", *p);
    else
      snprintf(piece, sizeof piece, "%c", *p < 0x20 || *p == 0x7f ? ' ' : *p);
    size_t n = strlen(piece);
    if (off + n + 2 > len) {
      snprintf(buf, len, "\"\"");
      return HL_ERANGE;
    }
    memcpy(buf + off, piece, n);
    off += n;
  }
  buf[off++] = '"';
  buf[off] = '\0';
  return 0;
}

void hl_gp_datum(FILE *f, const char *s) {
  if (!*s) {
    fputc('-', f);
    return;
  }
  for (const unsigned char *p = (const unsigned char *)s; *p; p++)
    fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p == '"' ? '\'' : *p, f);
}

/* Replaces each @KEY@ of tpl by its value. */
static char *fill(const char *tpl, const char *const *kv, size_t nkv) {
  size_t cap = strlen(tpl) * 2 + 4096, len = 0;
  char *out = malloc(cap);
  if (!out) return NULL;
  for (const char *p = tpl; *p;) {
    size_t k = 0;
    if (*p == '@')
      for (; k < nkv; k += 2) {
        size_t kl = strlen(kv[k]);
        if (!strncmp(p + 1, kv[k], kl) && p[kl + 1] == '@') break;
      }
    const char *piece = p;
    size_t plen = 1;
    if (*p == '@' && k < nkv) {
      piece = kv[k + 1];
      plen = strlen(piece);
      p += strlen(kv[k]) + 2;
    } else {
      p++;
    }
    if (len + plen + 1 > cap) {
      char *bigger = realloc(out, cap = (len + plen + 1) * 2);
      if (!bigger) {
        free(out);
        return NULL;
      }
      out = bigger;
    }
    memcpy(out + len, piece, plen);
    len += plen;
  }
  out[len] = '\0';
  return out;
}

/* gnuplot SCRIPT in folder cwd, stdin from /dev/null. */
static int run_gnuplot(const char *cwd, const char *script, char *why, size_t len) {
  char *argv[] = {(char *)"gnuplot", (char *)script, NULL};
  pid_t pid;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addchdir_np(&fa, cwd);
  int rc = posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    snprintf(why, len, "cannot run gnuplot: %s (apt install gnuplot-nox)", strerror(rc));
    return HL_EUNAVAIL;
  }
  int status;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    snprintf(why, len, "gnuplot failed on %.900s (its message is above)", script);
    return HL_ECHILD;
  }
  return 0;
}

/* FOLDER/NAME (or NAME) into buf. */
static void rel_path(const hl_figure_t *fig, const char *name, char *buf, size_t len) {
  snprintf(buf, len, "%s%s%s", fig->folder, *fig->folder ? "/" : "", name);
}

FILE *hl_figure_data(const hl_figure_t *fig, const char *name, char *why, size_t len) {
  char rel[PATH_MAX];
  rel_path(fig, name, rel, sizeof rel);
  return hl_output_set_create(fig->set, rel, why, len);
}

int hl_plot_render(const char *tpl, const char *const *kv, size_t nkv, const hl_figure_t *fig,
                   char *why, size_t len) {
  char output[PATH_MAX + 8], rel[PATH_MAX], cwd[PATH_MAX];
  const char **all = malloc((nkv + 2) * sizeof *all);
  if (!all || hl_gp_quote(fig->image, output, sizeof output) != 0) {
    free(all);
    snprintf(why, len, "out of memory");
    return HL_ENOMEM;
  }
  memcpy(all, kv, nkv * sizeof *all);
  all[nkv] = "OUTPUT";
  all[nkv + 1] = output;
  char *text = fill(tpl, all, nkv + 2);
  free(all);
  FILE *f = text ? hl_figure_data(fig, fig->script, why, len) : NULL;
  int rc = f ? 0 : text ? HL_EIO : HL_ENOMEM;
  if (f && (fputs(text, f) < 0 || fclose(f) != 0)) rc = HL_EIO;
  free(text);
  if (rc) {
    if (rc == HL_ENOMEM) snprintf(why, len, "out of memory");
    return rc;
  }
  snprintf(cwd, sizeof cwd, "%s%s%s", hl_output_set_stage(fig->set), *fig->folder ? "/" : "",
           fig->folder);
  if ((rc = run_gnuplot(cwd, fig->script, why, len)) != 0) return rc;
  rel_path(fig, fig->image, rel, sizeof rel);
  if (hl_output_set_adopt(fig->set, rel, why, len) != 0) {
    snprintf(why, len, "gnuplot drew no %.900s", fig->image);
    return HL_EIO;
  }
  return 0;
}
