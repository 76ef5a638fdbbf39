//go:build tools

package main

import (
	_ "fyne.io/fyne/v2/test"
	_ "github.com/emersion/go-message"
	_ "github.com/emersion/go-sasl"
	_ "github.com/emersion/go-smtp"
	_ "github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"
	_ "golang.org/x/crypto/argon2"
)
