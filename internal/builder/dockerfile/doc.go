// Package dockerfile is berth's classic (non-BuildKit) Dockerfile builder:
// it parses a Dockerfile with BuildKit's parser and instructions packages,
// runs each instruction of the stages the target needs as one step against
// a small Backend (resolve an image, run a command in a container and
// commit it, change a root filesystem and commit it, write a config-only
// image), and keeps a persistent build cache keyed by the parent image, the
// instruction with the config it produces and, for COPY and ADD, a checksum
// of the sources' content, mode and ownership.
//
// Output follows Docker's classic builder: "Step N/M : …", " ---> Using
// cache", " ---> Running in …", " ---> <id>", "Successfully built <id>",
// "Successfully tagged <name>".
package dockerfile
