/* `heaplab merge A.json B.json... -o ALL.json`: joins the results files of a
 * plan's shards (merge.c). */
#ifndef HL_MERGE_H
#define HL_MERGE_H

int hl_merge_main(int argc, char **argv);

#endif
