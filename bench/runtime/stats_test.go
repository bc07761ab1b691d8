package main

import (
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	var ds []time.Duration
	for i := 10; i >= 1; i-- { // 10ms .. 1ms, unsorted on purpose
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := summarize(ds)
	want := summary{N: 10, Median: 5500 * time.Microsecond, P90: 9 * time.Millisecond,
		Min: time.Millisecond, Max: 10 * time.Millisecond, Mean: 5500 * time.Microsecond}
	if s != want {
		t.Fatalf("summarize = %+v, want %+v", s, want)
	}
	if ds[0] != 10*time.Millisecond {
		t.Fatalf("summarize reordered its input")
	}
}

func TestSummarizeOddAndSingle(t *testing.T) {
	s := summarize([]time.Duration{3, 1, 2})
	if s.Median != 2 || s.P90 != 3 {
		t.Fatalf("median/p90 of 1,2,3 = %v/%v, want 2/3", s.Median, s.P90)
	}
	s = summarize([]time.Duration{7})
	if s.Median != 7 || s.P90 != 7 || s.Min != 7 || s.Max != 7 {
		t.Fatalf("single value summary = %+v", s)
	}
	if (summarize(nil) != summary{}) {
		t.Fatalf("empty summary not zero")
	}
}
