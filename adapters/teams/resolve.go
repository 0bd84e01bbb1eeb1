package teams

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/onboard-check/onboard-check/handlers"
	"github.com/onboard-check/onboard-check/internal/secret"
)

// resolve turns a Teams mention into the person's Entra object id: from
// the mention entity, else from the conversation's roster
// (GET {serviceUrl}/v3/conversations/{team or conversation}/members/{userId}).
func (s *Server) resolve(ctx context.Context, rt route, t handlers.Target) (string, error) {
	objectID, userID := rt.mentioned(t.Value)
	if objectID != "" {
		return objectID, nil
	}
	if userID == "" {
		return "", errors.New("no mention entity for the name")
	}
	tok, err := s.tokens.Token(ctx)
	if err != nil {
		return "", err
	}
	roster := rt.limiterKey()
	if rt.Team != "" {
		roster = rt.Team
	}
	u := strings.TrimSuffix(rt.ServiceURL, "/") + "/v3/conversations/" + url.PathEscape(roster) + "/members/" + url.PathEscape(userID)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", fmt.Errorf("roster: %w", secret.RedactError(err))
	}
	req.Header.Set("Authorization", "Bearer "+tok.Reveal())
	resp, err := s.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("roster: %w", secret.RedactError(err))
	}
	defer resp.Body.Close()
	var m struct {
		AADObjectID       string `json:"aadObjectId"`
		ObjectID          string `json:"objectId"`
		UserPrincipalName string `json:"userPrincipalName"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(io.LimitReader(resp.Body, maxConnectorAnswer)).Decode(&m) != nil {
		if resp.StatusCode == http.StatusUnauthorized {
			s.tokens.Invalidate(tok)
		}
		return "", fmt.Errorf("roster: status %d", resp.StatusCode)
	}
	for _, v := range []string{m.AADObjectID, m.ObjectID, m.UserPrincipalName} {
		if v != "" {
			return v, nil
		}
	}
	return "", errors.New("roster: no aadObjectId")
}

// mentioned finds a mentioned person by the mention's text: their Entra
// object id when the entity carries it, and their Teams user id.
func (rt route) mentioned(name string) (objectID, userID string) {
	for _, m := range rt.Mentions {
		inner := strings.TrimSuffix(strings.TrimPrefix(m.Text, "<at>"), "</at>")
		if strings.EqualFold(html.UnescapeString(inner), name) || strings.EqualFold(inner, name) || strings.EqualFold(m.Name, name) {
			return m.AADObjectID, m.ID
		}
	}
	return "", ""
}
