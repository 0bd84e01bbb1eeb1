package graph

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// get sends one GET with retries, starting at attempt after delay.
func (c *Client) get(ctx context.Context, k call, trips *atomic.Int32, attempt int, delay time.Duration) result {
	return c.retry(ctx, k, trips, attempt, delay, nil)
}

// retry is get for a request that was already answered cause (a throttled
// batch sub-request arrives with attempt 1, its Retry-After and its 429).
func (c *Client) retry(ctx context.Context, k call, trips *atomic.Int32, attempt int, delay time.Duration, cause *APIError) result {
	var h http.Header
	if k.prefer {
		h = http.Header{"Prefer": {preferEnums}}
	}
	last := cause
	for ; ; attempt++ {
		if delay > 0 {
			if err := c.wait(ctx, delay, last); err != nil {
				return result{err: err}
			}
		}
		if !k.admitted || attempt > 0 {
			if err := c.admit(ctx, k.part); err != nil {
				return result{err: err}
			}
		}
		r := c.send(ctx, http.MethodGet, k.url, k.part.String(), nil, h, trips)
		var ae *APIError
		if !errors.As(r.err, &ae) || !retryable(ae.Status) {
			return r
		}
		if attempt >= maxRetries {
			if ae.Status == http.StatusTooManyRequests {
				r.err = &throttledError{err: ae}
			}
			return r
		}
		last, delay = ae, retryAfter(r.header, attempt)
	}
}

// wait sleeps before a retry, unless the budget would end first: then the
// part gives up at once, as throttled or as the error that caused the wait.
func (c *Client) wait(ctx context.Context, d time.Duration, cause *APIError) error {
	giveUp := func(err error) error {
		if cause != nil && cause.Status == http.StatusTooManyRequests {
			return &throttledError{err: cause}
		}
		if cause != nil {
			return cause
		}
		return err
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < d {
		return giveUp(fmt.Errorf("retry in %s: %w", d, errBudget))
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return giveUp(context.Cause(ctx))
	}
}

// send makes one HTTP exchange. Non-2xx answers become *APIError; the
// error never holds the URL (it names the user and the filter).
func (c *Client) send(ctx context.Context, method, rawURL, what string, body []byte, h http.Header, trips *atomic.Int32) result {
	op := method + " " + what
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return result{err: &transportError{op: op, err: errors.New("invalid request URL")}}
	}
	for name, vs := range h {
		req.Header[name] = vs
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	trips.Add(1)
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		c.log.Debug("graph request failed", slog.String("op", op), slog.Duration("elapsed", time.Since(start)), slog.Any("err", err))
		return result{err: &transportError{op: op, err: err}}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	c.log.Debug("graph request", slog.String("op", op), slog.Int("status", resp.StatusCode), slog.Duration("elapsed", time.Since(start)))
	if err != nil {
		return result{err: &transportError{op: op, err: err}, header: resp.Header}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return result{err: apiError(resp.StatusCode, resp.Header, b), header: resp.Header}
	}
	return result{body: b, header: resp.Header}
}

func retryable(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout,
		http.StatusFailedDependency:
		return true
	}
	return false
}

// retryAfter reads Retry-After: seconds, which Graph may send with a
// fraction ("2.128"), or an HTTP date; without it the wait doubles from
// defaultBackoff with each attempt.
func retryAfter(h http.Header, attempt int) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 && s <= maxBackoff.Seconds() {
			return time.Duration(s * float64(time.Second))
		} else if err == nil && s > maxBackoff.Seconds() {
			return maxBackoff
		}
		if t, err := http.ParseTime(v); err == nil {
			return min(max(time.Until(t), 0), maxBackoff)
		}
	}
	return min(defaultBackoff<<min(attempt, 5), maxBackoff)
}
