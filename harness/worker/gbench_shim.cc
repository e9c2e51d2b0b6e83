// The C++ side of harness/gbench.h: the only C++ in heaplab.
//
// Kept deliberately thin: it forwards to Google Benchmark and converts
// nothing but types. Units stay Google Benchmark's (time per iteration in the
// benchmark's time unit, here nanoseconds).
#include "gbench.h"

#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <string>

extern "C" {
#include "error.h"
}

namespace {

benchmark::State &S(hl_gb_state_t *st) {
  return *reinterpret_cast<benchmark::State *>(st);
}
const benchmark::State &S(const hl_gb_state_t *st) {
  return *reinterpret_cast<const benchmark::State *>(st);
}

} // namespace

extern "C" int hl_gb_register(const char *name, hl_gb_fn fn, void *arg, uint64_t iterations,
                              unsigned threads) {
  if (!name || !fn || iterations == 0 || threads == 0) return HL_EINVAL;
  try {
    benchmark::RegisterBenchmark(
        name, [fn, arg](benchmark::State &st) { fn(reinterpret_cast<hl_gb_state_t *>(&st), arg); })
        ->Iterations(static_cast<benchmark::IterationCount>(iterations))
        ->Threads(static_cast<int>(threads))
        ->MeasureProcessCPUTime()
        ->Unit(benchmark::kNanosecond);
  } catch (const std::bad_alloc &) {
    return HL_ENOMEM;
  }
  return 0;
}

extern "C" uint64_t hl_gb_batch_begin(hl_gb_state_t *st) {
  benchmark::State &s = S(st);
  const benchmark::IterationCount n = s.max_iterations;
  return s.KeepRunningBatch(n) ? static_cast<uint64_t>(n) : 0;
}

extern "C" void hl_gb_batch_end(hl_gb_state_t *st) {
  // The whole batch was consumed, so this call finds no iterations left and
  // stops the timer (FinishKeepRunning).
  bool more = S(st).KeepRunningBatch(1);
  (void)more;
}

extern "C" unsigned hl_gb_thread_index(const hl_gb_state_t *st) {
  return static_cast<unsigned>(S(st).thread_index());
}

extern "C" unsigned hl_gb_threads(const hl_gb_state_t *st) {
  return static_cast<unsigned>(S(st).threads());
}

extern "C" void hl_gb_skip_with_error(hl_gb_state_t *st, const char *message) {
  S(st).SkipWithError(message);
}

extern "C" char *hl_gb_run_json(char *why, size_t why_len) {
  try {
    static char arg0[] = "heaplab";
    static char *argv[] = {arg0, nullptr};
    int argc = 1;
    benchmark::Initialize(&argc, argv);
    std::ostringstream out, err;
    benchmark::JSONReporter reporter;
    reporter.SetOutputStream(&out);
    reporter.SetErrorStream(&err);
    size_t ran = benchmark::RunSpecifiedBenchmarks(&reporter);
    if (ran == 0) {
      std::snprintf(why, why_len, "Google Benchmark ran nothing: %s", err.str().c_str());
      return nullptr;
    }
    std::string text = out.str();
    char *copy = static_cast<char *>(std::malloc(text.size() + 1));
    if (!copy) {
      std::snprintf(why, why_len, "out of memory copying the report");
      return nullptr;
    }
    std::memcpy(copy, text.c_str(), text.size() + 1);
    return copy;
  } catch (const std::exception &e) {
    std::snprintf(why, why_len, "Google Benchmark failed: %s", e.what());
    return nullptr;
  }
}
