/* The claims report (claims_doc.h). */
#include "claims_doc.h"

#include "error.h"
#include "escape.h"
#include "output.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hl_claims_machine_from(const json_t *doc, hl_claims_machine_t *m) {
  const json_t *ctx = json_object_get(doc, "context");
  const json_t *fp = json_object_get(ctx, "fingerprint");
  if (!fp || m->text[0])
    return;
  snprintf(m->text, sizeof m->text, "%s: %s, %lld CPUs, %s, THP %s (fingerprint %s)",
           json_string_value(json_object_get(ctx, "host_name")) ?: "?",
           json_string_value(json_object_get(fp, "cpu_model")) ?: "?",
           (long long)json_integer_value(json_object_get(fp, "num_cpus")),
           json_string_value(json_object_get(fp, "kernel")) ?: "?",
           json_string_value(json_object_get(fp, "thp_enabled")) ?: "?",
           json_string_value(json_object_get(fp, "id")) ?: "?");
  snprintf(m->date, sizeof m->date, "%s", json_string_value(json_object_get(ctx, "date")) ?: "?");
  const json_t *load = json_object_get(ctx, "load_avg");
  snprintf(m->load, sizeof m->load, "%.2f %.2f %.2f",
           json_number_value(json_array_get(load, 0)), json_number_value(json_array_get(load, 1)),
           json_number_value(json_array_get(load, 2)));
}

/* The condition as a sentence of its own: its first letter capitalised. */
static const char *sentence(const char *text, char *buf, size_t len) {
  snprintf(buf, len, "%s", text);
  if (buf[0] >= 'a' && buf[0] <= 'z')
    buf[0] = (char)(buf[0] - 'a' + 'A');
  return buf;
}

static const char *verdict_text(const hl_claim_result_t *r) {
  return r->ran ? hl_verdict_name(r->verdict) : "could not run";
}

static void cmd_line(const hl_claim_t *c, size_t k, int quick, char *buf, size_t len) {
  const char *line = quick && c->cmd[k].quick ? c->cmd[k].quick : c->cmd[k].full;
  snprintf(buf, len, "heaplab %s -o DIR/%s-%zu.json", line, c->id, k + 1);
}

/* ---- Markdown ------------------------------------------------------------- */

static void md_claim(FILE *f, const hl_claim_t *c, const hl_claim_result_t *r, int quick) {
  fprintf(f, "\n## %s: ", c->id);
  hl_md_escape(f, verdict_text(r));
  fprintf(f, "\n\n**The article:** ");
  hl_md_escape(f, c->statement);
  fprintf(f, "\n\n**The experiment:** ");
  hl_md_escape(f, c->experiment);
  fprintf(f, "\n");
  for (size_t k = 0; k < c->ncmds; k++) {
    char line[1100];
    cmd_line(c, k, quick, line, sizeof line);
    fprintf(f, "%s`%s`\n", k ? "" : "\n", line); /* our own table's text */
  }
  if (r->nrows) {
    fprintf(f, "\n| measured | |\n|---|---|\n");
    for (size_t i = 0; i < r->nrows; i++) {
      fprintf(f, "| ");
      hl_md_escape(f, r->row[i].label);
      fprintf(f, " | ");
      hl_md_escape(f, r->row[i].measured);
      fprintf(f, " |\n");
    }
  }
  fprintf(f, "\n**Verdict:** ");
  hl_md_escape(f, verdict_text(r));
  fprintf(f, ": ");
  hl_md_escape(f, r->figure);
  char cond[sizeof r->condition];
  if (r->condition[0]) {
    fprintf(f, ". ");
    hl_md_escape(f, sentence(r->condition, cond, sizeof cond));
  }
  fprintf(f, ".\n\n**Confidence:** ");
  hl_md_escape(f, r->confidence[0] ? r->confidence : "-");
  fprintf(f, ".\n");
}

