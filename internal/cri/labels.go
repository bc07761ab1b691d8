package cri

import (
	"encoding/json"
	"strings"
)

// The labels berth keeps the CRI's own facts in; the user's labels are
// the others.
const (
	labelPrefix      = "io.berth.cri."
	labelKind        = labelPrefix + "kind" // kindSandbox or kindContainer
	labelSandbox     = labelPrefix + "sandbox"
	labelMetadata    = labelPrefix + "metadata"    // JSON
	labelAnnotations = labelPrefix + "annotations" // JSON
	labelImage       = labelPrefix + "image"       // the image as asked
	labelLogDir      = labelPrefix + "log-directory"
	labelConfig      = labelPrefix + "config" // JSON of what a status reports besides

	kindSandbox   = "sandbox"
	kindContainer = "container"
)

// record is the labels of a new berth container: the user's labels and
// the CRI's facts.
func record(kind string, user, annotations map[string]string, metadata any) map[string]string {
	out := map[string]string{labelKind: kind}
	for k, v := range user {
		out[k] = v
	}
	out[labelMetadata] = mustJSON(metadata)
	out[labelAnnotations] = mustJSON(annotations)
	return out
}

// userLabels are the labels of a record without the CRI's.
func userLabels(l map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range l {
		if !strings.HasPrefix(k, labelPrefix) {
			out[k] = v
		}
	}
	return out
}

// decode reads the JSON label key of l into v; a missing or bad label
// leaves v as it is.
func decode(l map[string]string, key string, v any) {
	_ = json.Unmarshal([]byte(l[key]), v)
}

func annotations(l map[string]string) map[string]string {
	out := map[string]string{}
	decode(l, labelAnnotations, &out)
	return out
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// matchLabels reports whether l has every label of selector.
func matchLabels(l, selector map[string]string) bool {
	for k, v := range selector {
		if l[k] != v {
			return false
		}
	}
	return true
}
