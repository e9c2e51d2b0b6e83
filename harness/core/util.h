/* Small utilities shared by every heaplab subsystem: lists of names, whole-file
 * reads (writes are output.h's), /proc readers that do not allocate, clocks. */
#ifndef HL_UTIL_H
#define HL_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Splits "a,b,c" into a malloc'd array of malloc'd strings. Empty items are
 * HL_EPARSE. */
int hl_split_list(const char *text, char ***items_out, size_t *n_out);
void hl_strlist_free(char **items, size_t n);
int hl_strlist_index(char *const *items, size_t n, const char *item);

/* Reads a whole file into a NUL-terminated malloc'd buffer. */
int hl_read_file(const char *path, char **data_out, size_t *len_out);

/* Value of a "Key:   N kB" line of /proc/<pid>/status in bytes (pid 0 = self).
 * Uses a stack buffer and raw read(2): safe on the out-of-memory path. */
int hl_proc_status_bytes(int pid, const char *key, uint64_t *bytes_out);

/* First line of a small file (sysfs, procfs) into buf, newline stripped. */
int hl_read_line(const char *path, char *buf, size_t len);

/* FNV-1a, 64 bits, continuing from h (start with HL_FNV_OFFSET). */
#define HL_FNV_OFFSET UINT64_C(14695981039346656037)
uint64_t hl_fnv1a64(const void *data, size_t len, uint64_t h);
/* The first 12 hex digits of a hash: a short, stable id. buf: 13 bytes. */
void hl_short_id(uint64_t hash, char *buf);

/* The path of the running heaplab executable (what its workers and probes
 * exec), into buf. 0 or HL_ESYS. */
int hl_self_exe(char *buf, size_t len);

/* The file a command name runs, as execvp() finds it: name itself when it
 * holds a '/', else the first regular executable file NAME in $PATH's
 * directories (an empty entry is the current directory; PATH unset or
 * empty: /usr/local/bin:/usr/bin:/bin), into buf. 0 or HL_ENOENT. */
int hl_find_program(const char *name, char *buf, size_t len);

uint64_t hl_now_ns(void); /* CLOCK_MONOTONIC */
/* write(2) until all of buf is written or an error (then gives up
 * silently): async-signal-safe, no allocation, for records and trace lines
 * written from collectors' callbacks and out-of-memory paths. */
void hl_write_all(int fd, const char *buf, size_t len);
uint64_t hl_cputime_ns(void); /* CLOCK_PROCESS_CPUTIME_ID */

#endif