static void md_doc(FILE *f, int quick, const hl_claims_machine_t *m, const int *chosen,
                   const hl_claim_result_t *result) {
  fprintf(f, "# The article's claims, measured\n\n`heaplab claims%s`, %s; machine: ",
          quick ? " --quick" : "", m->date[0] ? m->date : "-");
  hl_md_escape(f, m->text[0] ? m->text : "see the results files");
  fprintf(f, "; load average at the first run %s.\n\n", m->load[0] ? m->load : "-");
  fprintf(f, "| claim | the article says | heaplab measured | verdict |\n|---|---|---|---|\n");
  for (size_t i = 0; i < hl_nclaims; i++) {
    if (!chosen[i])
      continue;
    fprintf(f, "| %s | ", hl_claims[i].id);
    hl_md_escape(f, hl_claims[i].statement);
    fprintf(f, " | ");
    hl_md_escape(f, result[i].figure);
    fprintf(f, " | ");
    hl_md_escape(f, verdict_text(&result[i]));
    fprintf(f, " |\n");
  }
  for (size_t i = 0; i < hl_nclaims; i++)
    if (chosen[i])
      md_claim(f, &hl_claims[i], &result[i], quick);
}

/* ---- HTML ----------------------------------------------------------------- */

static const char html_head[] =
    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n"
    "<title>heaplab claims</title>\n<style>\n"
    "body{font-family:sans-serif;max-width:62em;margin:2em auto;padding:0 1em;color:#222}\n"
    "table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.3em .6em;"
    "text-align:left;vertical-align:top}\n"
    ".v{font-weight:bold;white-space:nowrap}.holds{color:#176b2c}.not{color:#a31515}"
    ".depends{color:#8a5a00}.na{color:#666}\n"
    ".bar{background:#4a7ab8;height:.8em;display:inline-block}\n"
    "code{background:#f4f4f4;padding:0 .2em}\n</style></head><body>\n";

static const char *verdict_class(const hl_claim_result_t *r) {
  if (!r->ran)
    return "not";
  switch (r->verdict) {
  case HL_HOLDS:
    return "holds";
  case HL_DOES_NOT_HOLD:
    return "not";
  case HL_DEPENDS:
    return "depends";
  case HL_NOT_MEASURABLE:
    return "na";
  }
  return "na";
}

/* The figure: a bar per row that has a value, scaled to the largest. */
static void html_bars(FILE *f, const hl_claim_result_t *r) {
  double max = 0;
  for (size_t i = 0; i < r->nrows; i++)
    if (r->row[i].value_ok && r->row[i].value > max)
      max = r->row[i].value;
  fprintf(f, "<table>");
  for (size_t i = 0; i < r->nrows; i++) {
    fprintf(f, "<tr><td>");
    hl_html_escape(f, r->row[i].label);
    fprintf(f, "</td><td>");
    hl_html_escape(f, r->row[i].measured);
    fprintf(f, "</td>");
    if (max > 0)
      fprintf(f, "<td style=\"width:12em\"><span class=\"bar\" style=\"width:%.0f%%\"></span></td>",
              r->row[i].value_ok && r->row[i].value > 0 ? 100.0 * r->row[i].value / max : 0.0);
    fprintf(f, "</tr>\n");
  }
  fprintf(f, "</table>\n");
  if (max > 0) {
    fprintf(f, "<p class=\"na\">bars: ");
    hl_html_escape(f, r->value_unit[0] ? r->value_unit : "value");
    fprintf(f, "</p>\n");
  }
}

