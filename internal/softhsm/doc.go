// Package softhsm builds real SoftHSM2 tokens for tests: a configuration
// of its own (SOFTHSM2_CONF) in a temporary folder, tokens initialized
// with softhsm2-util, keys and certificates made by the real openssl and
// stored with softhsm2-util or C_CreateObject. It needs cgo, like the
// PKCS#11 credential it tests.
package softhsm
