package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Retries. Graph asks clients to honour Retry-After on 429 and 503 and to
// retry idempotent requests a bounded number of times; the CA endpoints
// answer 429 without Retry-After, so a missing header means an exponential
// default starting at one second. Every wait stays inside the diagnosis
// budget: a wait that would overrun it is not started.
// https://learn.microsoft.com/graph/throttling
const (
	maxRetries     = 3
	defaultBackoff = time.Second
	maxBackoff     = 30 * time.Second
	maxBatch       = 20       // JSON $batch request limit
	maxBody        = 32 << 20 // bytes read from one response
	preferEnums    = "include-unknown-enum-members"
)

// part is one thing a diagnosis reads; it picks the rate limiter and the
// words of a failure.
type part int

const (
	partUser part = iota
	partMembers
	partPolicies
	partLocations
	partSignIns
	partBetaSignIns
	partStrength
	partSecurityDefaults
	partRequirements
)

func (p part) String() string {
	return [...]string{"user", "memberships", "policies", "named locations", "sign-ins", "non-interactive sign-ins",
		"authentication strength", "security defaults", "authentication requirements"}[p]
}

// call is one idempotent GET.
type call struct {
	id     string // batch request id, unique within one do
	part   part
	url    string // absolute
	prefer bool   // send Prefer: include-unknown-enum-members
	// admitted is set when the budget already let this call through (its
	// wait is over, or a refused $batch is resent as single requests).
	admitted bool
}

// result is the answer to a call: a 2xx body, or err (*APIError,
// *throttledError, *transportError, *tokenError or a context error).
type result struct {
	body   []byte
	header http.Header
	err    error
}

// pending is the result of a call still in flight.
type pending struct {
	done chan struct{}
	once sync.Once
	res  result
}

func (p *pending) deliver(r result) {
	p.once.Do(func() {
		p.res = r
		close(p.done)
	})
}

// wait returns the result once it has arrived.
func (p *pending) wait() result {
	<-p.done
	return p.res
}

// start sends calls and returns their pending results by id; each result
// arrives on its own, so that a slow part holds up only what needs it.
// Calls on the same version root (v1.0 or beta) travel in one JSON $batch,
// one round trip however many; where $batch is refused they go as parallel
// single requests. Batch sub-requests answered 429/503/424 are retried on
// their own. Every goroutine started is tracked by wg.
// https://learn.microsoft.com/graph/json-batching
func (c *Client) start(ctx context.Context, calls []call, trips *atomic.Int32, wg *sync.WaitGroup) map[string]*pending {
	out := make(map[string]*pending, len(calls))
	for _, k := range calls {
		out[k.id] = &pending{done: make(chan struct{})}
	}
	deliver := func(id string, r result) {
		if p, ok := out[id]; ok {
			p.deliver(r)
		}
	}
	byRoot := map[string][]call{}
	for _, k := range calls {
		root := c.rootOf(k.url)
		if root == "" || c.noBatch.Load() || len(byRoot[root]) == maxBatch {
			wg.Go(func() { deliver(k.id, c.get(ctx, k, trips, 0, 0)) })
			continue
		}
		// A call whose budget says "wait" does not hold up the others:
		// it goes alone once its turn comes.
		if !k.admitted {
			if d := c.reserve(ctx, k.part); d > 0 {
				k.admitted = true
				wg.Go(func() {
					if err := c.sleep(ctx, d, k.part); err != nil {
						deliver(k.id, result{err: err})
						return
					}
					deliver(k.id, c.get(ctx, k, trips, 0, 0))
				})
				continue
			}
			k.admitted = true
		}
		byRoot[root] = append(byRoot[root], k)
	}
	for root, batched := range byRoot {
		if len(batched) == 1 {
			k := batched[0]
			wg.Go(func() { deliver(k.id, c.get(ctx, k, trips, 0, 0)) })
			continue
		}
		wg.Go(func() {
			c.batch(ctx, root, batched, trips, deliver)
			for _, k := range batched {
				deliver(k.id, result{err: fmt.Errorf("batch response lacks request %s", k.id)})
			}
		})
	}
	return out
}

