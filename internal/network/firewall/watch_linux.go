package firewall

import (
	"fmt"
	"time"

	"github.com/google/nftables"
)

// watchQuiet is how long Watch waits for a burst of changes to end (an
// engine starting writes dozens of rules) before it calls back.
const watchQuiet = 100 * time.Millisecond

// Watch follows the host's nftables changes until stop is closed. After a
// burst of changes to another table's tables, chains or rules (another
// engine or firewall starting, restarting or reloading) it calls changed
// with ownGone false; when table itself was deleted by someone, with
// ownGone true. The caller re-ensures its rules from there (EnsureForeign,
// Table.Apply); the changes that makes are its own and do not call back.
func Watch(table string, stop <-chan struct{}, changed func(ownGone bool)) error {
	c, err := nftables.New()
	if err != nil {
		return fmt.Errorf("open nftables: %w", err)
	}
	mon := nftables.NewMonitor(nftables.WithMonitorObject(nftables.MonitorObjectTables | nftables.MonitorObjectChains | nftables.MonitorObjectRules))
	events, err := c.AddMonitor(mon)
	if err != nil {
		return fmt.Errorf("watch nftables: %w", err)
	}
	go func() {
		<-stop
		_ = mon.Close()
	}()
	go func() {
		var timer <-chan time.Time
		foreign, own := false, false
		for {
			select {
			case ev, ok := <-events:
				if !ok {
					return
				}
				f, o := classify(ev, table)
				foreign, own = foreign || f, own || o
				if (f || o) && timer == nil {
					timer = time.After(watchQuiet)
				}
			case <-timer:
				timer = nil
				if foreign || own {
					changed(own)
				}
				foreign, own = false, false
			}
		}
	}()
	return nil
}

// classify tells whether ev changed another table (foreign) or deleted
// table (own). Set and element changes do not count; an event the monitor
// could not read (out of band: an overrun) counts as foreign.
func classify(ev *nftables.MonitorEvent, table string) (foreign, own bool) {
	var t *nftables.Table
	switch d := ev.Data.(type) {
	case *nftables.Table:
		t = d
	case *nftables.Chain:
		t = d.Table
	case *nftables.Rule:
		t = d.Table
	}
	if t == nil {
		return ev.Type == nftables.MonitorEventTypeOOB, false
	}
	if t.Name == table && t.Family == nftables.TableFamilyIPv4 {
		return false, ev.Type == nftables.MonitorEventTypeDelTable
	}
	return true, false
}
