// The C++ side of gbench.h: the only C++ in heaplab.
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
#include <vector>

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

namespace {

// Keeps the run as numbers: the worker builds its row from them, so no
// JSON text is made here only to be parsed again.
class CaptureReporter : public benchmark::BenchmarkReporter {
public:
  explicit CaptureReporter(hl_gb_run_t *out) : out_(out) {}
  bool ReportContext(const Context &) override { return true; }
  void ReportRuns(const std::vector<Run> &runs) override {
    for (const Run &r : runs) {
      if (r.run_type != Run::RT_Iteration) continue;
      out_->iterations = static_cast<uint64_t>(r.iterations);
      out_->real_time_ns = r.GetAdjustedRealTime();
      out_->cpu_time_ns = r.GetAdjustedCPUTime();
      out_->error_occurred = r.error_occurred ? 1 : 0;
      std::snprintf(out_->error_message, sizeof out_->error_message, "%s", r.error_message.c_str());
      reported_ = true;
    }
  }
  bool reported() const { return reported_; }

private:
  hl_gb_run_t *out_;
  bool reported_ = false;
};

char *copy_out(const std::string &text) {
  char *copy = static_cast<char *>(std::malloc(text.size() + 1));
  if (copy) std::memcpy(copy, text.c_str(), text.size() + 1);
  return copy;
}

} // namespace

extern "C" int hl_gb_run(hl_gb_run_t *out, char *why, size_t why_len) {
  try {
    static char arg0[] = "heaplab";
    static char *argv[] = {arg0, nullptr};
    int argc = 1;
    benchmark::Initialize(&argc, argv);
    std::memset(out, 0, sizeof *out);
    CaptureReporter reporter(out);
    size_t ran = benchmark::RunSpecifiedBenchmarks(&reporter);
    if (ran == 0 || !reporter.reported()) {
      std::snprintf(why, why_len, "Google Benchmark ran nothing");
      return HL_ECHILD;
    }
    return 0;
  } catch (const std::exception &e) {
    std::snprintf(why, why_len, "Google Benchmark failed: %s", e.what());
    return HL_ECHILD;
  }
}

// The JSON reporter writes the document's opening, the context object and
// the opening of "benchmarks"; closed with "]}" it is a whole document.
extern "C" char *hl_gb_context_json(void) {
  try {
    std::ostringstream out, err;
    benchmark::JSONReporter reporter;
    reporter.SetOutputStream(&out);
    reporter.SetErrorStream(&err);
    benchmark::BenchmarkReporter::Context context;
    reporter.ReportContext(context);
    reporter.Finalize();
    return copy_out(out.str());
  } catch (const std::exception &) {
    return nullptr;
  }
}
