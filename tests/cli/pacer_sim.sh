#!/usr/bin/env bash
# heaplab pacer-sim: Go's TestGcPacer on heaplab's pacer. Every Go check
# passes in both models; the last cycle of each scenario is Go's, exactly;
# with --pacer-model go119 every cycle of every scenario is what Go 1.19.8
# itself printed. Bad input exits 2 with a message.
#
# Expected values:
# - go122, the last cycle (util %, live heap at the start, trigger, peak,
#   goal): the newest pacer's values, as Go's own TestGcPacer computes them
#   at Go 1.26-dev.
# - go119, every cycle: data/pacer_sim_go119.csv, the log lines of
#   `go test -run 'TestGcPacer$' -v runtime` with Debian 12's go1.19.8
#   (golang-1.19), put in pacer-sim's CSV form; its util % and goal of the
#   last cycles are section 4.3's right-most columns.
. "$(dirname "$0")/lib.sh"

DATA="$(dirname "$0")/data"
HEADER=scenario,cycle,gc_util_pct,heap_marked_prev,trigger,heap_peak,heap_goal

# scenario cycles util% heap_marked trigger peak goal (go122)
last_go122="
Steady 50 25.0 20886438 39968953 41813835 41813836
SteadyBigStacks 50 25.0 78323176 231617274 290898894 290898896
SteadyBigGlobals 50 25.0 78312879 231580353 290851676 290851678
StepAlloc 100 25.0 24576217 43658731 49193392 49193394
HeavyStepAlloc 100 45.6 27098619 46181094 54238197 54238198
StepScannableFrac 100 25.0 20485028 39567543 41011015 41011016
HighGOGC 50 25.0 397359800 6224019125 6350130001 6358371200
OscAlloc 50 27.5 22787244 41869761 45615447 45615448
JitterAlloc 50 25.8 24879122 42401042 49862899 49799204
HeavyJitterAlloc 50 44.9 27246495 46432965 54554944 54533950
SmallHeapSlowAlloc 50 25.0 582609 4024961 4025029 4194304
MediumHeapSlowAlloc 50 25.0 4054169 7957315 7957434 8149298
LargeHeapSlowAlloc 50 25.0 3405451943 6806750542 6806800485 6810944846
SteadyMemoryLimit 50 25.0 20886438 39968953 41813835 41813836
SteadyMemoryLimitNoGCPercent 50 25.0 20886447 516570481 518415372 520764785
ExceedMemoryLimit 50 100.0 1174734432 1174734432 1174734432 1174734432
ExceedMemoryLimitNoGCPercent 50 100.0 1174734432 1174734432 1174734432 1174734432
MaintainMemoryLimit 50 25.0 391467728 486250716 520764784 520764785
MaintainMemoryLimitNoGCPercent 50 25.0 391467773 486250671 520764784 520764785
"

# scenario util% goal (go119, section 4.3)
last_go119="
Steady 25.0 41810944
SteadyBigStacks 25.0 290805424
SteadyBigGlobals 25.0 290758224
StepAlloc 25.0 49186752
HeavyStepAlloc 45.6 54238232
StepScannableFrac 25.0 41011012
HighGOGC 25.7 6358371200
OscAlloc 27.2 45160504
JitterAlloc 29.0 49799204
HeavyJitterAlloc 44.9 54533956
SmallHeapSlowAlloc 25.0 4194304
MediumHeapSlowAlloc 25.0 8149298
LargeHeapSlowAlloc 25.0 6810944846
SteadyMemoryLimit 25.0 41810944
SteadyMemoryLimitNoGCPercent 25.0 535822336
ExceedMemoryLimit 100.0 1174734432
ExceedMemoryLimitNoGCPercent 100.0 1174734432
MaintainMemoryLimit 25.0 535822336
MaintainMemoryLimitNoGCPercent 25.0 535822336
"

