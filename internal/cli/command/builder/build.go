package builder

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"github.com/berth/berth/internal/archive"
	"github.com/berth/berth/internal/cli/command"
	"github.com/berth/berth/internal/cli/opts"
	"github.com/berth/berth/internal/cli/streams"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"
	"github.com/moby/moby/client/pkg/jsonmessage"
	"github.com/moby/patternmatcher"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/spf13/cobra"
)

type buildOptions struct {
	tags, buildArgs, labels, extraHosts []string
	file, target, network, iidFile      string
	platform                            string
	noCache, quiet, pull, rm, forceRm   bool
}

// NewBuildCommand makes "berth build".
func NewBuildCommand(c command.Cli) *cobra.Command {
	var o buildOptions
	cmd := command.NewAPI(c, "build [OPTIONS] PATH | URL | -", "Make an image by running the steps of a Dockerfile", command.ExactArgs(1),
		func(cmd *cobra.Command, api client.APIClient, args []string) error {
			return build(c, cmd.Context(), api, args[0], o)
		})
	f := cmd.Flags()
	f.VarP(opts.NewList(&o.tags), "tag", "t", `Name the image, "name" or "name:tag"`)
	f.StringVarP(&o.file, "file", "f", "", `Dockerfile to build from (if unset: PATH/Dockerfile)`)
	f.Var(opts.NewList(&o.buildArgs), "build-arg", "Build argument, KEY=VALUE, or KEY to copy it from this shell")
	f.Var(opts.NewList(&o.labels), "label", "Label the image, KEY=VALUE")
	f.Var(opts.NewList(&o.extraHosts), "add-host", "Extra /etc/hosts line, host:ip")
	f.StringVar(&o.target, "target", "", "Stop at this build stage")
	f.StringVar(&o.network, "network", "default", "Network the RUN steps use")
	f.StringVar(&o.iidFile, "iidfile", "", "Write the ID of the built image to this file")
	f.StringVar(&o.platform, "platform", os.Getenv("DOCKER_DEFAULT_PLATFORM"), "Platform to use, os[/arch[/variant]]")
	f.BoolVar(&o.noCache, "no-cache", false, "Build every step again, ignoring the cache")
	f.BoolVarP(&o.quiet, "quiet", "q", false, "Print only the image ID once the build succeeds")
	f.BoolVar(&o.pull, "pull", false, "Pull base images even when they are present")
	f.BoolVar(&o.rm, "rm", true, "Remove the step containers when the build succeeds")
	f.BoolVar(&o.forceRm, "force-rm", false, "Remove the step containers even when the build fails")
	return cmd
}

// buildArgs turns --build-arg values into the API map; a bare KEY takes
// its value from the environment and is left out when unset.
func buildArgMap(list []string, lookup func(string) (string, bool)) map[string]*string {
	m := map[string]*string{}
	for _, a := range list {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			ev, set := lookup(k)
			if !set {
				m[k] = nil
				continue
			}
			v = ev
		}
		val := v
		m[k] = &val
	}
	return m
}

