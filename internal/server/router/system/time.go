package system

import (
	"time"

	ctr "github.com/berth/berth/internal/server/router/container"
)

func parseTime(s string, now time.Time) (time.Time, error) { return ctr.ParseTime(s, now) }
