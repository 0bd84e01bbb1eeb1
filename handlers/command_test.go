package handlers_test

import (
	"errors"
	"testing"

	"github.com/onboard-check/onboard-check/handlers"
)

func TestParse(t *testing.T) {
	t.Parallel()
	check := func(kind handlers.TargetKind, v string) handlers.Command {
		return handlers.Command{Kind: handlers.KindCheck, User: handlers.Target{Kind: kind, Value: v}}
	}
	withApp := func(c handlers.Command, app, since string) handlers.Command {
		c.App, c.Since = app, since
		return c
	}
	tests := []struct {
		name string
		in   string
		want handlers.Command
	}{
		{"slash command", "/onboard-check adele@contoso.com", check(handlers.TargetUPN, "adele@contoso.com")},
		{"bare upn", "adele@contoso.com", check(handlers.TargetUPN, "adele@contoso.com")},
		{"upper case kept", "ADELE@Contoso.com", check(handlers.TargetUPN, "ADELE@Contoso.com")},
		{"apostrophe", "onboard-check conor.o'brien@contoso.com", check(handlers.TargetUPN, "conor.o'brien@contoso.com")},
		{"guest", "patti_fabrikam.com#EXT#@contoso.onmicrosoft.com", check(handlers.TargetUPN, "patti_fabrikam.com#EXT#@contoso.onmicrosoft.com")},
		{"slack mailto", "<mailto:adele@contoso.com|adele@contoso.com>", check(handlers.TargetUPN, "adele@contoso.com")},
		{"slack mention", "<@U024BE7LH>", check(handlers.TargetSlackMention, "U024BE7LH")},
		{"slack mention with name", "<@U024BE7LH|adele>", check(handlers.TargetSlackMention, "U024BE7LH")},
		{"teams mention", "onboard-check <at>Adele Vance</at>", check(handlers.TargetTeamsMention, "Adele Vance")},
		{"object id", "C531BB2B-FDF4-5CF5-B9FA-9CEB1537157C", check(handlers.TargetObjectID, "c531bb2b-fdf4-5cf5-b9fa-9ceb1537157c")},
		{"positional app", "adele@contoso.com azure-portal", withApp(check(handlers.TargetUPN, "adele@contoso.com"), "azure-portal", "")},
		{"flags", "adele@contoso.com --app intune --since 72h", withApp(check(handlers.TargetUPN, "adele@contoso.com"), "intune", "72h")},
		{"flags with =", "adele@contoso.com --app=graph --since=7d", withApp(check(handlers.TargetUPN, "adele@contoso.com"), "graph", "7d")},
		{"positional window", "adele@contoso.com 3d", withApp(check(handlers.TargetUPN, "adele@contoso.com"), "", "3d")},
		{"empty is help", "   ", handlers.Command{Kind: handlers.KindHelp}},
		{"help", "/onboard-check help", handlers.Command{Kind: handlers.KindHelp}},
		{"details", "details", handlers.Command{Kind: handlers.KindDetails}},
		{"signins", "Sign-ins", handlers.Command{Kind: handlers.KindSignIns}},
		{"recheck", "recheck", handlers.Command{Kind: handlers.KindRecheck}},
		{"policy by name", "policy CA015 Block portals", handlers.Command{Kind: handlers.KindPolicy, Arg: "CA015 Block portals"}},
		{"explain", "explain AADSTS53003", handlers.Command{Kind: handlers.KindExplain, Arg: "53003"}},
		{"whatif", "whatif app=azure-portal platform=ios location=203.0.113.7", handlers.Command{Kind: handlers.KindWhatIf,
			WhatIf: handlers.WhatIf{App: "azure-portal", Platform: "iOS", Location: "203.0.113.7"}}},
		{"whatif country", "whatif location=NL client=browser", handlers.Command{Kind: handlers.KindWhatIf,
			WhatIf: handlers.WhatIf{Location: "NL", Client: "browser"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := handlers.Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q) error %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("Parse(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			again, err := handlers.Parse(got.String())
			if err != nil || again != got {
				t.Errorf("Parse(%q) = %+v, %v; want the same command back", got.String(), again, err)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		"adele",
		"adele@",
		"@contoso.com",
		"adele@contoso",
		"adele@@contoso.com",
		"a b@contoso.com",
		"adele@contoso.com' or 1 eq 1",
		"adele@contoso.com?$select=*",
		"../users@contoso.com",
		"adele%40contoso.com",
		"adele@contoso.com/../../me",
		"<http://evil.example>",
		"<@u123>",
		"<mailto:not an address|x>",
		"adele@contoso.com --bogus x",
		"adele@contoso.com --since 45d",
		"adele@contoso.com --since",
		"adele@contoso.com azure-portal intune",
		"adele@contoso.com --app ../x",
		"explain",
		"explain abc",
		"explain 0123",
		"policy",
		"details now",
		"whatif app",
		"whatif platform=amiga",
		"whatif location=not-an-ip",
		"whatif foo=bar",
		"x.y@-contoso.com",
		"adele@contoso.com\x00",
	} {
		got, err := handlers.Parse(in)
		if !errors.Is(err, handlers.ErrUsage) {
			t.Errorf("Parse(%q) = %+v, %v; want a usage error", in, got, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"conor.o'brien@contoso.com",
		"<mailto:ext_x#EXT#@contoso.onmicrosoft.com|x>",
		"/onboard-check adele@contoso.com --app azure-portal --since 72h",
		"<@U024BE7LH|adele>",
		"<at>Adele Vance</at>",
		"whatif app=intune platform=android location=198.51.100.8",
		"explain 53003",
		"policy CA015",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		cmd, err := handlers.Parse(in)
		if err != nil {
			if !errors.Is(err, handlers.ErrUsage) {
				t.Errorf("Parse(%q) error %v does not wrap ErrUsage", in, err)
			}
			return
		}
		again, err := handlers.Parse(cmd.String())
		if err != nil || again != cmd {
			t.Errorf("Parse(%q).String() = %q parses to %+v, %v; want %+v", in, cmd.String(), again, err, cmd)
		}
	})
}
