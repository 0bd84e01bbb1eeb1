package graph

import (
	"errors"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/onboard-check/onboard-check/diagnosis"
)

func decodeLocations(body []byte) ([]diagnosis.NamedLocation, string, error) {
	v, err := decode(body, models.CreateNamedLocationCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return nil, "", err
	}
	page, ok := v.(models.NamedLocationCollectionResponseable)
	if !ok {
		return nil, "", errors.New("decode named locations: not a namedLocation collection")
	}
	var out []diagnosis.NamedLocation
	for _, l := range page.GetValue() {
		if n, ok := toNamedLocation(l); ok {
			out = append(out, n)
		}
	}
	return out, str(page.GetOdataNextLink()), nil
}

// toNamedLocation reads an ipNamedLocation or a countryNamedLocation; any
// other kind is skipped (ok false).
func toNamedLocation(m models.NamedLocationable) (diagnosis.NamedLocation, bool) {
	switch l := m.(type) {
	case models.IpNamedLocationable:
		n := diagnosis.NamedLocation{ID: str(l.GetId()), DisplayName: str(l.GetDisplayName()), Kind: "ip", IsTrusted: boolean(l.GetIsTrusted())}
		for _, r := range l.GetIpRanges() {
			// IPv4CidrRangeable and IPv6CidrRangeable have the same methods:
			// one interface reads both.
			if c, ok := r.(interface{ GetCidrAddress() *string }); ok {
				n.IPRanges = append(n.IPRanges, str(c.GetCidrAddress()))
			}
		}
		n.IPRanges = nonEmpty(n.IPRanges)
		return n, true
	case models.CountryNamedLocationable:
		return diagnosis.NamedLocation{ID: str(l.GetId()), DisplayName: str(l.GetDisplayName()), Kind: "country",
			Countries: nonEmpty(l.GetCountriesAndRegions()), IncludeUnknownCountries: boolean(l.GetIncludeUnknownCountriesAndRegions())}, true
	}
	return diagnosis.NamedLocation{}, false
}
