package main

import (
	"errors"
	"log/slog"
	"net/http"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/onboard-check/onboard-check/graph"
	"github.com/onboard-check/onboard-check/internal/secret"
)

// graphConfig builds the Graph source's configuration from the
// environment (SPEC §3). A static token wins over Azure credentials.
func graphConfig(getenv func(string) string) (graph.Config, error) {
	cfg := graph.Config{BaseURL: getenv("ONBOARD_GRAPH_URL"), Token: secret.Secret(getenv("ONBOARD_GRAPH_TOKEN"))}
	var credErr error
	if cfg.Token == "" {
		cfg.Credential, credErr = azureCredential(getenv)
	}
	if credErr != nil {
		// Report the credential problem and every other one at once.
		return cfg, joinConfigErrors(credErr, graph.Config{BaseURL: cfg.BaseURL, Token: "set"}.Validate())
	}
	return cfg, joinConfigErrors(cfg.Validate())
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

// graphErrorKey returns the catalog key of the message for why Graph gave nothing.
func graphErrorKey(err error) string {
	switch {
	case errors.Is(err, graph.ErrCredentials):
		return "cli.graph_credentials"
	case errors.Is(err, graph.ErrUnreachable):
		return "cli.graph_unreachable"
	}
	var api *graph.APIError
	if errors.As(err, &api) {
		return "cli.graph_refused"
	}
	return "cli.tenant_unreadable"
}
