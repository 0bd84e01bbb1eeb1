package diagnosis

import (
	"net/netip"
	"strings"
)

// Locate returns the named locations an IP address or country falls in,
// and whether any of them is trusted.
func (e *Evaluator) Locate(ip, country string) (ids []string, trusted bool) {
	addr, err := netip.ParseAddr(strings.TrimSpace(ip))
	for _, l := range e.locations {
		hit := false
		if err == nil {
			for _, p := range e.nets[l.ID] {
				if p.Contains(addr) {
					hit = true
					break
				}
			}
		}
		if l.Kind == "country" {
			if country != "" && containsFold(l.Countries, country) {
				hit = true
			}
			if country == "" && ip != "" && l.IncludeUnknownCountries {
				hit = true
			}
		}
		if hit {
			ids = append(ids, l.ID)
			trusted = trusted || l.IsTrusted
		}
	}
	return ids, trusted
}

// LocationName returns a named location's display name, or the id.
func (e *Evaluator) LocationName(id string) string {
	for _, l := range e.locations {
		if strings.EqualFold(l.ID, id) {
			return l.DisplayName
		}
	}
	return id
}

func (e *Evaluator) locationCondition(c *LocationConditions, r Request) Condition {
	cond := Condition{Name: "locations"}
	if c == nil || (len(c.Include) == 0 && len(c.Exclude) == 0) {
		cond.Match, cond.Reason = MatchYes, "why.location_any"
		return cond
	}
	if r.IP == "" && r.Country == "" {
		if len(c.Exclude) == 0 && containsFold(c.Include, "All") {
			cond.Match, cond.Reason = MatchYes, "why.location_any"
			return cond
		}
		cond.Match, cond.Reason = MatchMaybe, "why.location_unknown"
		cond.Args = []string{"locations", e.describeLocations(c)}
		return cond
	}
	ids, trusted := e.Locate(r.IP, r.Country)
	where := r.IP
	if where == "" {
		where = r.Country
	}
	for _, x := range c.Exclude {
		if (strings.EqualFold(x, "AllTrusted") && trusted) || containsFold(ids, x) {
			cond.Reason, cond.Args = "why.location_excluded", []string{"ip", where, "location", e.LocationName(x)}
			return cond
		}
	}
	for _, x := range c.Include {
		if strings.EqualFold(x, "All") || (strings.EqualFold(x, "AllTrusted") && trusted) || containsFold(ids, x) {
			cond.Match, cond.Reason, cond.Args = MatchYes, "why.location_included", []string{"ip", where, "location", e.LocationName(x)}
			return cond
		}
	}
	cond.Reason, cond.Args = "why.location_not_targeted", []string{"ip", where}
	return cond
}

// describeLocations names the locations a policy excludes, for text.
func (e *Evaluator) describeLocations(c *LocationConditions) string {
	var names []string
	for _, x := range c.Exclude {
		names = append(names, e.LocationName(x))
	}
	if len(names) == 0 {
		for _, x := range c.Include {
			names = append(names, e.LocationName(x))
		}
	}
	return strings.Join(names, ", ")
}
