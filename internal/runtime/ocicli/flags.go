package ocicli

import (
	"fmt"
	"strconv"
	"strings"
)

// flagSet is a small runc-style flag parser: flags may come before or after
// positional arguments, "--flag value" and "--flag=value" both work, and
// short aliases are separate entries.
type flagSet struct {
	cmd     string
	bools   map[string]*bool
	strs    map[string]*string
	lists   map[string]*[]string
	args    []string
	stopAt  int // stop parsing flags after this many positionals (0: never)
	aliases map[string]string
}

func newFlagSet(cmd string) *flagSet {
	return &flagSet{cmd: cmd, bools: map[string]*bool{}, strs: map[string]*string{}, lists: map[string]*[]string{}, aliases: map[string]string{}}
}

func (f *flagSet) alias(short, long string) { f.aliases[short] = long }

func (f *flagSet) Bool(name string) *bool {
	b := new(bool)
	f.bools[name] = b
	return b
}

func (f *flagSet) String(name, def string) *string {
	s := new(string)
	*s = def
	f.strs[name] = s
	return s
}

func (f *flagSet) List(name string) *[]string {
	l := new([]string)
	f.lists[name] = l
	return l
}

func (f *flagSet) Int(name string) func() (int, error) {
	s := f.String(name, "0")
	return func() (int, error) {
		n, err := strconv.Atoi(*s)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("invalid value %q for flag --%s", *s, name)
		}
		return n, nil
	}
}

// parseID parses args, whose one positional argument must be the
// container id, and returns the id.
func (f *flagSet) parseID(args []string) (string, error) {
	if err := f.parse(args); err != nil {
		return "", err
	}
	return needID(f.args, f.cmd)
}

func (f *flagSet) parse(args []string) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if f.stopAt > 0 && len(f.args) >= f.stopAt {
			f.args = append(f.args, args[i:]...)
			return nil
		}
		if a == "--" {
			f.args = append(f.args, args[i+1:]...)
			return nil
		}
		if len(a) < 2 || a[0] != '-' {
			f.args = append(f.args, a)
			continue
		}
		name := strings.TrimLeft(a, "-")
		val, hasVal := "", false
		if j := strings.IndexByte(name, '='); j >= 0 {
			name, val, hasVal = name[:j], name[j+1:], true
		}
		if l, ok := f.aliases[name]; ok {
			name = l
		}
		if b, ok := f.bools[name]; ok {
			if hasVal {
				v, err := strconv.ParseBool(val)
				if err != nil {
					return fmt.Errorf("invalid value %q for flag --%s", val, name)
				}
				*b = v
			} else {
				*b = true
			}
			continue
		}
		s, isStr := f.strs[name]
		l, isList := f.lists[name]
		if !isStr && !isList {
			return fmt.Errorf("flag provided but not defined: -%s", name)
		}
		if !hasVal {
			if i+1 >= len(args) {
				return fmt.Errorf("flag needs an argument: -%s", name)
			}
			i++
			val = args[i]
		}
		if isStr {
			*s = val
		} else {
			*l = append(*l, val)
		}
	}
	return nil
}
