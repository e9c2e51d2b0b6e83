// Parameters: each twin declares the same keys, defaults and choices as its
// C workload (the conformance test compares them with `heaplab list
// params`), and takes values as heaplab's -p does: integers with heaplab's
// size units, or a choice's word.

package main

import (
	"fmt"
	"strconv"
	"strings"
)

type paramSpec struct {
	key          string
	def, quick   uint64
	choices      []string // a choice parameter: the value is the word's index
	sizeAccepted []uint64 // a value type's size: only these (sizes.go)
}

type params map[string]uint64

// units are heaplab's size suffixes (harness/core/size.c).
var units = []struct {
	suffix string
	mult   uint64
}{
	{"", 1}, {"B", 1}, {"K", 1 << 10}, {"k", 1 << 10}, {"KiB", 1 << 10}, {"M", 1 << 20},
	{"m", 1 << 20}, {"MiB", 1 << 20}, {"G", 1 << 30}, {"g", 1 << 30}, {"GiB", 1 << 30},
	{"T", 1 << 40}, {"t", 1 << 40}, {"TiB", 1 << 40}, {"KB", 1000}, {"MB", 1000000},
	{"GB", 1000000000}, {"TB", 1000000000000},
}

func parseSize(text string) (uint64, error) {
	i := 0
	for i < len(text) && text[i] >= '0' && text[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("'%s' is not a number", text)
	}
	v, err := strconv.ParseUint(text[:i], 10, 64)
	if err != nil {
		return 0, err
	}
	for _, u := range units {
		if u.suffix == text[i:] {
			if v > ^uint64(0)/u.mult {
				return 0, fmt.Errorf("'%s' is too large", text)
			}
			return v * u.mult, nil
		}
	}
	return 0, fmt.Errorf("'%s' has an unknown unit", text)
}

func (s paramSpec) parse(text string) (uint64, error) {
	if s.choices != nil {
		for i, c := range s.choices {
			if c == text {
				return uint64(i), nil
			}
		}
		return 0, fmt.Errorf("%s: '%s' is not one of %s", s.key, text, strings.Join(s.choices, "|"))
	}
	v, err := parseSize(text)
	if err != nil {
		return 0, fmt.Errorf("%s: %v", s.key, err)
	}
	if s.sizeAccepted != nil && !sizeListed(s.sizeAccepted, v) {
		return 0, fmt.Errorf("%s=%d has no Go type here; use one of %v", s.key, v, s.sizeAccepted)
	}
	return v, nil
}

func (s paramSpec) format(v uint64) string {
	if s.choices != nil {
		return s.choices[v]
	}
	return strconv.FormatUint(v, 10)
}

func sizeListed(list []uint64, v uint64) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// resolve fills every parameter: the given KEY=VALUE pairs, else the
// default (quick or normal).
func resolve(specs []paramSpec, given []string, quick bool) (params, error) {
	p := params{}
	for _, s := range specs {
		p[s.key] = s.def
		if quick {
			p[s.key] = s.quick
		}
	}
	for _, kv := range given {
		key, val, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, fmt.Errorf("-p %s: want KEY=VALUE", kv)
		}
		found := false
		for _, s := range specs {
			if s.key == key {
				v, err := s.parse(val)
				if err != nil {
					return nil, err
				}
				p[key] = v
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("-p %s: unknown parameter '%s'", kv, key)
		}
	}
	return p, nil
}
