package main

import (
	"sort"
	"time"
)

// summary holds order statistics of a set of durations.
type summary struct {
	N                     int
	Median, P90, Min, Max time.Duration
	Mean                  time.Duration
}

// summarize returns the order statistics of ds; percentiles use the
// nearest-rank method. ds is not modified.
func summarize(ds []time.Duration) summary {
	if len(ds) == 0 {
		return summary{}
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	var sum time.Duration
	for _, d := range s {
		sum += d
	}
	return summary{
		N:      len(s),
		Median: median(s),
		P90:    nearestRank(s, 90),
		Min:    s[0],
		Max:    s[len(s)-1],
		Mean:   sum / time.Duration(len(s)),
	}
}

// median of sorted s: the mean of the two middle values for an even count.
func median(s []time.Duration) time.Duration {
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// nearestRank returns the p-th percentile of sorted s (0 < p <= 100).
func nearestRank(s []time.Duration, p int) time.Duration {
	r := (p*len(s) + 99) / 100 // ceil(p/100 * n)
	if r < 1 {
		r = 1
	}
	return s[r-1]
}
