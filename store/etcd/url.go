package etcd

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// ParseURL reads a store URL of the form
//
//	etcd://[user@]host[:port][,host[:port]...][/]?prefix=/p/&tls=1&ca=FILE&cert=FILE&key=FILE
//
// and returns the endpoints and the Options it describes. The port defaults
// to 2379. Query parameters:
//
//	prefix             key prefix (Options.Prefix)
//	tls                1 or true: connect with TLS (implied by ca, cert)
//	ca                 PEM file of the CA that signed the members' certificates
//	cert, key          PEM files of a client certificate and its key
//	servername         the name to verify in the members' certificates
//	user               etcd user name (or user@ before the hosts)
//	dial_timeout       Options.DialTimeout, e.g. 5s
//	request_timeout    Options.RequestTimeout
//	compact_after_erase  Options.CompactAfterErase, or "off"
//	commits_in_flight  Options.CommitsInFlight, a whole number from 1 to 64
//
// A password is never taken from a URL (URLs end up in argv and logs): set
// Options.Password from the environment or a file. ParseURL reads the
// certificate files it names. Errors wrap ErrURL.
func ParseURL(raw string) ([]string, Options, error) {
	var opts Options
	rest, ok := strings.CutPrefix(raw, "etcd://")
	if !ok {
		return nil, opts, fmt.Errorf("%w: %q does not start with etcd://", ErrURL, redactURL(raw))
	}
	hosts, query, _ := strings.Cut(rest, "?")
	if i := strings.Index(hosts, "/"); i >= 0 {
		if hosts[i:] != "/" {
			return nil, opts, fmt.Errorf("%w: path %q: give the key prefix as ?prefix=", ErrURL, hosts[i:])
		}
		hosts = hosts[:i]
	}
	if user, h, ok := strings.Cut(hosts, "@"); ok {
		if strings.Contains(user, ":") {
			return nil, opts, fmt.Errorf("%w: a password in the URL; give it in the environment or a file", ErrURL)
		}
		u, err := url.PathUnescape(user)
		if err != nil || u == "" {
			return nil, opts, fmt.Errorf("%w: user name %q", ErrURL, user)
		}
		opts.Username, hosts = u, h
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return nil, opts, fmt.Errorf("%w: query: %v", ErrURL, err)
	}
	var useTLS bool
	var ca, cert, key, serverName string
	for name, vals := range q {
		v := vals[len(vals)-1]
		switch name {
		case "prefix":
			if v == "" {
				return nil, opts, fmt.Errorf("%w: empty prefix", ErrURL)
			}
			opts.Prefix = v
		case "tls":
			switch strings.ToLower(v) {
			case "1", "true", "yes", "on":
				useTLS = true
			case "0", "false", "no", "off":
			default:
				return nil, opts, fmt.Errorf("%w: tls=%q (use 1 or 0)", ErrURL, v)
			}
		case "ca":
			ca, useTLS = v, true
		case "cert":
			cert, useTLS = v, true
		case "key":
			key, useTLS = v, true
		case "servername":
			serverName = v
		case "user":
			opts.Username = v
		case "dial_timeout", "request_timeout", "compact_after_erase":
			var d time.Duration
			if name == "compact_after_erase" && (v == "off" || v == "0") {
				d = -1
			} else if d, err = time.ParseDuration(v); err != nil || d <= 0 {
				return nil, opts, fmt.Errorf("%w: %s=%q is not a duration such as 5s", ErrURL, name, v)
			}
			switch name {
			case "dial_timeout":
				opts.DialTimeout = d
			case "request_timeout":
				opts.RequestTimeout = d
			default:
				opts.CompactAfterErase = d
			}
		case "commits_in_flight":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 64 {
				return nil, opts, fmt.Errorf("%w: commits_in_flight=%q is not a whole number from 1 to 64", ErrURL, v)
			}
			opts.CommitsInFlight = n
		case "password":
			return nil, opts, fmt.Errorf("%w: a password in the URL; give it in the environment or a file", ErrURL)
		default:
			return nil, opts, fmt.Errorf("%w: unknown parameter %q", ErrURL, name)
		}
	}
	var endpoints []string
	scheme := "http://"
	if useTLS {
		scheme = "https://"
	}
	for _, h := range strings.Split(hosts, ",") {
		if h == "" {
			return nil, opts, fmt.Errorf("%w: empty host in %q", ErrURL, hosts)
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			host, port = strings.Trim(h, "[]"), "2379"
		}
		if host == "" || strings.ContainsAny(host, " /") {
			return nil, opts, fmt.Errorf("%w: host %q", ErrURL, h)
		}
		endpoints = append(endpoints, scheme+net.JoinHostPort(host, port))
	}
	if useTLS {
		cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName}
		if ca != "" {
			pem, err := os.ReadFile(ca)
			if err != nil {
				return nil, opts, fmt.Errorf("%w: ca: %v", ErrURL, err)
			}
			cfg.RootCAs = x509.NewCertPool()
			if !cfg.RootCAs.AppendCertsFromPEM(pem) {
				return nil, opts, fmt.Errorf("%w: ca %s holds no PEM certificate", ErrURL, ca)
			}
		}
		if (cert == "") != (key == "") {
			return nil, opts, fmt.Errorf("%w: give both cert and key, or neither", ErrURL)
		}
		if cert != "" {
			c, err := tls.LoadX509KeyPair(cert, key)
			if err != nil {
				return nil, opts, fmt.Errorf("%w: client certificate: %v", ErrURL, err)
			}
			cfg.Certificates = []tls.Certificate{c}
		}
		opts.TLS = cfg
	}
	return endpoints, opts, nil
}

// redactURL drops anything between "://" and "@" (a password, perhaps).
func redactURL(raw string) string {
	if i := strings.Index(raw, "://"); i >= 0 {
		if j := strings.Index(raw[i+3:], "@"); j >= 0 {
			return raw[:i+3] + "…@" + raw[i+3+j+1:]
		}
	}
	return raw
}