# Every Go check passes, in both models, in both formats.
for model in go122 go119; do
  expect_exit 0 "$HEAPLAB" pacer-sim all --pacer-model $model &&
    expect_in "$T/out" "19 scenarios," && expect_in "$T/out" "0 failed: PASS"
  expect_not_in "$T/out" "FAIL"
  expect_exit 0 "$HEAPLAB" pacer-sim --pacer-model $model --format csv
  cp "$T/out" "$T/$model.csv"
  checks=$((checks + 1))
  [[ $(head -1 "$T/$model.csv") == "$HEADER" ]] || fail "$model: CSV header: $(head -1 "$T/$model.csv")"
  checks=$((checks + 1))
  [[ $(wc -l <"$T/$model.csv") -eq 1101 ]] || fail "$model: $(wc -l <"$T/$model.csv") CSV lines, want 1101"
  checks=$((checks + 1))
  [[ ! -s "$T/err" ]] || fail "$model: CSV run wrote to stderr: $(head -2 "$T/err")"
done

# The default model is go122, the default scenario all, the default format a table.
expect_exit 0 "$HEAPLAB" pacer-sim && expect_in "$T/out" "model go122"
expect_exit 0 "$HEAPLAB" pacer-sim --format csv
checks=$((checks + 1))
cmp -s "$T/out" "$T/go122.csv" || fail "default run differs from --pacer-model go122"

# go122: the last cycle of every scenario, exactly.
while read -r name n util live trigger peak goal; do
  [[ -n $name ]] || continue
  checks=$((checks + 1))
  got=$(grep "^$name,$n," "$T/go122.csv")
  want="$name,$n,$util,$live,$trigger,$peak,$goal"
  [[ $got == "$want" ]] || fail "go122 last cycle: got '$got', want '$want'"
done <<<"$last_go122"

# go119: util and goal of the last cycle, then every cycle against Go 1.19.8.
while read -r name util goal; do
  [[ -n $name ]] || continue
  checks=$((checks + 1))
  got=$(grep "^$name," "$T/go119.csv" | tail -1 | awk -F, '{print $3, $7}')
  [[ $got == "$util $goal" ]] || fail "go119 $name last cycle: got '$got', want '$util $goal'"
done <<<"$last_go119"
checks=$((checks + 1))
if ! cmp -s "$T/go119.csv" "$DATA/pacer_sim_go119.csv"; then
  fail "go119 differs from Go 1.19.8's own run:"
  diff "$DATA/pacer_sim_go119.csv" "$T/go119.csv" | head -10 >&2
fi

# One scenario: every cycle in the table, Go's first trigger; any case.
expect_exit 0 "$HEAPLAB" pacer-sim smallheapslowalloc --pacer-model go119 &&
  expect_in "$T/out" "SmallHeapSlowAlloc (GOGC 100" && expect_in "$T/out" "1 scenario,"
checks=$((checks + 1))
[[ $(grep -cE '^ +[0-9]+ +[0-9.]+%' "$T/out") -eq 50 ]] || fail "SmallHeapSlowAlloc: not 50 cycle rows"
checks=$((checks + 1))
grep -qE '^ +1 +25\.0% +0 +3997696 +[0-9]+ +4194304 ' "$T/out" || fail "SmallHeapSlowAlloc cycle 1 is not 0->3997696 (goal 4194304)"
expect_exit 0 "$HEAPLAB" pacer-sim HighGOGC --format csv
checks=$((checks + 1))
[[ $(wc -l <"$T/out") -eq 51 ]] || fail "HighGOGC CSV: $(wc -l <"$T/out") lines, want 51"

# Help, and bad input: exit 2 with one message naming the problem.
expect_exit 0 "$HEAPLAB" pacer-sim --help && expect_in "$T/out" "--pacer-model" &&
  expect_in "$T/out" "MaintainMemoryLimitNoGCPercent"
expect_exit 0 "$HEAPLAB" --help && expect_in "$T/out" "pacer-sim"
bad() { # bad "expected message" args...
  local msg=$1
  shift
  expect_exit 2 "$HEAPLAB" pacer-sim "$@" && expect_in "$T/err" "$msg"
  checks=$((checks + 1))
  [[ ! -s "$T/out" ]] || fail "output on bad input: $*"
}
bad "unknown scenario 'Stedy'; available: all Steady SteadyBigStacks" Stedy
bad "--pacer-model 'go120': expected go122 or go119" --pacer-model go120
bad "--format 'json': expected table or csv" --format json
bad "unexpected argument 'Steady'" all Steady
bad "unknown option '--gogc'" --gogc 50
bad "option needs a value '--format'" --format

done_checks
