package graph

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/onboard-check/onboard-check/diagnosis"
)

// next returns the @odata.nextLink to follow, or an error when it leaves the
// service root: the token goes to the configured host only, and a link
// elsewhere is not followed at all.
func (c *Client) next(link string) (string, error) {
	if link == "" {
		return "", nil
	}
	if strings.HasPrefix(link, c.v1+"/") || strings.HasPrefix(link, c.beta+"/") {
		return link, nil
	}
	return "", errors.New("@odata.nextLink leaves the Graph service root")
}

// pages follows nextLinks from first, handing each page body to add, which
// returns the page's nextLink and whether to stop. It returns the error of
// a page after the first.
func (r *run) pages(ctx context.Context, p part, nextLink string, add func(body []byte) (string, bool, error)) error {
	for {
		link, err := r.c.next(nextLink)
		if err != nil || link == "" {
			return err
		}
		res := r.c.get(ctx, call{id: "next", part: p, url: link, prefer: p != partUser && p != partMembers}, &r.trips, 0, 0)
		if res.err != nil {
			return res.err
		}
		var stop bool
		nextLink, stop, err = add(res.body)
		if err != nil || stop {
			return err
		}
	}
}

func (r *run) memberships(ctx context.Context, first result, userID string) ([]diagnosis.Group, []diagnosis.Role, error) {
	var ae *APIError
	if first.err != nil && errors.As(first.err, &ae) && (ae.Status == http.StatusNotFound || ae.Status == http.StatusBadRequest || ae.Status == http.StatusNotImplemented) {
		// A Graph stand-in (or a cloud) without transitiveMemberOf: direct
		// memberships are better than none; nested groups are then missed.
		res := r.c.start(ctx, []call{{id: "memberOf", part: partMembers,
			url: r.c.v1 + "/users/" + url.PathEscape(userID) + "/memberOf?$top=999"}}, &r.trips, &r.wg)
		if direct := res["memberOf"].wait(); direct.err == nil {
			first = direct
		}
	}
	if first.err != nil {
		return nil, nil, first.err
	}
	var groups []diagnosis.Group
	var roles []diagnosis.Role
	add := func(body []byte) (string, bool, error) {
		g, ro, next, err := decodeMemberships(body)
		groups, roles = append(groups, g...), append(roles, ro...)
		return next, false, err
	}
	next, _, err := add(first.body)
	if err == nil {
		err = r.pages(ctx, partMembers, next, add)
	}
	return groups, roles, err
}
