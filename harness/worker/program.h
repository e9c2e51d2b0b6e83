/* What heaplab knows about a user's program before it runs it (-x): the
 * file exec would run, and from its ELF headers whether it is linked
 * dynamically (so LD_PRELOAD can replace its malloc), whether it defines
 * malloc itself (then its own wins over any preload: the executable comes
 * first in the dynamic linker's lookup order), and whether it is a Go
 * program (the .go.buildinfo section the Go linker writes: the Go version
 * and the main module, as `go version -m` shows them). Read from the file,
 * no process started. A file that is not ELF (a script) is run as it is:
 * its interpreter is the program. */
#ifndef HL_PROGRAM_H
#define HL_PROGRAM_H

#include <stddef.h>

typedef struct hl_program_info {
  char path[4096]; /* the file: argv[0] itself when it has a '/', else found on $PATH */
  int elf;         /* an ELF file (else a script or unknown: none of the below is known) */
  int is_static;   /* no program interpreter: LD_PRELOAD does nothing */
  int defines_malloc;
  int is_go;
  char go_version[32]; /* "go1.19.8"; "" when the build info is in an older layout */
  char go_module[256]; /* the main module's path; "" when not recorded */
} hl_program_info_t;

/* Finds argv0 as execvp would and reads its headers. 0, or HL_ENOENT /
 * HL_EINVAL with why (not found, not executable). */
int hl_program_inspect(const char *argv0, hl_program_info_t *info, char *why, size_t why_len);

/* Why a malloc backend cannot be put into this program, or NULL when it
 * can ("statically linked: ...", "a Go program: ..."). */
const char *hl_program_preload_refusal(const hl_program_info_t *info);

#endif
