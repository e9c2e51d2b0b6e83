/* A program's ELF facts (program.h).
 *
 * The file is mapped read-only and every offset is checked against its
 * size before it is followed: the program is the user's, but heaplab must
 * not crash on a truncated or odd file. Only 64-bit little-endian ELF is
 * read (the machines heaplab runs on); anything else is "not inspected". */
#include "program.h"

#include "error.h"
#include "util.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct image {
  const unsigned char *p;
  size_t len;
} image_t;

static int in_image(const image_t *im, uint64_t off, uint64_t n) {
  return off <= im->len && n <= im->len - off;
}

static const Elf64_Shdr *section(const image_t *im, const Elf64_Ehdr *eh, size_t i) {
  uint64_t off = eh->e_shoff + (uint64_t)i * sizeof(Elf64_Shdr);
  return in_image(im, off, sizeof(Elf64_Shdr)) ? (const Elf64_Shdr *)(im->p + off) : NULL;
}

static const Elf64_Shdr *find_section(const image_t *im, const Elf64_Ehdr *eh, const char *name) {
  const Elf64_Shdr *names = section(im, eh, eh->e_shstrndx);
  if (!names || !in_image(im, names->sh_offset, names->sh_size)) return NULL;
  for (size_t i = 0; i < eh->e_shnum; i++) {
    const Elf64_Shdr *s = section(im, eh, i);
    if (!s || s->sh_name >= names->sh_size) continue;
    const char *n = (const char *)im->p + names->sh_offset + s->sh_name;
    size_t room = names->sh_size - s->sh_name;
    if (strnlen(n, room) < room && !strcmp(n, name)) return s;
  }
  return NULL;
}

static int has_interp(const image_t *im, const Elf64_Ehdr *eh) {
  for (size_t i = 0; i < eh->e_phnum; i++) {
    uint64_t off = eh->e_phoff + (uint64_t)i * sizeof(Elf64_Phdr);
    if (!in_image(im, off, sizeof(Elf64_Phdr))) return 0;
    if (((const Elf64_Phdr *)(im->p + off))->p_type == PT_INTERP) return 1;
  }
  return 0;
}

/* Whether .dynsym defines (not merely imports) malloc. */
static int defines_malloc(const image_t *im, const Elf64_Ehdr *eh) {
  const Elf64_Shdr *sym = find_section(im, eh, ".dynsym"), *str = find_section(im, eh, ".dynstr");
  if (!sym || !str || !in_image(im, sym->sh_offset, sym->sh_size) ||
      !in_image(im, str->sh_offset, str->sh_size))
    return 0;
  for (uint64_t k = 0; k + sizeof(Elf64_Sym) <= sym->sh_size; k += sizeof(Elf64_Sym)) {
    const Elf64_Sym *s = (const Elf64_Sym *)(im->p + sym->sh_offset + k);
    if (s->st_shndx == SHN_UNDEF || s->st_name + sizeof "malloc" > str->sh_size) continue;
    if (!memcmp(im->p + str->sh_offset + s->st_name, "malloc", sizeof "malloc")) return 1;
  }
  return 0;
}

/* Go's uvarint-prefixed string at *off; advances it. */
static int go_string(const image_t *im, uint64_t *off, uint64_t end, const char **s, size_t *n) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*off >= end) return -1;
    unsigned char b = im->p[(*off)++];
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) break;
  }
  if (v > end - *off) return -1;
  *s = (const char *)im->p + *off;
  *n = (size_t)v;
  *off += v;
  return 0;
}

/* The build info (Go >= 1.18 writes the strings inline after a 32-byte
 * header whose byte 15 has bit 2 set; older linkers store pointers, and
 * the version is then left unknown). The module info is lines of
 * "path\tPKG" and "mod\tMODULE\tVERSION\t..." between 16-byte sentinels. */
static void go_buildinfo(const image_t *im, const Elf64_Shdr *bi, hl_program_info_t *info) {
  static const char magic[] = "\xff Go buildinf:";
  if (!in_image(im, bi->sh_offset, bi->sh_size) || bi->sh_size < 32 ||
      memcmp(im->p + bi->sh_offset, magic, 14) != 0 || !(im->p[bi->sh_offset + 15] & 2))
    return;
  uint64_t off = bi->sh_offset + 32, end = bi->sh_offset + bi->sh_size;
  const char *s;
  size_t n;
  if (go_string(im, &off, end, &s, &n) != 0) return;
  snprintf(info->go_version, sizeof info->go_version, "%.*s", (int)n, s);
  if (go_string(im, &off, end, &s, &n) != 0) return;
  for (size_t i = 0; i < n;) {
    const char *line = s + i, *nl = memchr(line, '\n', n - i);
    size_t len = nl ? (size_t)(nl - line) : n - i;
    if (len > 4 && !memcmp(line, "mod\t", 4)) {
      const char *tab = memchr(line + 4, '\t', len - 4);
      int mlen = (int)(tab ? (size_t)(tab - line - 4) : len - 4);
      snprintf(info->go_module, sizeof info->go_module, "%.*s", mlen, line + 4);
    } else if (len > 5 && !memcmp(line, "path\t", 5) && !info->go_module[0]) {
      snprintf(info->go_module, sizeof info->go_module, "%.*s", (int)(len - 5), line + 5);
    }
    i += len + 1;
  }
}

static void read_elf(const image_t *im, hl_program_info_t *info) {
  if (im->len < sizeof(Elf64_Ehdr) || memcmp(im->p, ELFMAG, SELFMAG) != 0) return;
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)im->p;
  if (eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB) return;
  info->elf = 1;
  info->is_static = !has_interp(im, eh);
  info->defines_malloc = defines_malloc(im, eh);
  const Elf64_Shdr *bi = find_section(im, eh, ".go.buildinfo");
  if (bi) {
    info->is_go = 1;
    go_buildinfo(im, bi, info);
  }
}

int hl_program_inspect(const char *argv0, hl_program_info_t *info, char *why, size_t why_len) {
  memset(info, 0, sizeof *info);
  if (strchr(argv0, '/')) {
    snprintf(info->path, sizeof info->path, "%s", argv0);
  } else if (hl_find_program(argv0, info->path, sizeof info->path) != 0) {
    snprintf(why, why_len, "%s: not found on $PATH", argv0);
    return HL_ENOENT;
  }
  struct stat st;
  int fd = open(info->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || access(info->path, X_OK) != 0) {
    snprintf(why, why_len, "%s: %s", info->path,
             fd < 0 ? strerror(errno) : "not an executable file");
    if (fd >= 0) close(fd);
    return fd < 0 && errno == ENOENT ? HL_ENOENT : HL_EINVAL;
  }
  if (st.st_size > 0) {
    void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      image_t im = {p, (size_t)st.st_size};
      read_elf(&im, info);
      munmap(p, (size_t)st.st_size);
    }
  }
  close(fd);
  return 0;
}

const char *hl_program_preload_refusal(const hl_program_info_t *info) {
  if (info->is_go)
    return "a Go program: its runtime allocates without malloc, so a malloc backend would "
           "measure nothing; run it as backend go";
  if (info->elf && info->is_static)
    return "statically linked: LD_PRELOAD cannot replace its malloc";
  if (info->defines_malloc)
    return "the program defines malloc itself, which comes before any preloaded library";
  return NULL;
}
