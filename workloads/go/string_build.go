// string-build (workloads/string_build.c): a string from pieces by
// concatenation, strings.Builder, or a []byte and string(b). The results
// stay in the function.

package main

import "strings"

// readString reads the result: s does not escape.
//
//go:noinline
func readString(s string) uint64 {
	return uint64(len(s)) + uint64(s[0]) + uint64(s[len(s)-1])
}

//go:noinline
func buildConcat(piece string, pieces int) uint64 {
	s := ""
	for i := 0; i < pieces; i++ {
		s = s + piece // site: concatLoop
	}
	return readString(s)
}

//go:noinline
func buildBuilder(piece string, pieces int) uint64 {
	var b strings.Builder
	for i := 0; i < pieces; i++ {
		b.WriteString(piece) // site: builderGrow (runtime: growslice in WriteString)
	}
	return readString(b.String())
}

//go:noinline
func buildBytes(piece string, pieces int) uint64 {
	b := []byte(piece) // site: bytesSmall; site: bytesLarge (runtime: over 32 bytes)
	for i := 1; i < pieces; i++ {
		b = append(b, piece...) // site: appendBytes (runtime: growslice)
	}
	s := string(b) // site: stringSmall; site: stringLarge (runtime: over 32 bytes)
	return readString(s)
}

type stringBody struct{ piece string }

func (b *stringBody) setup(t *thread) {}

func (b *stringBody) run(t *thread, iterations uint64) {
	pieces := int(t.p["pieces"])
	build := buildConcat
	switch t.p["method"] {
	case 1:
		build = buildBuilder
	case 2:
		build = buildBytes
	}
	sink := uint64(0)
	for i := uint64(0); i < iterations; i++ {
		sink += build(b.piece, pieces)
	}
	t.sink += sink
}

func (b *stringBody) teardown(t *thread) {}

func init() {
	register(&workload{
		name: "string-build",
		params: []paramSpec{
			{key: "ops", def: 200000, quick: 20000},
			{key: "pieces", def: 16, quick: 16},
			{key: "piece", def: 8, quick: 8},
			{key: "method", def: 0, quick: 0, choices: []string{"concat", "builder", "bytes"}},
		},
		iterations: func(p params, threads int) uint64 { return p["ops"] / uint64(threads) },
		prepare: func(t *thread) body {
			return &stringBody{piece: strings.Repeat(string(rune('a'+t.index%26)), int(t.p["piece"]))}
		},
	})
}
