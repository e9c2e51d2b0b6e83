/* gnuplot templates compiled into heaplab (the .gp files of plots/, see
 * plots/embed.py). */
#ifndef HL_PLOT_TEMPLATES_H
#define HL_PLOT_TEMPLATES_H

extern const char hl_template_box[];
extern const char hl_template_timeline[];
extern const char hl_template_panels[];

#endif