// rootOf returns the version root (v1.0 or beta) a URL is under, or "".
func (c *Client) rootOf(u string) string {
	for _, root := range []string{c.v1, c.beta} {
		if strings.HasPrefix(u, root+"/") {
			return root
		}
	}
	return ""
}

type batchRequest struct {
	Requests []batchItem `json:"requests"`
}

type batchItem struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
}

type batchResponse struct {
	Responses []struct {
		ID      string            `json:"id"`
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"responses"`
}

// batch sends calls, already admitted by the budget, as one JSON $batch to
// root, and delivers each result as it arrives. A whole batch answered
// 429, 503 or 424 (a throttled member, a failed dependency) is split, after
// its Retry-After, into single requests with their own retries; none of
// them is a permissions problem. It returns when all are delivered.
func (c *Client) batch(ctx context.Context, root string, calls []call, trips *atomic.Int32, deliver func(string, result)) {
	var wg sync.WaitGroup
	defer wg.Wait()
	fail := func(err error) {
		for _, k := range calls {
			deliver(k.id, result{err: err})
		}
	}
	in := batchRequest{}
	for _, k := range calls {
		item := batchItem{ID: k.id, Method: http.MethodGet, URL: strings.TrimPrefix(k.url, root)}
		if k.prefer {
			item.Headers = map[string]string{"Prefer": preferEnums}
		}
		in.Requests = append(in.Requests, item)
	}
	payload, err := json.Marshal(in)
	if err != nil {
		fail(fmt.Errorf("encode batch: %w", err))
		return
	}

	resp := c.send(ctx, http.MethodPost, root+"/$batch", "batch", payload, nil, trips)
	var ae *APIError
	if errors.As(resp.err, &ae) {
		switch {
		case ae.Status == http.StatusBadRequest, ae.Status == http.StatusNotFound,
			ae.Status == http.StatusMethodNotAllowed, ae.Status == http.StatusNotImplemented:
			// A Graph stand-in without $batch: the same reads, in parallel.
			c.noBatch.Store(true)
			c.log.Info("graph $batch refused; sending requests in parallel", slog.Int("status", ae.Status))
			for _, k := range calls {
				wg.Go(func() { deliver(k.id, c.get(ctx, k, trips, 0, 0)) })
			}
			return
		case retryable(ae.Status):
			// Split: each read waits out Retry-After, books its budget
			// again and retries on its own.
			delay := retryAfter(resp.header, 0)
			c.log.Debug("graph $batch answered as a whole; sending its requests singly", slog.Int("status", ae.Status))
			for _, k := range calls {
				k.admitted = false
				wg.Go(func() { deliver(k.id, c.retry(ctx, k, trips, 0, delay, ae)) })
			}
			return
		}
	}
	if resp.err != nil {
		fail(resp.err)
		return
	}

	var br batchResponse
	if err := json.Unmarshal(resp.body, &br); err != nil {
		fail(fmt.Errorf("decode batch response: %w", err))
		return
	}
	byID := make(map[string]call, len(calls))
	for _, k := range calls {
		byID[k.id] = k
	}
	for _, sub := range br.Responses {
		k, ok := byID[sub.ID]
		if !ok {
			continue
		}
		delete(byID, sub.ID)
		h := make(http.Header, len(sub.Headers))
		for name, v := range sub.Headers {
			h.Set(name, v)
		}
		body := subBody(sub.Body)
		switch {
		case sub.Status >= 200 && sub.Status < 300:
			deliver(k.id, result{body: body, header: h})
		case !retryable(sub.Status):
			deliver(k.id, result{err: apiError(sub.Status, h, body), header: h})
		default:
			delay, cause := retryAfter(h, 0), apiError(sub.Status, h, body)
			wg.Go(func() { deliver(k.id, c.retry(ctx, k, trips, 1, delay, cause)) })
		}
	}
}

// subBody returns a sub-response body as bytes: Graph inlines JSON bodies
// and base64-encodes others.
func subBody(raw json.RawMessage) []byte {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if b, err := base64.StdEncoding.DecodeString(s); err == nil {
				return b
			}
			return []byte(s)
		}
	}
	return raw
}
