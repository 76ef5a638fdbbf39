package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"resetdesk/app"
	"resetdesk/data"
	"resetdesk/data/pgtest"
	"resetdesk/mail"
	"resetdesk/mail/sink"
	"resetdesk/ui/cli"
)

// slowLink is a TCP proxy in front of PostgreSQL that holds every chunk
// for half a round trip in each direction, as a VPN from a phone would, and
// counts round trips: each time the server answers after the client spoke.
// Connection set-up (TCP's own handshake) is neither delayed nor counted.
type slowLink struct {
	ln     net.Listener
	target string
	oneWay time.Duration

	mu         sync.Mutex
	roundTrips int
	conns      int
	wg         sync.WaitGroup
}

func startSlowLink(tb testing.TB, target string, roundTrip time.Duration) *slowLink {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	l := &slowLink{ln: ln, target: target, oneWay: roundTrip / 2}
	go l.accept()
	tb.Cleanup(func() { ln.Close(); l.wg.Wait() })
	return l
}

func (l *slowLink) accept() {
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		target := l.target
		l.mu.Unlock()
		s, err := net.Dial("tcp", target)
		if err != nil {
			c.Close()
			continue
		}
		l.mu.Lock()
		l.conns++
		l.mu.Unlock()
		var last int // per connection: 1 the client spoke last, 2 the server
		var lastMu sync.Mutex
		turn := func(dir int) {
			lastMu.Lock()
			defer lastMu.Unlock()
			if dir == 2 && last == 1 {
				l.mu.Lock()
				l.roundTrips++
				l.mu.Unlock()
			}
			last = dir
		}
		l.wg.Add(2)
		go l.pipe(s, c, func() { turn(1) })
		go l.pipe(c, s, func() { turn(2) })
	}
}

// pipe copies from src to dst, each chunk delivered oneWay after it was read.
func (l *slowLink) pipe(dst, src net.Conn, onRead func()) {
	defer l.wg.Done()
	type chunk struct {
		b   []byte
		due time.Time
	}
	q := make(chan chunk, 1024)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for c := range q {
			time.Sleep(time.Until(c.due))
			if _, err := dst.Write(c.b); err != nil {
				break
			}
		}
		for range q {
		}
		dst.Close()
	}()
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			onRead()
			q <- chunk{append([]byte(nil), buf[:n]...), time.Now().Add(l.oneWay)}
		}
		if err != nil {
			break
		}
	}
	close(q)
	<-done
	src.Close()
}

func (l *slowLink) reset() {
	l.mu.Lock()
	l.roundTrips, l.conns = 0, 0
	l.mu.Unlock()
}

func (l *slowLink) counts() (roundTrips, conns int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.roundTrips, l.conns
}

// via points a test server URL at the proxy.
func (l *slowLink) via(tb testing.TB, raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatal("the test server's URL does not parse")
	}
	l.mu.Lock()
	l.target = u.Host
	l.mu.Unlock()
	u.Host = l.ln.Addr().String()
	q := u.Query()
	q.Del("sslmode") // the default for a loopback server, as an admin's URL has it
	u.RawQuery = q.Encode()
	return u.String()
}