static void html_claim(FILE *f, const hl_claim_t *c, const hl_claim_result_t *r, int quick) {
  fprintf(f, "<h2 id=\"%s\">%s: <span class=\"v %s\">", c->id, c->id, verdict_class(r));
  hl_html_escape(f, verdict_text(r));
  fprintf(f, "</span></h2>\n<p><b>The article:</b> ");
  hl_html_escape(f, c->statement);
  fprintf(f, "</p>\n<p><b>The experiment:</b> ");
  hl_html_escape(f, c->experiment);
  fprintf(f, "</p>\n");
  for (size_t k = 0; k < c->ncmds; k++) {
    char line[1100];
    cmd_line(c, k, quick, line, sizeof line);
    fprintf(f, "<p><code>");
    hl_html_escape(f, line);
    fprintf(f, "</code></p>\n");
  }
  if (r->nrows)
    html_bars(f, r);
  fprintf(f, "<p><b>Verdict:</b> <span class=\"v %s\">", verdict_class(r));
  hl_html_escape(f, verdict_text(r));
  fprintf(f, "</span>: ");
  hl_html_escape(f, r->figure);
  char cond[sizeof r->condition];
  if (r->condition[0]) {
    fprintf(f, ". ");
    hl_html_escape(f, sentence(r->condition, cond, sizeof cond));
  }
  fprintf(f, ".</p>\n<p><b>Confidence:</b> ");
  hl_html_escape(f, r->confidence[0] ? r->confidence : "-");
  fprintf(f, ".</p>\n");
}

static void html_doc(FILE *f, int quick, const hl_claims_machine_t *m, const int *chosen,
                     const hl_claim_result_t *result) {
  fputs(html_head, f);
  fprintf(f, "<h1>The article's claims, measured</h1>\n<p><code>heaplab claims%s</code>, ",
          quick ? " --quick" : "");
  hl_html_escape(f, m->date[0] ? m->date : "-");
  fprintf(f, "; machine: ");
  hl_html_escape(f, m->text[0] ? m->text : "see the results files");
  fprintf(f, "; load average at the first run ");
  hl_html_escape(f, m->load[0] ? m->load : "-");
  fprintf(f, ".</p>\n<table><tr><th>claim</th><th>the article says</th>"
             "<th>heaplab measured</th><th>verdict</th></tr>\n");
  for (size_t i = 0; i < hl_nclaims; i++) {
    if (!chosen[i])
      continue;
    fprintf(f, "<tr><td><a href=\"#%s\">%s</a></td><td>", hl_claims[i].id, hl_claims[i].id);
    hl_html_escape(f, hl_claims[i].statement);
    fprintf(f, "</td><td>");
    hl_html_escape(f, result[i].figure);
    fprintf(f, "</td><td class=\"v %s\">", verdict_class(&result[i]));
    hl_html_escape(f, verdict_text(&result[i]));
    fprintf(f, "</td></tr>\n");
  }
  fprintf(f, "</table>\n");
  for (size_t i = 0; i < hl_nclaims; i++)
    if (chosen[i])
      html_claim(f, &hl_claims[i], &result[i], quick);
  fprintf(f, "</body></html>\n");
}

/* ---- writing -------------------------------------------------------------- */

typedef void (*doc_fn)(FILE *f, int quick, const hl_claims_machine_t *m, const int *chosen,
                       const hl_claim_result_t *result);

static int write_doc(const char *dir, const char *name, doc_fn fn, int quick,
                     const hl_claims_machine_t *m, const int *chosen,
                     const hl_claim_result_t *result) {
  char *text = NULL, path[PATH_MAX], why[1024];
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f)
    return HL_ENOMEM;
  fn(f, quick, m, chosen, result);
  if (fclose(f) != 0) {
    free(text);
    return HL_ENOMEM;
  }
  snprintf(path, sizeof path, "%s/%s", dir, name);
  int rc = hl_output_write(path, text, len, why, sizeof why);
  if (rc != 0)
    hl_msg("claims", "%s", why);
  free(text);
  return rc;
}

int hl_claims_write_docs(const char *dir, int quick, const hl_claims_machine_t *m,
                         const int *chosen, const hl_claim_result_t *result) {
  int rc = write_doc(dir, "claims.md", md_doc, quick, m, chosen, result);
  if (rc == 0)
    rc = write_doc(dir, "claims.html", html_doc, quick, m, chosen, result);
  if (rc == 0)
    fprintf(stderr, "heaplab: claims: %s/claims.md and %s/claims.html written\n", dir, dir);
  return rc;
}