func build(c command.Cli, ctx context.Context, api client.APIClient, contextArg string, o buildOptions) error {
	bo := client.ImageBuildOptions{
		Tags: o.tags, BuildArgs: buildArgMap(o.buildArgs, command.EnvLookup(c)),
		Labels: opts.ParseLabels(o.labels), ExtraHosts: o.extraHosts, Target: o.target, NetworkMode: o.network,
		Platforms: platforms(o.platform), NoCache: o.noCache, SuppressOutput: o.quiet, PullParent: o.pull, Remove: o.rm || o.forceRm, ForceRemove: o.forceRm,
	}
	var res client.ImageBuildResult
	var err error
	sent := false
	if dir, rel, ok := localContext(c, contextArg, o.file); ok {
		// The daemon reads the directory in place (and rereads only what
		// changed since its last build of it); a daemon that refuses
		// (another host or mount namespace, not berth) gets the tar.
		lo := bo
		lo.RemoteContext, lo.Dockerfile = localContextScheme+dir, rel
		res, err = api.ImageBuild(ctx, http.NoBody, lo)
		if err != nil && !localContextRefused(err) {
			return err
		}
		sent = err == nil
	}
	if !sent {
		var body io.Reader
		if body, bo.Dockerfile, err = contextBody(c, contextArg, o.file); err != nil {
			return err
		}
		if rc, ok := body.(io.Closer); ok {
			defer rc.Close()
		}
		if res, err = api.ImageBuild(ctx, body, bo); err != nil {
			return err
		}
	}
	defer res.Body.Close()
	var imageID string
	aux := func(m jsonstream.Message) {
		var r struct{ ID string }
		if m.Aux != nil && json.Unmarshal(*m.Aux, &r) == nil && r.ID != "" {
			imageID = r.ID
		}
	}
	out := c.Out()
	var quietOut bytes.Buffer // with -q the daemon's stream is the image ID alone
	if o.quiet {
		out = &quietOut
	}
	fd, isTerm := streams.TerminalFd(out)
	if err := jsonmessage.DisplayJSONMessagesStream(res.Body, out, fd, isTerm, aux); err != nil {
		code := 1
		var je *jsonstream.Error
		if errors.As(err, &je) && je.Code != 0 {
			code = je.Code // a failing RUN: its exit code, as docker build does
		}
		return command.StatusError{Status: err.Error(), Code: code}
	}
	if o.quiet {
		if imageID == "" {
			imageID = strings.TrimSpace(quietOut.String())
		}
		if imageID != "" {
			fmt.Fprintln(c.Out(), imageID)
		}
	}
	if o.iidFile != "" && imageID != "" {
		if err := os.WriteFile(o.iidFile, []byte(imageID), 0o666); err != nil {
			return fmt.Errorf("write image ID file %s: %w", o.iidFile, err)
		}
	}
	return nil
}

func isTar(br *bufio.Reader) bool {
	head, _ := br.Peek(512)
	return len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar"))
}

func tarWithFiles(files map[string][]byte) (*bytes.Buffer, error) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for name, data := range files {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(data); err != nil {
			return nil, err
		}
	}
	return &buf, tw.Close()
}

// buildContext tars the context directory, leaving out what .dockerignore
// excludes (the Dockerfile and .dockerignore are always sent). A Dockerfile
// outside the context, or "-f -", is added under a random name. It returns
// the archive as a stream (written by a goroutine as it is read, never held
// in memory) and the Dockerfile's path inside it.
func buildContext(c command.Cli, dir, file string) (io.ReadCloser, string, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, "", err
	}
	if !info.IsDir() {
		return nil, "", fmt.Errorf("context must be a directory: %s", dir)
	}
	var extra []byte
	rel := "Dockerfile"
	switch {
	case file == "-":
		if extra, err = io.ReadAll(c.In()); err != nil {
			return nil, "", err
		}
	case file != "":
		abs, _ := filepath.Abs(file)
		absDir, _ := filepath.Abs(dir)
		if r, err := filepath.Rel(absDir, abs); err == nil && !strings.HasPrefix(r, "..") {
			rel = filepath.ToSlash(r)
		} else if extra, err = os.ReadFile(file); err != nil {
			return nil, "", err
		}
	}
	if extra != nil {
		b := make([]byte, 8)
		rand.Read(b)
		rel = ".dockerfile." + hex.EncodeToString(b)
	} else if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
		return nil, "", fmt.Errorf("cannot locate specified Dockerfile: %s", rel)
	}

	pm, err := archive.Dockerignore(dir)
	if err != nil {
		return nil, "", err
	}
	pr, pw := io.Pipe()
	go func() {
		pw.CloseWithError(writeContext(pw, dir, rel, pm, extra))
	}()
	return pr, rel, nil
}

// writeContext writes the tar of the context dir (the Dockerfile rel and
// .dockerignore are sent even when excluded) and extra under rel.
func writeContext(w io.Writer, dir, rel string, pm *patternmatcher.PatternMatcher, extra []byte) error {
	tw := tar.NewWriter(w)
	keep := func(name string) bool { return name == rel || name == ".dockerignore" }
	err := archive.WalkContext(dir, pm, keep, func(p, name string, d fs.DirEntry) error {
		fi, err := d.Info()
		if err != nil {
			return err
		}
		_, err = command.WriteTarEntry(tw, p, name, fi)
		return err
	})
	if err != nil {
		return err
	}
	if extra != nil {
		if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: 0o600, Size: int64(len(extra)), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		if _, err := tw.Write(extra); err != nil {
			return err
		}
	}
	return tw.Close()
}

