package handlers_test

import (
	"fmt"

	"github.com/onboard-check/onboard-check/handlers"
)

func ExampleParse() {
	for _, in := range []string{
		"/onboard-check conor.o'brien@contoso.com --app azure-portal --since 72h",
		"<mailto:adele@contoso.com|adele@contoso.com>",
		"whatif app=intune platform=ios",
		"adele",
	} {
		cmd, err := handlers.Parse(in)
		if err != nil {
			fmt.Println("usage error:", err)
			continue
		}
		fmt.Println(cmd.String())
	}
	// Output:
	// onboard-check conor.o'brien@contoso.com --app azure-portal --since 72h
	// onboard-check adele@contoso.com
	// whatif app=intune platform=iOS
	// usage error: usage.user_bad: "adele"
}
