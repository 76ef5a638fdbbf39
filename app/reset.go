package app

import (
	"context"
	"runtime"
	"sync"
	"time"
)

// ResetRequest is one reset, of one user or many, as an admin asked for it.
type ResetRequest struct {
	Actor   Actor
	Org     Org
	Users   []User
	Options ResetOptions
	// Progress, when set, is told how far the reset has come: stage is one of
	// "passwords", "saving", "mail", and done/total count steps in it.
	Progress func(stage string, done, total int)
}

// Resetter runs resets: it decides who is eligible, makes the secrets, has
// the Directory apply the batch in one transaction, then mails the users and
// records what the mail server said. Secrets live only in its memory.
type Resetter struct {
	Dir  Directory
	Mail Mailer // nil when no mail server is configured: deliveries are recorded as failed
	Now  func() time.Time
}

// Reset resets req.Users. It returns EUNAUTHORIZED when the actor may not
// reset at all, EINVALID for a bad request (too many users, a typed password
// that fails the policy), and otherwise one result per user in order. Mail
// failures do not fail the reset: they show in each result's Delivery.
func (r *Resetter) Reset(ctx context.Context, req ResetRequest) ([]ResetResult, error) {
	opts := req.Options
	if err := CheckMayReset(req.Actor, req.Org, opts); err != nil {
		return nil, err
	}
	if err := CheckResetReason(req.Org, opts); err != nil {
		return nil, err
	}
	users := uniqueUsers(req.Users)
	if len(users) == 0 {
		return nil, Errorf(EINVALID, "Choose at least one user to reset.")
	}
	if len(users) > MaxImportRows {
		return nil, Errorf(EINVALID, "A reset holds at most %d users; you chose %d. Reset them in smaller groups.", MaxImportRows, len(users))
	}
	if opts.Mode == ModeSetPassword && opts.Password != "" {
		if len(users) > 1 {
			return nil, Errorf(EINVALID, "Type a password for one user only; a bulk reset generates a different password for each user.")
		}
		u := users[0]
		if err := CheckPassword(opts.Password, req.Org.MinPasswordLength, u.PrimaryEmail, u.DisplayName); err != nil {
			return nil, err
		}
	}
	// A one-time password that cannot be mailed is lost, and with it the
	// user's access: refuse before anything changes. With the office mail
	// relay the database queues every message and the relay makes the codes
	// as it sends them, so this device needs no mail server.
	if opts.NeedsMail() && !req.Org.MailRelay && !MailReady(r.Mail) {
		return nil, Errorf(EUNAVAILABLE, "No mail server is configured, so nobody could receive the new password. Set one up in Settings (or RESETDESK_SMTP_URL) first, or set a password and hand it over.")
	}
	progress := req.Progress
	if progress == nil {
		progress = func(string, int, int) {}
	}

	// Secrets for the users the rules allow. The database checks again and
	// has the last word; a secret for someone it skips is simply dropped.
	targets := make([]ResetTarget, len(users))
	secrets := make([]string, len(users))
	var toHash []int
	for i, u := range users {
		targets[i].UserID = u.ID
		if SkipReasonFor(req.Actor, req.Org, u, opts) != "" {
			continue
		}
		var err error
		switch {
		case opts.Mode == ModeOneTime:
			// With the relay on, the database throws this code's hash away
			// and the relay makes the code as it sends the mail; this
			// device never learns that one.
			secrets[i], err = NewOneTimeCode()
			targets[i].CodeHash = HashCode(secrets[i])
		case opts.Password != "":
			secrets[i] = opts.Password
			toHash = append(toHash, i)
		default:
			secrets[i], err = GeneratePassword(req.Org.MinPasswordLength)
			toHash = append(toHash, i)
		}
		if err != nil {
			return nil, &Error{Code: EINTERNAL, Message: "Could not make a random secret.", Err: err}
		}
	}
	if len(toHash) > 0 {
		progress("passwords", 0, len(toHash))
		plain := make([]string, len(toHash))
		for k, i := range toHash {
			plain[k] = secrets[i]
		}
		hashes, err := HashPasswords(plain)
		if err != nil {
			return nil, &Error{Code: EINTERNAL, Message: "Could not hash the new passwords.", Err: err}
		}
		for k, i := range toHash {
			targets[i].PasswordHash = hashes[k]
		}
		if opts.ForceChange {
			addChangeTickets(targets, users, secrets, toHash)
		}
		progress("passwords", len(toHash), len(toHash))
	}

	progress("saving", 0, 1)
	batch := ResetBatch{Options: opts, Targets: targets}
	batch.Options.Password = ""
	applied, err := r.Dir.ApplyReset(ctx, batch)
	if err != nil {
		return nil, err
	}
	if len(applied) != len(users) {
		return nil, Errorf(EINTERNAL, "Internal error.")
	}
	progress("saving", 1, 1)

	results := make([]ResetResult, len(users))
	var notices []Notice
	var noticeOf []int
	var queuedIDs []int64
	var queuedPasswords []string
	for i, a := range applied {
		res := ResetResult{User: users[i], Outcome: a.Outcome, Reason: a.Reason, Delivery: a.Delivery, ExpiresAt: a.ExpiresAt}
		if a.Outcome != OutcomeReset {
			secrets[i] = ""
		}
		if a.Delivery.Status == DeliveryQueued {
			// The relay sends it. A code made here (the policy changed
			// since the org was read) is not the relay's: drop it.
			if a.Delivery.Kind == KindPassword && secrets[i] != "" {
				queuedIDs = append(queuedIDs, a.Delivery.ID)
				queuedPasswords = append(queuedPasswords, secrets[i])
			}
			if a.Delivery.Kind == KindOneTimePassword {
				secrets[i] = ""
			}
		} else if a.Delivery.ID != 0 {
			n := Notice{DeliveryID: a.Delivery.ID, Kind: a.Delivery.Kind, To: a.Delivery.To,
				UserName: users[i].DisplayName, Login: users[i].Login(), OrgName: req.Org.Name, ExpiresAt: a.ExpiresAt,
				Instructions: req.Org.CompletionInstructions, TimeZone: req.Org.TimeZone,
				MustChange: opts.Mode == ModeSetPassword && opts.ForceChange}
			if n.Kind == KindOneTimePassword || n.Kind == KindPassword {
				n.Secret = secrets[i]
			}
			notices = append(notices, n)
			noticeOf = append(noticeOf, i)
		}
		results[i] = res
	}

	progress("mail", 0, len(notices))
	errs, attempts := r.send(ctx, notices)
	records := make([]Delivery, len(notices))
	for k, i := range noticeOf {
		d := results[i].Delivery
		d.Attempts = attempts[k]
		if errs[k] != nil {
			d.Status, d.LastError = DeliveryFailed, ErrorMessage(errs[k])
		} else {
			d.Status, d.SentAt = DeliverySent, r.now()
		}
		results[i].Delivery, records[k] = d, d
	}
	progress("mail", len(notices), len(notices))
	// The reset stands whatever happens here; a row left pending shows as
	// "not confirmed sent", which is the truth.
	recErr := r.Dir.RecordDeliveries(context.WithoutCancel(ctx), records)
	if len(queuedIDs) > 0 {
		q, ok := r.Dir.(RelayQueue)
		if !ok {
			return nil, Errorf(EINTERNAL, "This connection cannot queue mail for the office mail relay.")
		}
		// Without its password the relay fails the message after 10
		// minutes; the admin still sees the password below.
		if err := q.QueuePasswordMails(context.WithoutCancel(ctx), queuedIDs, queuedPasswords); err != nil && recErr == nil {
			recErr = err
		}
	}

	// The admin sees a set password when they must hand it over: they chose
	// not to email it, or the email did not go out.
	for i := range results {
		res := &results[i]
		if opts.Mode == ModeSetPassword && res.Outcome == OutcomeReset &&
			(!opts.EmailPassword || res.Delivery.Status != DeliverySent) {
			res.Password = secrets[i]
		}
	}
	return results, recErr
}

