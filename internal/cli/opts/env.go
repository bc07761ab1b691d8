package opts

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

const whiteSpaces = " \t"

// ParseEnvFile reads a docker env file: KEY=VALUE lines, "#" comments and
// blank lines skipped, a bare KEY taken from lookup when it is set there.
func ParseEnvFile(path string, lookup func(string) (string, bool)) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseKeyValues(path, data, lookup)
}

// ParseLabelFile reads a label file: like an env file, but a bare KEY becomes
// "KEY=" (labels do not come from the environment).
func ParseLabelFile(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return parseKeyValues(path, data, func(string) (string, bool) { return "", true })
}

func parseKeyValues(name string, data []byte, lookup func(string) (string, bool)) ([]string, error) {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		b := sc.Bytes()
		if n == 1 {
			b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
		}
		if !utf8.Valid(b) {
			return nil, fmt.Errorf("env file %s contains invalid utf8 bytes at line %d: %v", name, n, b)
		}
		line := strings.TrimLeftFunc(string(b), unicode.IsSpace)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, hasValue := strings.Cut(line, "=")
		key = strings.TrimLeft(key, whiteSpaces)
		if key == "" {
			return nil, fmt.Errorf("no variable name on line '%s'", line)
		}
		if strings.ContainsAny(key, whiteSpaces) {
			return nil, fmt.Errorf("variable '%s' contains whitespaces", key)
		}
		if hasValue {
			lines = append(lines, key+"="+value)
		} else if v, ok := lookup(key); ok {
			lines = append(lines, key+"="+v)
		}
	}
	return lines, sc.Err()
}

// ValidateEnv checks one -e value; a bare KEY takes its value from lookup
// when set there and is passed as is otherwise.
func ValidateEnv(val string, lookup func(string) (string, bool)) (string, error) {
	k, _, hasValue := strings.Cut(val, "=")
	if k == "" {
		return "", fmt.Errorf("invalid environment variable: %s", val)
	}
	if hasValue {
		return val, nil
	}
	if v, ok := lookup(k); ok {
		return k + "=" + v, nil
	}
	return val, nil
}

// ParseLabels turns "k=v" (or "k") strings into a map.
func ParseLabels(list []string) map[string]string {
	m := make(map[string]string, len(list))
	for _, l := range list {
		k, v, _ := strings.Cut(l, "=")
		m[k] = v
	}
	return m
}
