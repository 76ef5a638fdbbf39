package localpg

import (
	"bytes"
	"context"
	"crypto/tls"
	"database/sql"
	"encoding/pem"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/lib/pq"
)

// ServeTLS makes the cluster offer TLS with the PEM certificate (chain) and
// key given, and returns once new connections get that certificate. Called
// again, it replaces them (a server whose certificate changed). The demo
// itself listens on loopback only and needs none of this: it is for tests
// of how ResetDesk proves a server.
func (c *Cluster) ServeTLS(ctx context.Context, certPEM, keyPEM []byte) error {
	block, _ := pem.Decode(certPEM)
	if block == nil {
		return fmt.Errorf("localpg: no PEM certificate given")
	}
	for name, b := range map[string][]byte{"resetdesk-server.crt": certPEM, "resetdesk-server.key": keyPEM} {
		p := filepath.Join(c.data, name)
		tmp := p + ".tmp"
		if err := os.WriteFile(tmp, b, 0o600); err != nil {
			return fmt.Errorf("localpg: %w", err)
		}
		if err := giveTo(c.su, tmp, false); err != nil {
			return fmt.Errorf("localpg: %w", err)
		}
		if err := os.Rename(tmp, p); err != nil {
			return fmt.Errorf("localpg: %w", err)
		}
	}
	db, err := sql.Open("postgres", c.SuperURL())
	if err != nil {
		return fmt.Errorf("localpg: %w", err)
	}
	defer db.Close()
	for _, q := range []string{
		`ALTER SYSTEM SET ssl_cert_file = 'resetdesk-server.crt'`,
		`ALTER SYSTEM SET ssl_key_file = 'resetdesk-server.key'`,
		`ALTER SYSTEM SET ssl = on`,
		`SELECT pg_reload_conf()`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("localpg: %s: %w", q, err)
		}
	}
	// The postmaster reloads on its own time: wait until a new connection
	// is handed the new certificate.
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		der, err := c.servedCertificate(ctx)
		if err == nil && bytes.Equal(der, block.Bytes) {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("localpg: the server did not take the new certificate (last: %v); its log is %s", err, c.logFile)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// servedCertificate returns the certificate a new TLS connection gets.
func (c *Cluster) servedCertificate(ctx context.Context) ([]byte, error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, "tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(c.port)))
	if err != nil {
		return nil, err
	}
	defer raw.Close()
	if dl, ok := ctx.Deadline(); ok {
		raw.SetDeadline(dl)
	}
	if _, err := raw.Write([]byte{0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f}); err != nil { // SSLRequest
		return nil, err
	}
	answer := make([]byte, 1)
	if _, err := raw.Read(answer); err != nil {
		return nil, err
	}
	if answer[0] != 'S' {
		return nil, pq.ErrSSLNotSupported
	}
	// Only to read what the server presents; nothing is sent over it.
	tc := tls.Client(raw, &tls.Config{InsecureSkipVerify: true})
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, err
	}
	return tc.ConnectionState().PeerCertificates[0].Raw, nil
}
