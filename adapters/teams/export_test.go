package teams

import "net/http"

// SetHTTPClient sends every outgoing call of s (keys, tokens, connector)
// through c, such as a fake's in-process client inside a synctest bubble.
func SetHTTPClient(s *Server, c *http.Client) {
	s.http = c
	s.tokens.client = c
	s.validator.client = c
	for _, src := range s.validator.sources {
		src.client = c
	}
}

// LinkHosts are the hosts of the bot's own links, for the card checker.
var LinkHosts = linkHosts
