#!/usr/bin/env bash
# A results file is only data. The crafted files in data/ carry cell,
# workload, backend, parameter, context, message, signal and limit-mode
# strings that try every way out of a gnuplot string (quotes, newlines,
# system, backquotes, @macros, backslashes), out of HTML text and attributes
# (<script>, onerror=, quotes), out of a Markdown table or link, and onto the
# terminal (escape sequences). Through plot, report, oom-report and show: no
# command they hide runs (each would touch a file in $PWNED), the outputs are
# made, and the strings come out as the text they are.
. "$(dirname "$0")/lib.sh"
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed"; exit 77; }
DATA="$(dirname "$0")/data"

PWNED="$T/pwned"
mkdir "$PWNED"
for f in run oom; do
  sed "s|@PWNED@|$PWNED|g" "$DATA/hostile-$f.json" >"$T/$f.json"
done
no_command_ran() {
  checks=$((checks + 1))
  [[ -z $(ls -A "$PWNED") ]] || fail "$1 ran a command from the results file: $(ls "$PWNED")"
}

expect_exit 0 "$HEAPLAB" plot "$T/run.json" -o "$T/plot"
no_command_ran plot
for f in time rss; do
  expect_py "open('$T/plot/$f.png','rb').read(8) == b'\\x89PNG\\r\\n\\x1a\\n'"
  # The strings are in the script only as escaped literals: one line each.
  expect_in "$T/plot/$f.gp" 'set ytics ("glibc'"'"' 0) system('"'"'touch'
  expect_in "$T/plot/$f.gp" 'set title "steady\" 0) system \"touch'
  expect_not_in "$T/plot/$f.gp" '`touch'
done
expect_exit 0 "$HEAPLAB" plot "$T/run.json" -o "$T/plotsvg" --format svg
no_command_ran "plot --format svg"
# gnuplot drew the names as they are (its SVG escapes < and &).
expect_in "$T/plotsvg/time.svg" '#&lt;script>alert(1)&lt;/script>'
expect_in "$T/plotsvg/time.svg" 'steady" 0) system "touch'

expect_exit 0 "$HEAPLAB" report "$T/run.json" -o "$T/rep"
no_command_ran report
HTML="$T/rep/report.html" MD="$T/rep/report.md"
# No markup from the file survives in the HTML: parsed as a browser would,
# it has only heaplab's own elements, no event-handler attribute, and the
# hostile strings as text.
python3 - "$HTML" >"$T/check" <<'PY'
import html.parser, sys
text = open(sys.argv[1]).read()
allowed = {'html', 'head', 'meta', 'title', 'style', 'body', 'h1', 'h2', 'h3', 'p', 'table', 'tr',
           'th', 'td', 'div', 'svg', 'g', 'path', 'text', 'rect', 'defs', 'desc', 'circle', 'use',
           'line', 'polygon', 'polyline', 'tspan', 'clippath', 'filter', 'feflood', 'fecomposite',
           'nav', 'ul', 'li', 'a', 'b', 'span'}
class P(html.parser.HTMLParser):
    bad, data = [], []
    def handle_starttag(self, tag, attrs):
        if tag not in allowed: self.bad.append(tag)
        self.bad += [a for a, _ in attrs if a.startswith('on')]
    def handle_data(self, d): self.data.append(d)
p = P()
p.feed(text)
body = ''.join(p.data)
want = ['<script>alert(1)</script>', '<img src=x onerror=alert(2)>\'" onload="alert(3)',
        '<b>host</b>', '</td><script>alert(5)</script>']
missing = [w for w in want if w not in body]
print('ok' if not p.bad and not missing and '\x1b' not in text else 'bad: %s missing: %s' % (p.bad, missing))
PY
expect_in "$T/check" "ok"
# every figure inline, once
expect_py "open('$HTML').read().count('<svg') == len(__import__('glob').glob('$T/rep/figures/run1/*.svg')) >= 2"
# The Markdown: names cannot open a link, a code span or HTML, nor break a
# table row.
expect_in "$MD" '\](javascript:alert(4))'
expect_in "$MD" '&lt;script&gt;alert(1)&lt;/script&gt;'
expect_in "$MD" '@TITLE\|'
expect_not_in "$MD" '<script>'
expect_py "__import__('re').search(r'(?<!\\\\)\\]\\(javascript', open('$MD').read()) is None"

expect_exit 0 "$HEAPLAB" oom-report "$T/oom.json" -o "$T/oomr"
no_command_ran oom-report
OMD="$T/oomr/oom-report.md"
expect_in "$OMD" 'killed &lt;script&gt;alert(6)&lt;/script&gt;'
expect_not_in "$OMD" '<script>'
# An unknown limit mode from the file never reaches the report.
expect_not_in "$OMD" "touch $PWNED/mode"
checks=$((checks + 1))
png=$(ls "$T/oomr/timelines/"*.png 2>/dev/null | head -1)
[[ -n $png && $(basename "$png" | wc -c) -le 140 ]] || fail "timeline missing or its name too long: $png"

# show: the terminal gets no escape sequence, no carriage return.
expect_exit 0 "$HEAPLAB" show "$T/run.json"
no_command_ran show
checks=$((checks + 1))
! grep -q $'\x1b\|\r' "$T/out" || fail "show printed control characters from the file"
expect_in "$T/out" '@TITLE|](javascript:alert(4))?[2J?]0;pwned?\'
done_checks
