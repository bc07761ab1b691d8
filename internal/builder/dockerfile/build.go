package dockerfile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/berth/berth/internal/backend"
)

// Options are the build's parameters: the request's (POST /build query;
// Dockerfile is a path inside the context, "Dockerfile" by default) and
// the daemon's.
type Options struct {
	backend.BuildOptions
	// OnImage, if set, is called with the final image ID before the
	// "Successfully built" line (the API's aux message).
	OnImage func(id string)
}

// Builder runs builds against a Backend with a persistent cache.
type Builder struct {
	b     Backend
	cache *Cache
}

// New returns a builder over b; cache may be nil (no caching).
func New(b Backend, cache *Cache) *Builder { return &Builder{b: b, cache: cache} }

// ParseError is a Dockerfile that cannot be parsed or planned: the build
// fails before any step runs.
type ParseError struct{ Err error }

func (e *ParseError) Error() string { return e.Err.Error() }
func (e *ParseError) Unwrap() error { return e.Err }

// build is the state of one build.
type build struct {
	*Builder
	opts     Options
	bc       *BuildContext
	out      io.Writer
	escape   rune
	lex      *shell.Lex
	stages   []instructions.Stage
	results  []string // image ID per stage once built
	built    []bool
	metaArgs map[string]string
	usedArgs map[string]bool
	step     int
	total    int
}

// stageState is the state while a stage's instructions run.
type stageState struct {
	image  string // current image ("" for scratch)
	cfg    dockerspec.DockerOCIImageConfig
	cmdSet bool // CMD set in this stage (ENTRYPOINT then keeps it)
	args   []string
	argVal map[string]string
}

// ReadDockerfile reads the Dockerfile opts.Dockerfile of bc (default
// "Dockerfile", falling back to "dockerfile").
func ReadDockerfile(bc *BuildContext, name string) ([]byte, error) {
	return readDockerfileIn(bc.Dir, name)
}

func readDockerfileIn(dir, name string) ([]byte, error) {
	if name == "" {
		name = "Dockerfile"
	}
	p, err := resolve(dir, name, false)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) && name == "Dockerfile" {
		data, err = os.ReadFile(filepath.Join(dir, "dockerfile"))
	}
	if err != nil {
		return nil, fmt.Errorf("Cannot locate specified Dockerfile: %s", name)
	}
	return data, nil
}

// Build runs the build of the context bc and returns the final image ID.
// Progress goes to out as plain text lines.
func (bl *Builder) Build(ctx context.Context, bc *BuildContext, opts Options, out io.Writer) (string, error) {
	data, err := bc.dockerfile, bc.dockerfileErr
	if data == nil && err == nil {
		data, err = ReadDockerfile(bc, opts.Dockerfile)
	}
	if err != nil {
		return "", &ParseError{err}
	}
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		return "", &ParseError{fmt.Errorf("dockerfile parse error: %w", err)}
	}
	stages, metaArgs, err := instructions.Parse(res.AST, nil)
	if err != nil {
		return "", &ParseError{err}
	}
	if len(stages) == 0 {
		return "", &ParseError{errors.New("dockerfile contains no FROM instruction")}
	}
	b := &build{Builder: bl, opts: opts, bc: bc, out: out, escape: res.EscapeToken, lex: shell.NewLex(res.EscapeToken),
		stages: stages, results: make([]string, len(stages)), built: make([]bool, len(stages)),
		metaArgs: map[string]string{}, usedArgs: map[string]bool{}}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			v, ok := b.argValue(kv.Key, kv.Value, b.metaEnv())
			if ok {
				b.metaArgs[kv.Key] = v
			}
		}
	}
	target := len(stages) - 1
	if opts.Target != "" {
		i, ok := instructions.HasStage(stages, opts.Target)
		if !ok {
			return "", &ParseError{fmt.Errorf("failed to reach build target %s in Dockerfile", opts.Target)}
		}
		target = i
	}
	if len(opts.Labels) > 0 {
		keys := make([]string, 0, len(opts.Labels))
		for k := range opts.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			b.stages[target].AddCommand(instructions.NewLabelCommand(k, opts.Labels[k], true))
		}
	}
	needed, err := b.neededStages(target)
	if err != nil {
		return "", &ParseError{err}
	}
	b.total = len(metaArgs)
	for i := range needed {
		if needed[i] {
			b.total += 1 + len(stages[i].Commands)
		}
	}
	// ARGs before the first FROM are steps too, as in Docker's output.
	for _, a := range metaArgs {
		b.stepf("%s", a.String())
	}
	for i := 0; i <= target; i++ {
		if !needed[i] {
			continue
		}
		if err := b.buildStage(ctx, i); err != nil {
			return "", err
		}
	}
	var unused []string
	for k := range opts.BuildArgs {
		if !b.usedArgs[k] && !predefinedArgs[k] {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		sort.Strings(unused)
		fmt.Fprintf(out, "[Warning] One or more build-args [%s] were not consumed\n", strings.Join(unused, " "))
	}
	id := b.results[target]
	if id == "" {
		// FROM scratch and nothing else: an empty image.
		if id, err = bl.b.SetConfig(ctx, "", dockerspec.DockerOCIImageConfig{}, ""); err != nil {
			return "", err
		}
	}
	if bl.cache != nil {
		_ = bl.cache.MarkFinal(id)
	}
	if opts.OnImage != nil {
		opts.OnImage(id)
	}
	fmt.Fprintf(out, "Successfully built %s\n", shortID(id))
	for _, t := range opts.Tags {
		if err := bl.b.Tag(ctx, id, t); err != nil {
			return "", err
		}
		fmt.Fprintf(out, "Successfully tagged %s\n", t)
	}
	return id, nil
}

