package image

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/berth/berth/internal/errdefs"
)

// ApplyChanges applies Dockerfile-like instructions (docker import and
// commit --change) to cfg. Supported: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL,
// USER, VOLUME, WORKDIR, STOPSIGNAL and ONBUILD; others are rejected as
// Docker does ("RUN is not a valid change command").
func ApplyChanges(cfg *dockerspec.DockerOCIImageConfig, changes []string) error {
	for _, ch := range changes {
		ch = strings.TrimSpace(ch)
		if ch == "" {
			continue
		}
		word, rest, _ := strings.Cut(ch, " ")
		rest = strings.TrimSpace(rest)
		if !validChange[strings.ToUpper(word)] {
			return errdefs.InvalidParameter(fmt.Errorf("%s is not a valid change command", strings.ToLower(word)))
		}
		if err := applyChange(cfg, strings.ToUpper(word), rest); err != nil {
			return errdefs.InvalidParameter(fmt.Errorf("invalid change %q: %w", ch, err))
		}
	}
	return nil
}

// addToSet adds items to *set (made if nil), the ports of EXPOSE or the
// paths of VOLUME; the instruction word needs at least one.
func addToSet(set *map[string]struct{}, word string, items []string) error {
	if len(items) == 0 {
		return fmt.Errorf("%s requires at least one argument", word)
	}
	if *set == nil {
		*set = map[string]struct{}{}
	}
	for _, it := range items {
		(*set)[it] = struct{}{}
	}
	return nil
}

var validChange = map[string]bool{
	"CMD": true, "ENTRYPOINT": true, "ENV": true, "EXPOSE": true, "LABEL": true, "ONBUILD": true,
	"USER": true, "VOLUME": true, "WORKDIR": true, "STOPSIGNAL": true,
}

func applyChange(cfg *dockerspec.DockerOCIImageConfig, word, rest string) error {
	switch word {
	case "CMD":
		cfg.Cmd = commandForm(rest)
	case "ENTRYPOINT":
		cfg.Entrypoint = commandForm(rest)
		if rest == "" {
			cfg.Entrypoint = nil
		}
	case "ENV":
		kvs, err := keyValues(rest, true)
		if err != nil {
			return err
		}
		for _, kv := range kvs {
			cfg.Env = setEnv(cfg.Env, kv[0], kv[1])
		}
	case "LABEL":
		kvs, err := keyValues(rest, false)
		if err != nil {
			return err
		}
		if cfg.Labels == nil {
			cfg.Labels = map[string]string{}
		}
		for _, kv := range kvs {
			cfg.Labels[kv[0]] = kv[1]
		}
	case "EXPOSE":
		ports, err := splitWords(rest)
		if err != nil {
			return err
		}
		for i, p := range ports {
			if !strings.Contains(p, "/") {
				p += "/tcp"
			}
			ports[i] = strings.ToLower(p)
		}
		return addToSet(&cfg.ExposedPorts, word, ports)
	case "USER":
		if rest == "" {
			return fmt.Errorf("USER requires exactly one argument")
		}
		cfg.User = rest
	case "VOLUME":
		vols := jsonArray(rest)
		if vols == nil {
			var err error
			if vols, err = splitWords(rest); err != nil {
				return err
			}
		}
		return addToSet(&cfg.Volumes, word, vols)
	case "WORKDIR":
		if rest == "" {
			return fmt.Errorf("WORKDIR requires exactly one argument")
		}
		if !path.IsAbs(rest) {
			rest = path.Join("/", cfg.WorkingDir, rest)
		}
		cfg.WorkingDir = path.Clean(rest)
	case "ONBUILD":
		if rest == "" {
			return fmt.Errorf("ONBUILD requires at least one argument")
		}
		w, _, _ := strings.Cut(rest, " ")
		switch strings.ToUpper(w) {
		case "ONBUILD", "FROM", "MAINTAINER":
			return fmt.Errorf("%s isn't allowed as an ONBUILD trigger", strings.ToUpper(w))
		}
		cfg.OnBuild = append(cfg.OnBuild, rest)
	case "STOPSIGNAL":
		if rest == "" {
			return fmt.Errorf("STOPSIGNAL requires exactly one argument")
		}
		cfg.StopSignal = rest
	default:
		return fmt.Errorf("%s is not a valid change command", word)
	}
	return nil
}

// commandForm parses the exec (JSON array) or shell form of CMD/ENTRYPOINT.
func commandForm(s string) []string {
	if a := jsonArray(s); a != nil {
		return a
	}
	if s == "" {
		return nil
	}
	return []string{"/bin/sh", "-c", s}
}

func jsonArray(s string) []string {
	if !strings.HasPrefix(s, "[") {
		return nil
	}
	var a []string
	if json.Unmarshal([]byte(s), &a) != nil {
		return nil
	}
	if a == nil {
		a = []string{}
	}
	return a
}

func setEnv(env []string, k, v string) []string {
	for i, e := range env {
		if name, _, _ := strings.Cut(e, "="); name == k {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

// keyValues parses "k=v k2='v 2'" or the legacy "k v w" form (allowLegacy).
func keyValues(s string, allowLegacy bool) ([][2]string, error) {
	words, err := splitWords(s)
	if err != nil {
		return nil, err
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("requires at least one argument")
	}
	if !strings.Contains(words[0], "=") {
		if !allowLegacy && len(words) < 2 {
			return nil, fmt.Errorf("LABEL requires name=value")
		}
		if len(words) < 2 {
			return nil, fmt.Errorf("ENV requires a name and a value")
		}
		k, v, _ := strings.Cut(strings.TrimSpace(s), " ")
		v = strings.TrimSpace(v)
		if vs, err := splitWords(v); err == nil && len(vs) == 1 {
			v = vs[0]
		}
		return [][2]string{{k, v}}, nil
	}
	var out [][2]string
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("syntax error - can't find = in %q. Must be of the form: name=value", w)
		}
		out = append(out, [2]string{k, v})
	}
	return out, nil
}

// splitWords splits s like a shell: whitespace separates words, quotes
// group, backslash escapes.
func splitWords(s string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	esc := false
	for _, r := range s {
		switch {
		case esc:
			cur.WriteRune(r)
			esc = false
		case r == '\\' && quote != '\'':
			esc = true
			inWord = true
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				cur.WriteRune(r)
			}
		case r == '"' || r == '\'':
			quote = r
			inWord = true
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, fmt.Errorf("unterminated quote in %q", s)
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}