// contextBody returns the build context of contextArg as a tar stream,
// and the Dockerfile's path inside it.
func contextBody(c command.Cli, contextArg, file string) (io.Reader, string, error) {
	switch {
	case contextArg == "-":
		br := bufio.NewReader(c.In())
		if isTar(br) {
			return br, file, nil
		}
		// A Dockerfile alone on stdin, no context.
		df, err := io.ReadAll(br)
		if err != nil {
			return nil, "", err
		}
		buf, err := tarWithFiles(map[string][]byte{"Dockerfile": df})
		if err != nil {
			return nil, "", err
		}
		return buf, "Dockerfile", nil
	case strings.HasPrefix(contextArg, "http://") || strings.HasPrefix(contextArg, "https://") || strings.HasPrefix(contextArg, "git@"):
		return nil, "", fmt.Errorf("unable to prepare context: remote contexts are not supported")
	}
	rc, rel, err := buildContext(c, contextArg, file)
	if err != nil {
		return nil, "", fmt.Errorf("unable to prepare context: %w", err)
	}
	return rc, rel, nil
}

// localContextScheme is berth's "remote" for a context directory the
// daemon reads in place (the build router's LocalContextScheme).
const localContextScheme = "berth-local://"

// localContext tells whether the daemon may read the context directory
// in place: the CLI runs as root and talks to a unix socket (so the daemon
// is on this host; it checks that it sees the same files), the context is
// a directory and the Dockerfile is inside it. It returns the directory's
// absolute path and the Dockerfile's path inside it.
func localContext(c command.Cli, contextArg, file string) (string, string, bool) {
	if os.Geteuid() != 0 || !strings.HasPrefix(c.Host(), "unix://") || c.Getenv("BERTH_BUILD_SEND_CONTEXT") != "" {
		return "", "", false
	}
	if contextArg == "-" || strings.Contains(contextArg, "://") || strings.HasPrefix(contextArg, "git@") || file == "-" {
		return "", "", false
	}
	dir, err := filepath.Abs(contextArg)
	if err != nil {
		return "", "", false
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return "", "", false
	}
	rel := "Dockerfile"
	if file != "" {
		abs, err := filepath.Abs(file)
		if err != nil {
			return "", "", false
		}
		r, err := filepath.Rel(dir, abs)
		if err != nil || r == ".." || strings.HasPrefix(r, "../") {
			return "", "", false
		}
		rel = filepath.ToSlash(r)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(rel))); err != nil {
		return "", "", false // the tar path reports it as docker does
	}
	return dir, rel, true
}

// localContextRefused tells a daemon's refusal of a local context (berth
// on another host or namespace, an older berth, Docker) from a failed
// build.
func localContextRefused(err error) bool {
	msg := err.Error()
	for _, s := range []string{"local build context refused", "remote build contexts are not supported", "could not be recognized as URL", "unable to prepare context"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// platforms parses --platform (os[/arch[/variant]]) for the API.
func platforms(s string) []ocispec.Platform {
	if s == "" {
		return nil
	}
	parts := strings.SplitN(s, "/", 3)
	p := ocispec.Platform{OS: parts[0]}
	if len(parts) > 1 {
		p.Architecture = parts[1]
	}
	if len(parts) > 2 {
		p.Variant = parts[2]
	}
	return []ocispec.Platform{p}
}

// Request is a build another command asks for (compose's build sections):
// a context directory, a Dockerfile (relative to the current directory or
// absolute), a target stage, tags, KEY=VALUE build arguments and labels.
type Request struct {
	Context, File, Target string
	Tags, Args, Labels    []string
	NoCache, Pull         bool
}

// Build runs the build of r as `berth build` would, its output on c's.
func Build(c command.Cli, ctx context.Context, api client.APIClient, r Request) error {
	return build(c, ctx, api, r.Context, buildOptions{tags: r.Tags, buildArgs: r.Args, labels: r.Labels,
		file: r.File, target: r.Target, network: "default", rm: true, noCache: r.NoCache, pull: r.Pull})
}