// BenchmarkRoundTrips counts PostgreSQL round trips, and the time they take
// on a link with 80 ms per round trip, for what an admin on a phone over a
// VPN waits for: the command line's users, one reset and a bulk reset of
// 300, and the app's sign-in to the first users and "Yes, Confirm" to the
// outcome on a signed-in session. The mail server is local; only the
// database is behind the slow link.
//
//	bash scripts/test -run '^$' -bench RoundTrips -benchtime 3x .
func BenchmarkRoundTrips(b *testing.B) {
	ctx := context.Background()
	o := pgtest.NewOrg(b)
	o.Exec(b, `INSERT INTO resetdesk.users (org_id, display_name, primary_email, status)
	           SELECT (SELECT id FROM resetdesk.orgs), 'Member ' || i, 'member' || i || '@acme.test', 'confirmed'
	             FROM generate_series(1, 300) i`)
	s, err := sink.Start("127.0.0.1:0", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	b.Setenv("RESETDESK_SMTP_URL", "smtp://"+s.Addr()+"?tls=none")
	b.Setenv("RESETDESK_MAIL_FROM", "ResetDesk <noreply@acme.test>")
	link := startSlowLink(b, "", 80*time.Millisecond)
	ownerURL := link.via(b, o.OwnerURL)

	var file bytes.Buffer
	file.WriteString("email\n")
	for i := 1; i <= 300; i++ {
		fmt.Fprintf(&file, "member%d@acme.test\n", i)
	}
	bulk := filepath.Join(b.TempDir(), "bulk.csv")
	if err := os.WriteFile(bulk, file.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	cliRun := func(want int, stdin string, args ...string) {
		var out, errb bytes.Buffer
		env := cliEnv(ownerURL)
		env.Stdin, env.Stdout, env.Stderr = strings.NewReader(stdin), &out, &errb
		if code := cli.Run(ctx, args, env); code != want {
			b.Fatalf("resetdesk %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errb.String())
		}
	}
	measure := func(b *testing.B, op func()) {
		b.Helper()
		total := 0
		for b.Loop() {
			link.reset()
			op()
			rt, _ := link.counts()
			total += rt
		}
		b.ReportMetric(float64(total)/float64(b.N), "roundtrips/op")
	}

	b.Run("cli users", func(b *testing.B) { measure(b, func() { cliRun(0, "", "users") }) })
	b.Run("cli reset one", func(b *testing.B) { measure(b, func() { cliRun(0, o.Password+"\n", "reset", "member1@acme.test") }) })
	b.Run("cli reset 300", func(b *testing.B) { measure(b, func() { cliRun(0, o.Password+"\n", "reset", "--file", bulk) }) })

	b.Run("app sign-in to first users", func(b *testing.B) {
		measure(b, func() {
			db, err := data.Open(ctx, ownerURL)
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if _, _, err := db.Actor(ctx); err != nil {
				b.Fatal(err)
			}
			n := 0
			if err := db.EachUser(ctx, app.UserFilter{}, func(*app.User) error { n++; return nil }); err != nil || n < 300 {
				b.Fatalf("%d users, %v", n, err)
			}
		})
	})

	// signedInFor is the owner's session over the slow link, as the reset
	// dialog has it once signed in, with login's user loaded.
	signedInFor := func(b *testing.B, login string) (*data.DB, app.Actor, app.Org, app.User) {
		b.Helper()
		db, err := data.Open(ctx, ownerURL)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		actor, org, err := db.Actor(ctx)
		if err != nil {
			b.Fatal(err)
		}
		user, err := db.UserByLogin(ctx, login)
		if err != nil {
			b.Fatal(err)
		}
		return db, actor, org, user
	}

	b.Run("app confirm to outcome", func(b *testing.B) {
		db, actor, org, user := signedInFor(b, "member2@acme.test")
		cfg, err := mail.ParseURL("smtp://" + s.Addr() + "?tls=none")
		if err != nil {
			b.Fatal(err)
		}
		cfg.From = "ResetDesk <noreply@acme.test>"
		mailer, err := mail.NewMailer(cfg)
		if err != nil {
			b.Fatal(err)
		}
		r := &app.Resetter{Dir: db, Mail: mailer}
		req := app.ResetRequest{Actor: actor, Org: org, Users: []app.User{user},
			Options: app.ResetOptions{Mode: app.ModeOneTime, ClearMobileSessions: true}}
		// What the reset dialog's Confirm runs.
		measure(b, func() {
			res, err := r.VerifyAndReset(ctx, o.Password, req)
			if err != nil || len(res) != 1 || res[0].Outcome != app.OutcomeReset {
				b.Fatalf("reset: %+v, %v", res, err)
			}
		})
	})

	// With the office mail relay on, the owner emails a set password: the
	// client fetches the relays' public keys and queues the password
	// sealed to them after the reset. Last: it turns the relay on.
	b.Run("app confirm emailed password via relay", func(b *testing.B) {
		o.Exec(b, `UPDATE resetdesk.orgs SET mail_relay = true`)
		role := o.Prefix + "_bench_relay"
		if err := o.Super.AddRelayLogin(ctx, app.SelfServiceLogin{LoginRole: role, Password: o.Password}); err != nil {
			b.Fatal(err)
		}
		rdb, err := data.Open(ctx, pgtest.RoleURL(b, o.SuperURL, role, o.Password))
		if err != nil {
			b.Fatal(err)
		}
		defer rdb.Close()
		if keyed, err := rdb.RegisterRelayKey(ctx); err != nil || !keyed {
			b.Fatalf("the relay's key: registered %v, %v", keyed, err)
		}
		db, actor, org, user := signedInFor(b, "member3@acme.test")
		r := &app.Resetter{Dir: db}
		req := app.ResetRequest{Actor: actor, Org: org, Users: []app.User{user},
			Options: app.ResetOptions{Mode: app.ModeSetPassword, EmailPassword: true, ForceChange: true, ClearMobileSessions: true}}
		measure(b, func() {
			res, err := r.VerifyAndReset(ctx, o.Password, req)
			if err != nil || len(res) != 1 || res[0].Delivery.Status != app.DeliveryQueued {
				b.Fatalf("reset: %v", err) // res holds the password: never printed
			}
		})
	})
}
