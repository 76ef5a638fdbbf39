package cli

import (
	"context"
	"fmt"
	"strings"

	"resetdesk/app"
)

// manager returns the console connection of DATABASE_URL when it signs in
// as a console user who can manage others (the owner, or a role with
// manage_admins: the database checks each call), or nil when it is a DBA's
// connection, for the Provisioner to use instead. A console user without
// manage_admins gets the database's refusal, not the DBA's path.
func manager(ctx context.Context, env Env) (app.AdminManager, Directory, error) {
	dir, err := env.Connect(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, _, err := dir.Actor(ctx); err != nil {
		dir.Close()
		if c := app.ErrorCode(err); c == app.EUNAUTHORIZED || c == app.ENOTFOUND {
			return nil, nil, nil // not a console user: a DBA
		}
		return nil, nil, err
	}
	m, ok := dir.(app.AdminManager)
	if !ok {
		dir.Close()
		return nil, nil, app.Errorf(app.EINTERNAL, "This connection cannot manage console users.")
	}
	return m, dir, nil
}

// runAdminChange is `admin set-role`, `admin disable` and `admin remove`:
// the owner's (or a manage_admins role's) own connection, checked by the
// database.
func runAdminChange(verb string) func(ctx context.Context, env Env, args []string) int {
	return func(ctx context.Context, env Env, args []string) int {
		fs := newFlags("admin "+verb, env)
		pos, err := parse(fs, args)
		want := 1
		if verb == "set-role" {
			want = 2
		}
		if err != nil || len(pos) != want {
			if verb == "set-role" {
				return usageError(env, "usage: resetdesk admin set-role EMAIL|ZUID admin|CUSTOM_ROLE")
			}
			return usageError(env, "usage: resetdesk admin %s EMAIL|ZUID", verb)
		}
		m, dir, err := manager(ctx, env)
		if err != nil {
			return fail(env, err)
		}
		if m == nil {
			return fail(env, app.Errorf(app.EUNAUTHORIZED, "Run admin %s as the owner, or as a console user with the manage_admins permission.", verb))
		}
		defer dir.Close()
		u, err := dir.UserByLogin(ctx, pos[0])
		if err != nil {
			return fail(env, err)
		}
		switch verb {
		case "set-role":
			err = m.SetConsoleRole(ctx, u.ID, pos[1])
		case "disable":
			err = m.DisableConsoleUser(ctx, u.ID)
		case "remove":
			err = m.RemoveConsoleUser(ctx, u.ID)
		}
		if err != nil {
			return fail(env, err)
		}
		switch verb {
		case "set-role":
			fmt.Fprintf(env.Stdout, "%s is now %s\n", u.Login(), pos[1])
		case "disable":
			fmt.Fprintf(env.Stdout, "%s is disabled: their login %s can do nothing in ResetDesk\n", u.Login(), u.DBRole)
		case "remove":
			fmt.Fprintf(env.Stdout, "%s is a member again; their login %s has no ResetDesk access (a DBA may drop it)\n", u.Login(), u.DBRole)
		}
		return ExitOK
	}
}

func permissionList(s string) []app.Permission {
	var ps []app.Permission
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			ps = append(ps, app.Permission(p))
		}
	}
	return ps
}
