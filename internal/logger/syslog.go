package logger

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// syslogConfig is the syslog driver's options.
type syslogConfig struct {
	network, addr string // "" = the local syslog socket
	facility      int
	format        string // "", rfc3164, rfc5424, rfc5424micro
}

// syslogFacilities are the facility names syslog-facility accepts.
var syslogFacilities = map[string]int{
	"kern": 0, "user": 1, "mail": 2, "daemon": 3, "auth": 4, "syslog": 5, "lpr": 6, "news": 7,
	"uucp": 8, "cron": 9, "authpriv": 10, "ftp": 11,
	"local0": 16, "local1": 17, "local2": 18, "local3": 19, "local4": 20, "local5": 21, "local6": 22, "local7": 23,
}

// newSyslogConfig reads the options with dockerd's rules and words.
func newSyslogConfig(opts map[string]string) (syslogConfig, error) {
	c := syslogConfig{facility: 3}
	if a := opts["syslog-address"]; a != "" {
		u, err := url.Parse(a)
		if err != nil || u.Scheme == "" || !strings.Contains(a, "://") {
			return c, fmt.Errorf("syslog-address should be in form proto://address, got %v", a)
		}
		switch u.Scheme {
		case "unix", "unixgram":
			if _, err := os.Stat(u.Path); err != nil {
				return c, err
			}
			c.network, c.addr = u.Scheme, u.Path
		case "tcp", "udp":
			host := u.Host
			if _, _, err := net.SplitHostPort(host); err != nil {
				if !strings.Contains(err.Error(), "missing port in address") {
					return c, err
				}
				host = net.JoinHostPort(host, "514")
			}
			c.network, c.addr = u.Scheme, host
		case "tcp+tls":
			return c, errors.New("syslog-address tcp+tls is not supported by berth")
		default:
			return c, fmt.Errorf("unsupported scheme: '%s'", u.Scheme)
		}
	}
	if f := opts["syslog-facility"]; f != "" {
		n, ok := syslogFacilities[f]
		if !ok {
			v, err := strconv.Atoi(f)
			if err != nil || v < 0 || v > 23 {
				return c, errors.New("invalid syslog facility")
			}
			n = v
		}
		c.facility = n
	}
	switch f := opts["syslog-format"]; f {
	case "", "rfc3164", "rfc5424", "rfc5424micro":
		c.format = f
	default:
		return c, errors.New("Invalid syslog format")
	}
	return c, nil
}

// syslogWriter sends each line as one syslog message: stdout at severity
// info, stderr at err, in the facility chosen. The message is dockerd's
// (srslog's formats): by default `<pri>Mmm dd hh:mm:ss tag[pid]: line`;
// rfc3164 adds the hostname; rfc5424 is `<pri>1 time host tag pid tag -
// line`. Over a stream each message ends with a newline.
type syslogWriter struct {
	cfg  syslogConfig
	conn net.Conn
	tag  string
	host string
	pid  int
	buf  []byte
}

func newSyslog(cfg Config) (*syslogWriter, error) {
	sc, err := newSyslogConfig(cfg.Opts)
	if err != nil {
		return nil, err
	}
	conn, err := dialSyslog(sc)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	return &syslogWriter{cfg: sc, conn: conn, tag: cfg.Tag, host: host, pid: os.Getpid()}, nil
}

// dialSyslog connects to the address, or to the first local syslog socket
// that answers.
func dialSyslog(c syslogConfig) (net.Conn, error) {
	if c.network != "" {
		return net.DialTimeout(c.network, c.addr, 10*time.Second)
	}
	for _, path := range []string{"/dev/log", "/var/run/syslog", "/var/run/log"} {
		for _, network := range []string{"unixgram", "unix"} {
			if conn, err := net.Dial(network, path); err == nil {
				return conn, nil
			}
		}
	}
	return nil, errors.New("Unix syslog delivery error")
}

func (s *syslogWriter) Append(m Message) error {
	sev := 6 // info
	if m.Stream == Stderr {
		sev = 3 // err
	}
	line := m.Line
	if !m.Partial() {
		line = line[:len(line)-1]
	}
	s.buf = s.format(s.buf[:0], s.cfg.facility*8+sev, m.Time, line)
	_, err := s.conn.Write(s.buf)
	return err
}

func (s *syslogWriter) format(b []byte, pri int, t time.Time, line []byte) []byte {
	b = append(b, '<')
	b = strconv.AppendInt(b, int64(pri), 10)
	b = append(b, '>')
	switch s.cfg.format {
	case "rfc5424", "rfc5424micro":
		layout := time.RFC3339
		if s.cfg.format == "rfc5424micro" {
			layout = "2006-01-02T15:04:05.000000Z07:00"
		}
		b = fmt.Appendf(b, "1 %s %s %s %d %s - ", t.Format(layout), s.host, s.tag, s.pid, s.tag)
	case "rfc3164":
		b = fmt.Appendf(b, "%s %s %s[%d]: ", t.Format(time.Stamp), s.host, s.tag, s.pid)
	default:
		b = fmt.Appendf(b, "%s %s[%d]: ", t.Format(time.Stamp), s.tag, s.pid)
	}
	b = append(b, line...)
	return append(b, '\n')
}

func (s *syslogWriter) Flush() error { return nil }

func (s *syslogWriter) Close() error { return s.conn.Close() }
