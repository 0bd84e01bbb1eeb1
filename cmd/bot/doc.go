// Command bot is onboard-check: a chat-ops bot that tells an Entra ID
// helpdesk why an account cannot sign in, and what to do about it.
//
//	bot check [--app KEY] [--since DURATION] [--output text|json|slack|teams] [--lang en|nl] [--demo] USER
//	bot serve
//	bot version
//
// This package is wiring only: it reads the environment (and the
// ONBOARD_CONFIG file), builds the store, the Graph source, the engine, the
// conversation service and the configured chat surfaces, and runs them.
// Every decision lives in the packages it wires. It is the only package
// that knows the names of the environment variables; layout_test.go holds
// the import rules of the whole tree.
package main
