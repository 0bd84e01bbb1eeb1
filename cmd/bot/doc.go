// Command bot is onboard-check: a chat-ops bot that tells an Entra ID
// helpdesk why an account cannot sign in, and what to do about it.
//
//	bot check [--app KEY] [--since DURATION] [--output text|json|slack|teams] [--lang en|nl] [--demo] USER
//	bot whatif [--output text|json] [--lang en|nl] [--demo] USER [app=…] [platform=…] [location=…] [client=…]
//	bot explain [--output text|json] [--lang en|nl] CODE
//	bot audit [--since DURATION] [--requester ID] [--user UPN] [--limit N] [--output text|json]
//	bot serve
//	bot version
//
// This package is wiring only: it reads the environment (and the
// ONBOARD_CONFIG file), builds the store, the Graph source, the engine, the
// conversation service and the configured chat surfaces, and runs them.
// Every decision lives in the packages it wires. It is the only package
// that knows the names of the environment variables, and it may import
// everything; layout_test.go holds the import rules of the whole tree.
package main
