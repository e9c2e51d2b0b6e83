/* Drawing with gnuplot: the one way heaplab runs it, and the one way a string
 * reaches one of its scripts.
 *
 * Strings that come from a results file (cell, backend and parameter names,
 * outcomes, messages) or from the command line (paths) are data. In a
 * gnuplot script they appear only as string literals made by hl_gp_quote():
 * double-quoted, with the quote and backslash escaped and the characters
 * gnuplot would act on (a backquote runs a command, @ expands a macro)
 * written as octal escapes; a newline, which would end the command and start
 * another, is replaced, as is every other control character. Labels and
 * titles come from the script, never from a data file: gnuplot reads a
 * double quote in a data field as the start of a string that may swallow the
 * columns after it. A data file may still name its rows for the people who
 * read it, with hl_gp_datum().
 *
 * A figure is made inside an output set (core/output.h): the filled script,
 * its data and the image are staged together and reach the target directory
 * only when the whole command succeeded. The kept script names its data and
 * image by file name only, so `gnuplot NAME.gp` in that folder redraws it. */
#ifndef HL_GNUPLOT_H
#define HL_GNUPLOT_H

#include "output.h"

#include <stddef.h>
#include <stdio.h>

/* s as a gnuplot string literal, quotes included, into buf. 0, or
 * HL_ERANGE when it does not fit (buf then holds ""). */
int hl_gp_quote(const char *s, char *buf, size_t len);

/* s as one field of a tab-separated data file: tabs, newlines and other
 * control characters become spaces, a double quote a single one; an empty
 * string becomes "-". */
void hl_gp_datum(FILE *f, const char *s);

/* Where a figure goes: its folder in the set ("" or "figures/run1") and the
 * file names of its image and of the filled script kept beside it. */
typedef struct hl_figure {
  hl_output_set_t *set;
  const char *folder;
  const char *image;  /* "time.png" */
  const char *script; /* "time.gp" */
} hl_figure_t;

/* Fills template tpl (each @KEY@ of the nkv/2 pairs kv = {KEY, value, ...}
 * replaced by its value, values pasted as they are: strings among them must
 * come from hl_gp_quote) plus @OUTPUT@ (the image's name, quoted), stages the
 * script, runs gnuplot on it in the figure's folder of the stage, and adds the
 * image it drew to the set. 0; HL_EUNAVAIL when gnuplot cannot be run,
 * HL_ECHILD when it failed (its message went to stderr), HL_EIO/HL_ENOMEM;
 * why says which. The templates are the .gp files of plots/, compiled in
 * (plot_templates.h). */
int hl_plot_render(const char *tpl, const char *const *kv, size_t nkv, const hl_figure_t *fig,
                   char *why, size_t len);

/* Stages FOLDER/NAME in fig's set for writing (a data file of the figure). */
FILE *hl_figure_data(const hl_figure_t *fig, const char *name, char *why, size_t len);

#endif
