// Package workflow is what both front-ends (the command line and the
// desktop app) do with a declaration, each rule once: naming it with the
// journal of sequence numbers (and the empty-declaration rule), which key
// of a token signs, whether a test set is signed, the defaults of a
// transfer point account, the ledger of every declaration set and of the
// sequence numbers handed out (an SQLite database in the configuration
// folder), sending under the ledger's rules (never twice to the same
// account by accident, one sender at a time), cancelling a sent set with
// a TD, fetching replies per account and matching them to their set, and
// the coded messages the front-ends word in their user's language. It
// knows nothing of Fyne or of a terminal: what it must ask, it asks a
// Prompter.
package workflow
