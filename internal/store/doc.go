// Package store holds the bbolt helpers: JSON records in named buckets,
// written in transactions (fsynced before they return), so that a crash
// leaves either the old or the new value.
//
// Schema of the engine's file <data-root>/containers.db:
//
//	containers/<64-hex id> → JSON of container.Container (config, host
//	                         config, image, snapshot key, state)
//
// Names are not stored separately: they are derived from the records when
// the registry loads. The image store and the snapshotter keep files of
// their own through this package (schemas in image/meta.go and
// snapshot/meta_linux.go).
package store
