package diagnosis

// Entra admin center addresses findings link to. Each page has one
// constant or function here; nothing else in the product spells them.
const (
	entraPolicyURL     = "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/PolicyBlade/policyId/"
	entraPoliciesURL   = "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/ConditionalAccessBlade/~/Policies"
	entraUserURL       = "https://entra.microsoft.com/#view/Microsoft_AAD_UsersAndTenants/UserProfileMenuBlade/~/overview/userId/"
	entraSignInLogsURL = "https://entra.microsoft.com/#view/Microsoft_AAD_IAM/SignInLogsList.ReactView"
	entraLocationsURL  = "https://entra.microsoft.com/#view/Microsoft_AAD_ConditionalAccess/ConditionalAccessBlade/~/NamedLocations"
)

// PolicyURL is the page of a Conditional Access policy in the Entra admin
// center; with no id, the list of policies.
func PolicyURL(id string) string {
	if id == "" {
		return entraPoliciesURL
	}
	return entraPolicyURL + id
}

// UserURL is the page of an account in the Entra admin center.
func UserURL(id string) string { return entraUserURL + id }
