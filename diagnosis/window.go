package diagnosis

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DefaultWindow is the sign-in window when a query names none.
const DefaultWindow = 7 * 24 * time.Hour

// MaxWindow is the longest sign-in window Entra keeps.
const MaxWindow = 30 * 24 * time.Hour

// ParseWindow reads a sign-in window as a Go duration ("72h") or a number
// of days ("7d"). It must be positive and at most MaxWindow.
func ParseWindow(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil {
			return 0, fmt.Errorf("window %q: not a number of days", s)
		}
		d = time.Duration(days) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(s); err != nil {
			return 0, fmt.Errorf("window %q: use a duration such as 72h or a number of days such as 7d", s)
		}
	}
	if d <= 0 || d > MaxWindow {
		return 0, fmt.Errorf("window %q: must be more than zero and at most 30 days", s)
	}
	return d, nil
}
