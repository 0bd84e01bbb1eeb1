package slacktest

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gorilla/websocket"
)

// SendEnvelope queues a Socket Mode envelope: typ is events_api,
// slash_commands or interactive, payload its JSON payload.
func (s *Server) SendEnvelope(id, typ string, payload any) {
	b, _ := json.Marshal(map[string]any{"envelope_id": id, "type": typ, "payload": payload,
		"accepts_response_payload": typ == "slash_commands", "retry_attempt": 0, "retry_reason": ""})
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
			if json.Unmarshal(b, &ack) == nil && ack.EnvelopeID != "" {
				s.mu.Lock()
				s.acks = append(s.acks, ack.EnvelopeID)
				s.mu.Unlock()
				s.record(Call{Method: "socket_ack", Body: b})
			}
		}
	}()
	ping := time.NewTicker(5 * time.Second)
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
		case <-ping.C:
			if conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(time.Second)) != nil {
				return
			}
		}
	}
}
