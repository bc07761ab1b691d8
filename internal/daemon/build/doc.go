// Package build holds the build use cases of the engine: a build
// (POST /build: its context received through internal/builder/contexts,
// its Dockerfile run by the classic builder of internal/builder/dockerfile),
// build cache prune, and the build cache part of system df. *Service is
// the build router's Backend.
//
// It owns the builder's directory under the data root:
//
//	<data-root>/builder/cache.db   the build cache (opened on first use)
//	<data-root>/builder/contexts/  the contexts kept between builds
//	<data-root>/builder/tmp/       the unpacked contexts of running builds (emptied at daemon start)
//
// It is the builder's Backend over the image store and the snapshotter:
// FROM resolves (and, through Images, pulls) an image, COPY and ADD change
// a snapshot of it, config instructions write a new image config. A RUN
// step runs in a container made, started, waited for, committed and
// removed through the container use cases of its Containers interface;
// the container carries the label StepLabel, so that a daemon restarted
// after a crash removes the step containers of builds it no longer runs.
package build
