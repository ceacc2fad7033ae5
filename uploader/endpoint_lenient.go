package uploader

import (
	"net"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads addresses leniently, for error messages only: what an
// address that ParseEndpoint refused seems to say, and what it must never
// show (a password typed into it). Nothing here may panic, whatever the
// input: FuzzParseEndpoint checks it.

// redactURL replaces a password someone may have typed into an address
// ("USER:SECRET@HOST", with or without a scheme, before or after it), so
// that it never reaches an error message.
func redactURL(s string) string {
	var b strings.Builder
	start := 0 // where the current user-info candidate begins
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '/', '?', '#':
			b.WriteString(s[start : i+1])
			start = i + 1
		case '@':
			seg := s[start:i]
			if c := strings.IndexByte(seg, ':'); c >= 0 {
				b.WriteString(seg[:c+1])
				b.WriteString("xxxxx")
			} else {
				b.WriteString(seg)
			}
			b.WriteByte('@')
			start = i + 1
		}
	}
	b.WriteString(s[start:])
	return b.String()
}

// userBeforeScheme recognises the slip USER@sftp://HOST and returns the
// address as it should have been written.
func userBeforeScheme(s string) (suggestion string, ok bool) {
	j := strings.Index(s, "://")
	if j < 0 {
		return "", false
	}
	at := strings.LastIndex(s[:j], "@")
	if at < 0 {
		return "", false
	}
	user, scheme, rest := s[:at], s[at+1:j], s[j+3:]
	if user == "" || strings.ContainsAny(user, ":/") || strings.Contains(rest, "@") {
		return "", false
	}
	switch strings.ToLower(scheme) {
	case "ftp", "ftps", "sftp":
	default:
		return "", false
	}
	return strings.ToLower(scheme) + "://" + user + "@" + rest, true
}

// understood takes an address apart without judging it: scheme, user,
// host, port, the rest. Values are shown quoted and cut short; a password
// is never shown.
func understood(s string) string {
	var parts []string
	add := func(what, v string) {
		if v != "" {
			parts = append(parts, what+" "+quoteShort(v))
		}
	}
	rest := s
	if j := strings.Index(rest, "://"); j >= 0 {
		add("scheme", redactURL(rest[:j]))
		rest = rest[j+3:]
	} else {
		parts = append(parts, "no scheme")
	}
	authority := rest
	tail := ""
	if k := strings.IndexAny(rest, "/?#"); k >= 0 {
		authority, tail = rest[:k], rest[k:]
	}
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		user := authority[:at]
		if c := strings.IndexByte(user, ':'); c >= 0 {
			user = user[:c]
			parts = append(parts, "a password (never shown)")
		}
		add("user", user)
		if user == "" {
			parts = append(parts, "no user")
		}
		authority = authority[at+1:]
	} else {
		parts = append(parts, "no user")
	}
	host, port := authority, ""
	if c := strings.LastIndexByte(authority, ':'); c >= 0 && !strings.HasSuffix(authority, "]") {
		host, port = authority[:c], authority[c+1:]
	}
	if host == "" {
		parts = append(parts, "no host")
	}
	add("host", host)
	add("port", port)
	add("then", redactURL(tail))
	return strings.Join(parts, ", ")
}

// quoteShort quotes v, cut to 40 characters, with every control and
// formatting character escaped (an address may come from a paste).
func quoteShort(v string) string {
	if utf8.RuneCountInString(v) > 40 {
		r := []rune(v)
		v = string(r[:40]) + "…"
	}
	return strconv.Quote(v)
}

// validHost reports whether h is empty (the transfer point's host), an IP
// address, or a host name of letters, digits, '-', '_' and dots, so that
// the address written back by Endpoint.String reads the same.
func validHost(h string) bool {
	if h == "" {
		return true
	}
	if ip := net.ParseIP(h); ip != nil {
		return true
	}
	if len(h) > 253 {
		return false
	}
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}
