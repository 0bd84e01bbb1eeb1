package graph

import (
	"errors"

	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/onboard-check/onboard-check/diagnosis"
)

func decodeUser(body []byte) (diagnosis.User, error) {
	v, err := decode(body, models.CreateUserFromDiscriminatorValue)
	if err != nil {
		return diagnosis.User{}, err
	}
	u, ok := v.(models.Userable)
	if !ok || str(u.GetId()) == "" {
		return diagnosis.User{}, errors.New("decode user: no user object")
	}
	return toUser(u), nil
}

func toUser(u models.Userable) diagnosis.User {
	return diagnosis.User{
		ID:                str(u.GetId()),
		UserPrincipalName: str(u.GetUserPrincipalName()),
		DisplayName:       str(u.GetDisplayName()),
		Mail:              str(u.GetMail()),
		// $select asks for accountEnabled; absent means Graph withheld it,
		// and an enabled account is the assumption that raises no alarm.
		AccountEnabled:    u.GetAccountEnabled() == nil || *u.GetAccountEnabled(),
		UserType:          str(u.GetUserType()),
		ExternalUserState: str(u.GetExternalUserState()),
	}
}

// decodeMemberships splits a transitiveMemberOf page into groups and
// directory roles; administrative units and other objects are skipped.
func decodeMemberships(body []byte) ([]diagnosis.Group, []diagnosis.Role, string, error) {
	v, err := decode(body, models.CreateDirectoryObjectCollectionResponseFromDiscriminatorValue)
	if err != nil {
		return nil, nil, "", err
	}
	page, ok := v.(models.DirectoryObjectCollectionResponseable)
	if !ok {
		return nil, nil, "", errors.New("decode memberships: not a directoryObject collection")
	}
	var groups []diagnosis.Group
	var roles []diagnosis.Role
	for _, o := range page.GetValue() {
		switch m := o.(type) {
		case models.Groupable:
			groups = append(groups, toGroup(m))
		case models.DirectoryRoleable:
			roles = append(roles, toRole(m))
		}
	}
	return groups, roles, str(page.GetOdataNextLink()), nil
}

func toGroup(g models.Groupable) diagnosis.Group {
	return diagnosis.Group{ID: str(g.GetId()), DisplayName: str(g.GetDisplayName())}
}

func toRole(r models.DirectoryRoleable) diagnosis.Role {
	return diagnosis.Role{ID: str(r.GetId()), DisplayName: str(r.GetDisplayName()), RoleTemplateID: str(r.GetRoleTemplateId())}
}
