package ocicli

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/berth/berth/internal/runtime"
)

// event is one line of `events`, in runc's shape.
type event struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data any    `json:"data,omitempty"`
}

// cmdEvents prints the container's cgroup statistics as JSON: once with
// --stats, else every --interval until the container stops.
func cmdEvents(g *globals, args []string) (int, error) {
	fs := newFlagSet("events")
	stats := fs.Bool("stats")
	interval := fs.String("interval", "5s")
	id, err := fs.parseID(args)
	if err != nil {
		return 1, err
	}
	every, err := time.ParseDuration(*interval)
	if err != nil || every <= 0 {
		return 1, fmt.Errorf("invalid --interval %q", *interval)
	}
	enc := json.NewEncoder(os.Stdout)
	for {
		data, err := runtime.Stats(g.root, id)
		if err != nil {
			if *stats {
				return 1, err
			}
			return 0, nil // the container is gone: the stream ends
		}
		if err := enc.Encode(event{Type: "stats", ID: id, Data: data}); err != nil {
			return 1, fmt.Errorf("write event: %w", err)
		}
		if *stats {
			return 0, nil
		}
		time.Sleep(every)
	}
}
