package dockerfile

import (
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// buildStage runs stage i: its FROM, the base's ONBUILD triggers, then
// every instruction as one step.
func (b *build) buildStage(ctx context.Context, i int) error {
	st := b.stages[i]
	b.stepf("%s", st.SourceCode)
	base, _, err := b.lex.ProcessWord(st.BaseName, shell.EnvsFromSlice(b.metaEnv()))
	if err != nil {
		return err
	}
	s := &stageState{argVal: map[string]string{}}
	switch j, isStage := b.stageIndex(base, i); {
	case strings.EqualFold(base, "scratch"):
		fmt.Fprintf(b.out, " ---> \n")
	case isStage:
		img, err := b.b.GetImage(ctx, b.results[j], false, b.out)
		if err != nil {
			return err
		}
		s.image, s.cfg = img.ID, img.Config
		fmt.Fprintf(b.out, " ---> %s\n", shortID(s.image))
	default:
		img, err := b.b.GetImage(ctx, base, b.opts.Pull, b.out)
		if err != nil {
			return err
		}
		s.image, s.cfg = img.ID, img.Config
		fmt.Fprintf(b.out, " ---> %s\n", shortID(s.image))
	}
	triggers := s.cfg.OnBuild
	s.cfg.OnBuild = nil
	if len(triggers) > 0 {
		fmt.Fprintf(b.out, "# Executing %d build trigger", len(triggers))
		if len(triggers) > 1 {
			fmt.Fprint(b.out, "s")
		}
		fmt.Fprintln(b.out)
		for _, t := range triggers {
			res, err := parser.Parse(strings.NewReader(t))
			if err != nil {
				return fmt.Errorf("ONBUILD trigger %q: %w", t, err)
			}
			for _, n := range res.AST.Children {
				c, err := instructions.ParseCommand(n)
				if err != nil {
					return fmt.Errorf("ONBUILD trigger %q: %w", t, err)
				}
				if err := b.dispatch(ctx, i, s, c); err != nil {
					return err
				}
			}
		}
	}
	for _, c := range st.Commands {
		b.stepf("%s", cmdText(c))
		if err := b.dispatch(ctx, i, s, c); err != nil {
			return err
		}
	}
	b.results[i] = s.image
	b.built[i] = true
	return nil
}

// env is the environment for variable substitution: the stage's ARG
// values, overridden by its ENV.
func (s *stageState) env() []string {
	env := make([]string, 0, len(s.args)+len(s.cfg.Env))
	for _, k := range s.args {
		if v, ok := s.argVal[k]; ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, s.cfg.Env...)
}

// runEnv is the environment of a RUN: ENV plus the ARG values ENV does
// not set; argLine is Docker's "|N K=V…" history prefix for those args.
func (s *stageState) runEnv() (env []string, argLine string) {
	env = append(env, s.cfg.Env...)
	var args []string
	for _, k := range s.args {
		v, ok := s.argVal[k]
		if !ok || hasEnv(s.cfg.Env, k) {
			continue
		}
		args = append(args, k+"="+v)
	}
	if len(args) == 0 {
		return env, ""
	}
	return append(env, args...), "|" + strconv.Itoa(len(args)) + " " + strings.Join(args, " ") + " "
}

func hasEnv(env []string, k string) bool {
	for _, e := range env {
		if ek, _, _ := strings.Cut(e, "="); ek == k {
			return true
		}
	}
	return false
}

func setEnv(env []string, k, v string) []string {
	for i, e := range env {
		if ek, _, _ := strings.Cut(e, "="); ek == k {
			out := append([]string(nil), env...)
			out[i] = k + "=" + v
			return out
		}
	}
	return append(append([]string(nil), env...), k+"="+v)
}

func (s *stageState) shell() []string {
	if len(s.cfg.Shell) > 0 {
		return s.cfg.Shell
	}
	return []string{"/bin/sh", "-c"}
}

func (s *stageState) cmdline(c instructions.ShellDependantCmdLine) []string {
	if !c.PrependShell {
		return append([]string(nil), c.CmdLine...)
	}
	return append(append([]string(nil), s.shell()...), strings.Join(c.CmdLine, " "))
}

// dispatch runs one instruction of stage i.
func (b *build) dispatch(ctx context.Context, i int, s *stageState, cmd instructions.Command) error {
	if ex, ok := cmd.(instructions.SupportsSingleWordExpansion); ok {
		env := shell.EnvsFromSlice(s.env())
		if err := ex.Expand(func(w string) (string, error) {
			r, _, err := b.lex.ProcessWord(w, env)
			return r, err
		}); err != nil {
			return err
		}
	}
	text := cmdText(cmd)
	switch c := cmd.(type) {
	case *instructions.EnvCommand:
		for _, kv := range c.Env {
			s.cfg.Env = setEnv(s.cfg.Env, kv.Key, kv.Value)
		}
	case *instructions.LabelCommand:
		if s.cfg.Labels == nil {
			s.cfg.Labels = map[string]string{}
		} else {
			s.cfg.Labels = copyMap(s.cfg.Labels)
		}
		for _, kv := range c.Labels {
			s.cfg.Labels[kv.Key] = kv.Value
		}
	case *instructions.MaintainerCommand:
	case *instructions.CmdCommand:
		s.cfg.Cmd = s.cmdline(c.ShellDependantCmdLine)
		s.cmdSet = true
	case *instructions.EntrypointCommand:
		if c.CmdLine == nil {
			s.cfg.Entrypoint = nil
		} else {
			s.cfg.Entrypoint = s.cmdline(c.ShellDependantCmdLine)
		}
		if !s.cmdSet {
			s.cfg.Cmd = nil
		}
	case *instructions.ExposeCommand:
		var words []string
		for _, p := range c.Ports {
			w, err := b.lex.ProcessWords(p, shell.EnvsFromSlice(s.env()))
			if err != nil {
				return err
			}
			words = append(words, w...)
		}
		ports, err := exposedPorts(words)
		if err != nil {
			return err
		}
		if s.cfg.ExposedPorts == nil {
			s.cfg.ExposedPorts = map[string]struct{}{}
		} else {
			s.cfg.ExposedPorts = copySet(s.cfg.ExposedPorts)
		}
		for _, p := range ports {
			s.cfg.ExposedPorts[p] = struct{}{}
		}
	case *instructions.UserCommand:
		s.cfg.User = c.User
	case *instructions.VolumeCommand:
		if s.cfg.Volumes == nil {
			s.cfg.Volumes = map[string]struct{}{}
		} else {
			s.cfg.Volumes = copySet(s.cfg.Volumes)
		}
		for _, v := range c.Volumes {
			if v = strings.TrimSpace(v); v == "" {
				return fmt.Errorf("VOLUME specified can not be an empty string")
			}
			s.cfg.Volumes[v] = struct{}{}
		}
	case *instructions.StopSignalCommand:
		s.cfg.StopSignal = c.Signal
	case *instructions.HealthCheckCommand:
		s.cfg.Healthcheck = c.Health
	case *instructions.ShellCommand:
		s.cfg.Shell = append([]string(nil), c.Shell...)
	case *instructions.OnbuildCommand:
		s.cfg.OnBuild = append(append([]string(nil), s.cfg.OnBuild...), c.Expression)
	case *instructions.ArgCommand:
		for _, kv := range c.Args {
			def := kv.Value
			if def == nil {
				if mv, ok := b.metaArgs[kv.Key]; ok {
					def = &mv
				}
			}
			if v, ok := b.argValue(kv.Key, def, s.env()); ok {
				s.argVal[kv.Key] = v
			}
			s.args = append(s.args, kv.Key)
		}
		// ARG changes no image: the step keeps the current one.
		fmt.Fprintf(b.out, " ---> %s\n", shortID(s.image))
		return nil
	case *instructions.WorkdirCommand:
		return b.workdir(ctx, s, c, text)
	case *instructions.RunCommand:
		return b.run(ctx, s, c)
	case *instructions.CopyCommand:
		return b.copy(ctx, i, s, copyReq{text: text, sd: c.SourcesAndDest, from: c.From, chown: c.Chown, chmod: c.Chmod})
	case *instructions.AddCommand:
		return b.copy(ctx, i, s, copyReq{text: text, sd: c.SourcesAndDest, chown: c.Chown, chmod: c.Chmod, add: true})
	default:
		return fmt.Errorf("unsupported instruction: %s", text)
	}
	return b.commitConfig(ctx, s, text)
}

// cached returns the image recorded for key, if the cache may be used and
// the image still exists, and reports the hit.
func (b *build) cached(ctx context.Context, key string) (string, bool) {
	if b.opts.NoCache || b.cache == nil {
		return "", false
	}
	id, ok := b.cache.Get(key)
	if !ok {
		return "", false
	}
	if _, err := b.b.GetImage(ctx, id, false, nil); err != nil {
		return "", false
	}
	fmt.Fprintf(b.out, " ---> Using cache\n ---> %s\n", shortID(id))
	return id, true
}

func (b *build) record(key, id string) {
	if b.cache != nil {
		_ = b.cache.Put(key, id)
	}
	fmt.Fprintf(b.out, " ---> %s\n", shortID(id))
}

// commitConfig ends a metadata step: an image with the parent's layers
// and the new config.
func (b *build) commitConfig(ctx context.Context, s *stageState, text string) error {
	key := stepKey(s.image, text, configJSON(s.cfg))
	if id, ok := b.cached(ctx, key); ok {
		s.image = id
		return nil
	}
	id, err := b.b.SetConfig(ctx, s.image, s.cfg, "/bin/sh -c #(nop)  "+text)
	if err != nil {
		return err
	}
	s.image = id
	b.record(key, id)
	return nil
}

func (b *build) run(ctx context.Context, s *stageState, c *instructions.RunCommand) error {
	if len(c.Files) > 0 {
		return fmt.Errorf("RUN with a here-document is not supported by the classic builder")
	}
	if len(c.FlagsUsed) > 0 {
		return fmt.Errorf("the --%s option requires BuildKit", c.FlagsUsed[0])
	}
	args := s.cmdline(c.ShellDependantCmdLine)
	env, argLine := s.runEnv()
	createdBy := argLine + strings.Join(args, " ")
	key := stepKey(s.image, "RUN", createdBy, strings.Join(env, "\x00"), configJSON(s.cfg))
	if id, ok := b.cached(ctx, key); ok {
		s.image = id
		return nil
	}
	runCfg := s.cfg
	runCfg.Cmd, runCfg.Entrypoint, runCfg.Env = args, nil, env
	runCfg.Healthcheck, runCfg.OnBuild = nil, nil
	var ctr string
	id, err := b.b.Run(ctx, RunRequest{
		Image: s.image, Config: runCfg, Commit: s.cfg, CreatedBy: createdBy, Network: b.opts.Network, ExtraHosts: b.opts.ExtraHosts, Out: b.out,
		Started: func(id string) {
			ctr = id
			fmt.Fprintf(b.out, " ---> Running in %s\n", shortID(id))
		},
	})
	if ctr != "" {
		fmt.Fprintf(b.out, "Removing intermediate container %s\n", shortID(ctr))
	}
	if err != nil {
		return err
	}
	s.image = id
	b.record(key, id)
	return nil
}

func (b *build) workdir(ctx context.Context, s *stageState, c *instructions.WorkdirCommand, text string) error {
	wd := c.Path
	if !path.IsAbs(wd) {
		base := s.cfg.WorkingDir
		if base == "" {
			base = "/"
		}
		wd = path.Join(base, wd)
	}
	s.cfg.WorkingDir = path.Clean(wd)
	key := stepKey(s.image, text, configJSON(s.cfg))
	if id, ok := b.cached(ctx, key); ok {
		s.image = id
		return nil
	}
	id, err := b.b.Mutate(ctx, s.image, s.cfg, "/bin/sh -c #(nop) WORKDIR "+s.cfg.WorkingDir, func(root string) error {
		p, err := resolve(root, s.cfg.WorkingDir, true)
		if err != nil {
			return err
		}
		return mkdirAllOwned(root, p, -1, -1)
	})
	if err != nil {
		return err
	}
	s.image = id
	b.record(key, id)
	return nil
}

// exposedPorts normalises EXPOSE arguments: "80" → "80/tcp", ranges
// expanded, protocols tcp, udp or sctp.
func exposedPorts(list []string) ([]string, error) {
	var out []string
	for _, p := range list {
		port, proto, _ := strings.Cut(p, "/")
		proto = strings.ToLower(proto)
		if proto == "" {
			proto = "tcp"
		}
		if proto != "tcp" && proto != "udp" && proto != "sctp" {
			return nil, fmt.Errorf("invalid proto: %s", proto)
		}
		lo, hi, isRange := strings.Cut(port, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("invalid containerPort: %s", port)
		}
		z := a
		if isRange {
			if z, err = strconv.ParseUint(hi, 10, 16); err != nil || z < a {
				return nil, fmt.Errorf("invalid containerPort: %s", port)
			}
		}
		for n := a; n <= z; n++ {
			out = append(out, strconv.FormatUint(n, 10)+"/"+proto)
		}
	}
	return out, nil
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func copySet(m map[string]struct{}) map[string]struct{} {
	out := make(map[string]struct{}, len(m))
	for k := range m {
		out[k] = struct{}{}
	}
	return out
}

// cmdText is the instruction as written in the Dockerfile.
func cmdText(c instructions.Command) string {
	if s, ok := c.(fmt.Stringer); ok {
		return s.String()
	}
	return c.Name()
}
