/* What the collector tells valgrind's drd (gcrace.h): whether it runs
 * under valgrind, and the client requests that stop and restart recording
 * a thread's loads or stores. */
#include "gcrace.h"

int gc_race_annotate;

void gc_race_init(void) {
#ifdef GC_RACE_HAVE_DRD
  gc_race_annotate = RUNNING_ON_VALGRIND != 0;
#endif
}

void gc_race_record(int stores, int on) {
#ifdef GC_RACE_HAVE_DRD
  if (stores) {
    VALGRIND_DO_CLIENT_REQUEST_STMT(VG_USERREQ__DRD_RECORD_STORES, on, 0, 0, 0, 0);
  } else {
    VALGRIND_DO_CLIENT_REQUEST_STMT(VG_USERREQ__DRD_RECORD_LOADS, on, 0, 0, 0, 0);
  }
#else
  (void)stores;
  (void)on;
#endif
}
