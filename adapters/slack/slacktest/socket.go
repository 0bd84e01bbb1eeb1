package slacktest

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// pingEvery is how often the fake pings a Socket Mode connection. Slack
// pings; slack-go reconnects when no ping arrives for 30 s.
const pingEvery = 5 * time.Second

// SendEnvelope queues a Socket Mode envelope: typ is events_api,
// slash_commands or interactive, payload its JSON payload. retry is
// Slack's retry_attempt (0 for a first delivery).
func (s *Server) SendEnvelope(id, typ string, payload any, retry ...int) {
	attempt := 0
	if len(retry) > 0 {
		attempt = retry[0]
	}
	b, err := json.Marshal(map[string]any{"envelope_id": id, "type": typ, "payload": payload,
		"accepts_response_payload": typ == "slash_commands", "retry_attempt": attempt, "retry_reason": ""})
	if err != nil {
		s.tb.Errorf("slacktest: envelope %s: %v", id, err)
		return
	}
	s.socket <- b
}

// SendDisconnect queues Slack's request to reconnect ("refresh_requested"),
// which slack-go answers by opening a new connection.
func (s *Server) SendDisconnect() {
	b, _ := json.Marshal(map[string]any{"type": "disconnect", "reason": "refresh_requested",
		"debug_info": map[string]any{"host": "fake"}})
	s.socket <- b
}

// Acks returns the envelope ids the client acknowledged.
func (s *Server) Acks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.acks...)
}

// handleSocket is the Socket Mode WebSocket: hello, then the queued
// envelopes, pings as Slack sends them, and the client's acks recorded.
func (s *Server) handleSocket(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer conn.Close()
	hello, _ := json.Marshal(map[string]any{"type": "hello", "num_connections": 1,
		"connection_info": map[string]any{"app_id": "A1"}, "debug_info": map[string]any{"host": "fake"}})
	if conn.WriteMessage(websocket.TextMessage, hello) != nil {
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			_, b, err := conn.ReadMessage()
			if err != nil {
				return
			}
			var ack struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if err := json.Unmarshal(b, &ack); err != nil || ack.EnvelopeID == "" {
				s.tb.Errorf("slacktest: a Socket Mode message that is no acknowledgement: %s", b)
				continue
			}
			s.mu.Lock()
			s.acks = append(s.acks, ack.EnvelopeID)
			s.mu.Unlock()
			s.record(Call{Method: "socket_ack", Body: b, Path: r.URL.Path})
		}
	}()
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
	for {
		select {
		case <-done:
			return
		case <-r.Context().Done():
			return
		case b := <-s.socket:
			if conn.WriteMessage(websocket.TextMessage, b) != nil {
				return
			}
			var m struct{ Type string }
			if json.Unmarshal(b, &m) == nil && m.Type == "disconnect" {
				// Slack closes the connection a moment after asking to
				// reconnect; slack-go has usually left by then.
				_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
				return
			}
		case <-ping.C:
			if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)) != nil {
				return
			}
		}
	}
}
