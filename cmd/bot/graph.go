package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/onboard-check/onboard-check/graph"
)

// graphConfig builds the Graph source's configuration from the
// environment (SPEC §3). A static token wins over Azure credentials.
func graphConfig(getenv func(string) string) (graph.Config, error) {
	cfg := graph.Config{BaseURL: getenv("ONBOARD_GRAPH_URL"), Token: getenv("ONBOARD_GRAPH_TOKEN")}
	if cfg.Token == "" {
		cred, err := azureCredential(getenv)
		if err != nil {
			return cfg, err
		}
		cfg.Credential = cred
	}
	if err := cfg.Validate(); err != nil {
		return cfg, &configError{problems: []string{err.Error()}}
	}
	return cfg, nil
}

// azureCredential reads AZURE_* the way azidentity's environment,
// workload identity and managed identity credentials do, but from getenv
// so that tests can set them.
func azureCredential(getenv func(string) string) (azcore.TokenCredential, error) {
	tenant, client := getenv("AZURE_TENANT_ID"), getenv("AZURE_CLIENT_ID")
	secret, certPath, tokenFile := getenv("AZURE_CLIENT_SECRET"), getenv("AZURE_CLIENT_CERTIFICATE_PATH"), getenv("AZURE_FEDERATED_TOKEN_FILE")
	var problems []string
	need := func(name, v string) {
		if v == "" {
			problems = append(problems, name+": required with "+map[bool]string{true: "AZURE_CLIENT_SECRET", false: "AZURE_CLIENT_CERTIFICATE_PATH or AZURE_FEDERATED_TOKEN_FILE"}[secret != ""])
		}
	}
	var (
		cred azcore.TokenCredential
		err  error
	)
	switch {
	case secret != "":
		need("AZURE_TENANT_ID", tenant)
		need("AZURE_CLIENT_ID", client)
		if len(problems) == 0 {
			cred, err = azidentity.NewClientSecretCredential(tenant, client, secret, nil)
		}
	case certPath != "":
		need("AZURE_TENANT_ID", tenant)
		need("AZURE_CLIENT_ID", client)
		if len(problems) > 0 {
			break
		}
		pem, rerr := os.ReadFile(certPath)
		if rerr != nil {
			problems = append(problems, "AZURE_CLIENT_CERTIFICATE_PATH: cannot read the certificate file")
			break
		}
		certs, key, perr := azidentity.ParseCertificates(pem, []byte(getenv("AZURE_CLIENT_CERTIFICATE_PASSWORD")))
		if perr != nil {
			problems = append(problems, "AZURE_CLIENT_CERTIFICATE_PATH: not a PEM or PKCS#12 certificate with its private key")
			break
		}
		cred, err = azidentity.NewClientCertificateCredential(tenant, client, certs, key, nil)
	case tokenFile != "":
		need("AZURE_TENANT_ID", tenant)
		need("AZURE_CLIENT_ID", client)
		if len(problems) == 0 {
			cred, err = azidentity.NewWorkloadIdentityCredential(&azidentity.WorkloadIdentityCredentialOptions{
				TenantID: tenant, ClientID: client, TokenFilePath: tokenFile})
		}
	case client != "" || tenant != "":
		// No secret, certificate or federated token: a managed identity.
		opts := &azidentity.ManagedIdentityCredentialOptions{}
		if client != "" {
			opts.ID = azidentity.ClientID(client)
		}
		cred, err = azidentity.NewManagedIdentityCredential(opts)
	default:
		problems = append(problems, "ONBOARD_GRAPH_TOKEN: no Graph credential: set it, or AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET (or a certificate, a federated token file, or a managed identity)")
	}
	if len(problems) > 0 {
		return nil, &configError{problems: problems}
	}
	if err != nil {
		return nil, &configError{problems: []string{"AZURE_CLIENT_ID: cannot build the Azure credential: " + err.Error()}}
	}
	return cred, nil
}

// newGraphSource builds the Graph source. cache and client may be nil.
func newGraphSource(getenv func(string) string, logger *slog.Logger, cache graph.Cache, client *http.Client) (*graph.Client, error) {
	cfg, err := graphConfig(getenv)
	if err != nil {
		return nil, err
	}
	cfg.HTTPClient = client
	c, err := graph.New(cfg, cache, logger)
	if err != nil {
		return nil, &configError{problems: []string{err.Error()}}
	}
	return c, nil
}

// describeGraphError says in plain words why Graph gave nothing.
func describeGraphError(err error) string {
	var api *graph.APIError
	hasAPI := errors.As(err, &api)
	switch {
	case errors.Is(err, graph.ErrCredentials):
		s := "Microsoft Graph rejected the credentials: check AZURE_TENANT_ID, AZURE_CLIENT_ID and the secret or certificate (or ONBOARD_GRAPH_TOKEN), and that the app has admin consent"
		if hasAPI && api.RequestID != "" {
			s += fmt.Sprintf(" (request-id %s)", api.RequestID)
		}
		return s
	case errors.Is(err, graph.ErrUnreachable):
		return "Microsoft Graph could not be reached or did not answer: check ONBOARD_GRAPH_URL, the network and proxy, and try again"
	case hasAPI:
		return fmt.Sprintf("Microsoft Graph refused the request (HTTP %d %s); the request-id for Microsoft support is %q", api.Status, api.Code, api.RequestID)
	}
	return "the tenant could not be read; run again, and if it persists check the service log"
}