var predefinedArgs = map[string]bool{
	"HTTP_PROXY": true, "http_proxy": true, "HTTPS_PROXY": true, "https_proxy": true,
	"FTP_PROXY": true, "ftp_proxy": true, "NO_PROXY": true, "no_proxy": true, "ALL_PROXY": true, "all_proxy": true,
}

// neededStages marks the target and the stages it depends on (as a base
// or through COPY --from), refusing references to later stages.
func (b *build) neededStages(target int) ([]bool, error) {
	needed := make([]bool, len(b.stages))
	var visit func(i int) error
	visit = func(i int) error {
		if needed[i] {
			return nil
		}
		needed[i] = true
		st := b.stages[i]
		base, err := b.lex.ProcessWordWithMatches(st.BaseName, shell.EnvsFromSlice(b.metaEnv()))
		if err != nil {
			return err
		}
		if j, ok := b.stageIndex(base.Result, i); ok {
			if err := visit(j); err != nil {
				return err
			}
		}
		for _, c := range st.Commands {
			cp, ok := c.(*instructions.CopyCommand)
			if !ok || cp.From == "" {
				continue
			}
			from := cp.From
			if j, ok := b.stageIndex(from, i); ok {
				if err := visit(j); err != nil {
					return err
				}
			} else if n, err := strconv.Atoi(from); err == nil {
				return fmt.Errorf("invalid from flag value %d: refers to current or future build stage", n)
			}
		}
		return nil
	}
	return needed, visit(target)
}

// stageIndex returns the index of the stage named (or numbered) name
// defined before stage cur.
func (b *build) stageIndex(name string, cur int) (int, bool) {
	if n, err := strconv.Atoi(name); err == nil {
		return n, n >= 0 && n < cur
	}
	for j := 0; j < cur; j++ {
		if b.stages[j].Name != "" && strings.EqualFold(b.stages[j].Name, name) {
			return j, true
		}
	}
	return 0, false
}

func (b *build) metaEnv() []string {
	env := make([]string, 0, len(b.metaArgs))
	for k, v := range b.metaArgs {
		env = append(env, k+"="+v)
	}
	return env
}

// argValue is the value of ARG key: --build-arg wins over the default
// (expanded with env); ok is false when it has neither.
func (b *build) argValue(key string, def *string, env []string) (string, bool) {
	if v, ok := b.opts.BuildArgs[key]; ok && v != nil {
		b.usedArgs[key] = true
		return *v, true
	}
	if _, ok := b.opts.BuildArgs[key]; ok {
		b.usedArgs[key] = true
	}
	if def == nil {
		return "", false
	}
	v, _, err := b.lex.ProcessWord(*def, shell.EnvsFromSlice(env))
	if err != nil {
		return *def, true
	}
	return v, true
}

func (b *build) stepf(format string, a ...any) {
	b.step++
	fmt.Fprintf(b.out, "Step %d/%d : "+format+"\n", append([]any{b.step, b.total}, a...)...)
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func joinCmd(c []string) string { return strings.Join(c, " ") }
func itoa(n int) string         { return strconv.Itoa(n) }

func configJSON(cfg dockerspec.DockerOCIImageConfig) string {
	b, _ := json.Marshal(cfg)
	return string(b)
}
