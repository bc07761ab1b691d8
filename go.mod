module github.com/berth/berth

go 1.26.8

require (
	github.com/distribution/reference v0.6.0
	github.com/moby/docker-image-spec v1.3.1
	github.com/opencontainers/go-digest v1.0.0
	github.com/opencontainers/runtime-spec v1.3.0
)

require github.com/opencontainers/image-spec v1.1.1 // indirect
