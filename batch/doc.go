// Package batch holds the vocabulary of the social security transfer point:
// file names (FI, FS, GO, TD and the replies FO, CO), environments and their
// folders, sets of parts, the sequence-number journal, and the glossary of
// refusal codes. It does no network and no cryptography.
package batch
