/* SIGINT and SIGTERM (interrupt.h). */
#include "interrupt.h"

#include <string.h>

volatile sig_atomic_t hl_interrupted;

static void on_signal(int sig) {
  hl_interrupted = sig;
}

void hl_interrupt_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

int hl_interrupt_exit_code(void) {
  return hl_interrupted ? 128 + hl_interrupted : 0;
}
