#!/usr/bin/env bash
# Every --help: exit 0, no line over 80 columns, defaults stated once and
# true (oom's are oom's), list --help explains its subjects.
. "$(dirname "$0")/lib.sh"

# width LABEL FILE: no line of FILE over 80 columns
width() {
  checks=$((checks + 1))
  local over
  over=$(awk 'length($0) > 80 { printf "%d:%d ", NR, length($0) }' "$2")
  [[ -z $over ]] || fail "$1: lines over 80 columns (line:width) $over"
}

expect_exit 0 "$HEAPLAB" --help
width "heaplab --help" "$T/out"
cp "$T/out" "$T/main"
# the commands, as heaplab --help lists them (every command there, none assumed)
commands=$(awk '/^Commands:/ { on = 1; next } on && /^$/ { exit } on && /^  [a-z]/ { print $1 }' "$T/main")
checks=$((checks + 1))
[[ $(wc -w <<<"$commands") -ge 12 ]] || fail "heaplab --help lists too few commands: $commands"
for c in $commands; do
  expect_exit 0 "$HEAPLAB" "$c" --help || continue
  width "heaplab $c --help" "$T/out"
  checks=$((checks + 1))
  [[ $(wc -l <"$T/out") -ge 3 ]] || fail "heaplab $c --help says almost nothing"
  # -h, and --help after other arguments, print the same page
  "$HEAPLAB" "$c" --nonsense -h >"$T/out2" 2>&1
  checks=$((checks + 1))
  cmp -s "$T/out" "$T/out2" || fail "heaplab $c --nonsense -h differs from --help"
done
expect_exit 2 "$HEAPLAB"
width "heaplab (no command)" "$T/err"

# --help OPTION: the block of that option in $T/out, joined to one line
entry() {
  awk -v o="$1" '
    /^  / && !found && (index($0, o " ") > 0 || substr($0, length($0) - length(o) + 1) == o) {
      found = 1; printf "%s", $0; next }
    found && /^                              / { sub(/^ +/, " "); printf "%s", $0; next }
    found { exit }' "$T/out"
}
expect_exit 0 "$HEAPLAB" run --help
for want in "--reps N:(default 5)" "--timeout SEC:(default 600)" "--sample-ms MS:(default 0: none)" \
  "--seed N:(default 1)" "--memlimit SIZE|off[,..]:(default \$HEAPLAB_MEMLIMIT, else off)" "--gogc N|off[,..]:(default \$HEAPLAB_GOGC, else 100)"; do
  checks=$((checks + 1))
  e=$(entry "${want%%:*}")
  [[ $e == *"${want#*:}"* ]] || fail "run --help: ${want%%:*}: '$e' lacks '${want#*:}'"
done
expect_exit 0 "$HEAPLAB" oom --help
for want in "--runs N:(default 5)" "--reps N:(default 5)" "--timeout SEC:(default 120)" \
  "--sample-ms MS:(default 5)" "--thrash-window SEC:(default 2)"; do
  checks=$((checks + 1))
  e=$(entry "${want%%:*}")
  [[ $e == *"${want#*:}"* ]] || fail "oom --help: ${want%%:*}: '$e' lacks '${want#*:}'"
done
# every default once: no option entry names two
checks=$((checks + 1))
twice=$(awk '/^  / { n = gsub(/\(default/, "&"); if (n > 1) print }' "$T/out")
[[ -z $twice ]] || fail "oom --help states a default twice: $twice"
expect_not_in "$T/out" "(default 3)"
expect_not_in "$T/out" "(default 600)"
# the gate refuses --reps: no default is shown for it
expect_exit 0 "$HEAPLAB" gate --help
checks=$((checks + 1))
[[ $(entry "--reps N") != *"(default"* ]] || fail "gate --help shows a default for --reps"

expect_exit 0 "$HEAPLAB" list --help
for s in "  backends " "  workloads " "  params [WORKLOAD] " "  counters " "kind (malloc or gc)" \
  "bench:" "selftest:" "heaplab list params steady-service"; do
  expect_in "$T/out" "$s"
done

echo "$checks checks, $failures failures"
[[ $failures -eq 0 ]]