// addChangeTickets gives each temporary password (set, must change) its
// change ticket, so that the user can replace it from a self-service screen
// with their email and the password. Users without an email get none.
func addChangeTickets(targets []ResetTarget, users []User, secrets []string, idx []int) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				targets[i].ChangeTicket = ChangeTicket(ChangeProof(users[i].PrimaryEmail, secrets[i]))
			}
		}()
	}
	for _, i := range idx {
		if users[i].PrimaryEmail != "" {
			next <- i
		}
	}
	close(next)
	wg.Wait()
}

// VerifyAndReset is an admin's confirm: it signs in again as the actor's
// role with adminPassword (Directory.VerifyPassword) and resets only when
// that worked, so no screen can reset without the check. EINVALID when
// adminPassword is empty and EUNAUTHORIZED when it is wrong, with nothing
// changed; otherwise as Reset.
func (r *Resetter) VerifyAndReset(ctx context.Context, adminPassword string, req ResetRequest) ([]ResetResult, error) {
	if adminPassword == "" {
		return nil, Errorf(EINVALID, "Enter your password for verification.")
	}
	// Before the password is spent on a verification the reset would not use.
	if err := CheckResetReason(req.Org, req.Options); err != nil {
		return nil, err
	}
	if err := r.Dir.VerifyPassword(ctx, adminPassword); err != nil {
		return nil, err
	}
	return r.Reset(ctx, req)
}

// send mails the notices and returns, for each, the error and the number of
// attempts.
func (r *Resetter) send(ctx context.Context, notices []Notice) ([]error, []int) {
	return SendCounted(ctx, r.Mail, notices)
}

func (r *Resetter) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

// uniqueUsers drops repeated users, keeping the first of each.
func uniqueUsers(users []User) []User {
	seen := make(map[int64]bool, len(users))
	out := make([]User, 0, len(users))
	for _, u := range users {
		if !seen[u.ID] {
			seen[u.ID] = true
			out = append(out, u)
		}
	}
	return out
}
