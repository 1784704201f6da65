package jwks

import (
	"strings"
	"testing"
)

func TestValidateIdentifier(t *testing.T) {
	for _, ok := range []string{"jwks", "privateKey", "_x", "auth_jwks_2", strings.Repeat("a", 63)} {
		if err := ValidateIdentifier(ok); err != nil {
			t.Errorf("ValidateIdentifier(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "1jwks", `jwks"; DROP TABLE user; --`, "a.b", "a-b", "jwks ", "`x`", strings.Repeat("a", 64), "ключ"} {
		if err := ValidateIdentifier(bad); err == nil {
			t.Errorf("ValidateIdentifier(%q) = nil, want error", bad)
		}
	}
}

func TestDeleteQuery(t *testing.T) {
	tests := []struct {
		dialect   Dialect
		ids       []string
		wantQuery string
		wantArgs  int
	}{
		{Postgres, []string{"a", "b", "c"}, `DELETE FROM "jwks" WHERE "id" = ANY($1)`, 1},
		{MySQL, []string{"a"}, "DELETE FROM `jwks` WHERE `id` IN (?)", 1},
		{MySQL, []string{"a", "b", "c"}, "DELETE FROM `jwks` WHERE `id` IN (?,?,?)", 3},
	}
	for _, tt := range tests {
		query, args := tt.dialect.deleteQuery("jwks", "id", tt.ids)
		if query != tt.wantQuery || len(args) != tt.wantArgs {
			t.Errorf("%s deleteQuery(%v) = %q with %d args, want %q with %d", tt.dialect, tt.ids, query, len(args), tt.wantQuery, tt.wantArgs)
		}
	}
}

func TestMySQLConfig(t *testing.T) {
	tests := []struct {
		url                             string
		user, pass, addr, db, tlsConfig string
		ignored                         string
	}{
		{url: "mysql://app:p%40ss%3Aw@db.example:3307/auth", user: "app", pass: "p@ss:w", addr: "db.example:3307", db: "auth"},
		{url: "mysql://app:pw@db.example/auth", user: "app", pass: "pw", addr: "db.example:3306", db: "auth"},
		{url: "mysql://app@[::1]/auth", user: "app", addr: "[::1]:3306", db: "auth"},
		{url: `mysql://u:p@h/d?ssl={"rejectUnauthorized":true}`, user: "u", pass: "p", addr: "h:3306", db: "d", tlsConfig: "true"},
		{url: `mysql://u:p@h/d?ssl={"rejectUnauthorized":false}`, user: "u", pass: "p", addr: "h:3306", db: "d", tlsConfig: "skip-verify"},
		{url: "mysql://u:p@h/d?ssl=Amazon%20RDS", user: "u", pass: "p", addr: "h:3306", db: "d", tlsConfig: "true"},
		{url: "mysql://u:p@h/d?ssl-mode=REQUIRED&charset=utf8mb4&connectionLimit=5", user: "u", pass: "p", addr: "h:3306", db: "d", tlsConfig: "skip-verify", ignored: "charset,connectionLimit"},
		{url: "mysql://u:p@h/d?sslmode=verify-identity", user: "u", pass: "p", addr: "h:3306", db: "d", tlsConfig: "true"},
		{url: "mysql://u:p@h/d?sslMode=disabled", user: "u", pass: "p", addr: "h:3306", db: "d", tlsConfig: "false"},
	}
	for _, tt := range tests {
		cfg, ignored, err := mysqlConfig(tt.url)
		if err != nil {
			t.Errorf("mysqlConfig(%q): %v", tt.url, err)
			continue
		}
		if cfg.User != tt.user || cfg.Passwd != tt.pass || cfg.Net != "tcp" || cfg.Addr != tt.addr || cfg.DBName != tt.db || cfg.TLSConfig != tt.tlsConfig || strings.Join(ignored, ",") != tt.ignored {
			t.Errorf("mysqlConfig(%q) = user %q pass %q net %q addr %q db %q tls %q ignored %v", tt.url, cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName, cfg.TLSConfig, ignored)
		}
	}
}

func TestMySQLConfigErrors(t *testing.T) {
	const password = "hunter2-must-not-leak"
	for _, url := range []string{
		"postgres://u:" + password + "@h/d",
		"mysql://u:" + password + "@h",
		"mysql://u:" + password + "@h/d/e",
		"mysql://u:" + password + "@h:badport/d",
		"mysql://u:" + password + "@h/d?ssl={bad",
		"mysql://u:" + password + "@h/d?ssl-mode=sometimes",
		"u:" + password + "@tcp(h)/d",
	} {
		_, err := Dialect(MySQL).open(url, nil)
		if err == nil {
			t.Errorf("open(%q) = nil error", url)
			continue
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("open error leaks the password: %v", err)
		}
	}
}

func TestOpenPostgres(t *testing.T) {
	const password = "hunter2-must-not-leak"
	d, err := Postgres.open("postgresql://app:"+password+"@db.example:6543/auth?sslmode=require", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.db.Close()
	if d.target != "postgres db.example:6543/auth" || d.creds.password != password {
		t.Errorf("target %q, password set %v", d.target, d.creds.password == password)
	}
	for _, url := range []string{
		"mysql://app:" + password + "@db/auth",
		"postgres://app:" + password + "@db:notaport/auth",
	} {
		_, err := Postgres.open(url, nil)
		if err == nil || strings.Contains(err.Error(), password) {
			t.Errorf("open(%q) error = %v, want an error without the password", url, err)
		}
	}
}

func TestUnknownDialect(t *testing.T) {
	if _, err := Dialect("sqlite").open("file:x.db", nil); err == nil || !strings.Contains(err.Error(), `unknown dialect "sqlite"`) {
		t.Errorf("open = %v, want unknown dialect error", err)
	}
}
