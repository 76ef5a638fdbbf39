package app

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/mail"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestParseImportCSVFile(t *testing.T) {
	data, err := os.ReadFile("testdata/import.csv")
	if err != nil {
		t.Fatal(err)
	}
	// The file must keep its byte order mark and CRLF line ends: they are
	// what it tests.
	if !bytes.HasPrefix(data, []byte("\uFEFF")) || !bytes.Contains(data, []byte("\r\n")) {
		t.Fatal("testdata/import.csv lost its byte order mark or CRLF line ends")
	}
	rows, bad, err := ParseImportCSV(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	wantRows := []ImportRow{
		{Line: 2, Email: "zoe@example.com", Name: "Ångström, Zoë", Mobile: "+447700900123", SecondaryEmail: "zoe.home@example.org", Role: RoleMember, Status: StatusConfirmed},
		{Line: 3, Email: "li.lei@example.cn", Name: "李雷", Role: RoleMember, Status: StatusInvited},
		{Line: 8, Name: "Dave", Mobile: "+15550109999", Role: RoleMember, Status: StatusInvited},
		{Line: 16, Email: "jose@example.es", Name: "José Núñez", Role: RoleMember, Status: StatusDeactivated},
	}
	wantBad := []RowError{
		{Line: 5, Email: "ZOE@example.com", Message: "The email ZOE@example.com is already on line 2."},
		{Line: 6, Email: "bob@@example.com", Message: `The email "bob@@example.com" is not a valid address.`},
		{Line: 7, Email: "carol@example.com", Message: "Owners and admins can't be imported: add them in Settings, Console users and roles, which gives them their own sign-in."},
		{Line: 10, Email: "eve@example.com", Message: "The name spans more than one line: names are one line."},
		{Line: 12, Email: "frank@example.com", Message: `The status "suspended" is not valid: use invited, confirmed or deactivated.`},
		{Line: 13, Email: "grace@example", Message: `The email "grace@example" is not a valid address.`},
		{Line: 14, Email: "hans.mueller@example.de", Message: "The role \"Sales Lead\" can't be imported: imported users are members. To give someone a role, add them in Settings, Console users and roles."},
		{Line: 15, Message: `The mobile number "12345" is not valid: use 6 to 15 digits, with an optional leading + and spaces or dashes.`},
		{Line: 17, Email: "<kim@example.com>", Message: `The email "<kim@example.com>" is not a valid address.`},
		{Line: 18, Email: "Lee <lee@example.com>", Message: `The email "Lee <lee@example.com>" is not a valid address.`},
	}
	if !slices.Equal(rows, wantRows) {
		t.Errorf("rows:\n got %+v\nwant %+v", rows, wantRows)
	}
	if !slices.Equal(bad, wantBad) {
		t.Errorf("row errors:\n got %+v\nwant %+v", bad, wantBad)
	}
}

func TestParseImportCSV(t *testing.T) {
	ann := ImportRow{Line: 2, Email: "ann@example.com", Name: "Ann", Role: RoleMember, Status: StatusInvited}
	at := func(r ImportRow, line int) ImportRow { r.Line = line; return r }
	tests := []struct {
		name     string
		in       string
		wantRows []ImportRow
		wantBad  []RowError
		wantErr  string // the message of an EINVALID error
	}{
		{
			name:     "minimal",
			in:       "email,name\nann@example.com,Ann\n",
			wantRows: []ImportRow{ann},
		},
		{
			name:     "no newline at the end",
			in:       "email,name\nann@example.com,Ann",
			wantRows: []ImportRow{ann},
		},
		{
			name: "semicolons, as Excel saves in many locales",
			in:   "\uFEFFName;E-mail;Email;Status\r\n\"Smith, Ann\";x;ann@example.com;Confirmed\r\n\"Bob; Jr.\";;bob@example.com;\r\n",
			wantRows: []ImportRow{
				{Line: 2, Email: "ann@example.com", Name: "Smith, Ann", Role: RoleMember, Status: StatusConfirmed},
				{Line: 3, Email: "bob@example.com", Name: "Bob; Jr.", Role: RoleMember, Status: StatusInvited},
			},
		},
		{
			name:     "tabs",
			in:       "email\tname\tmobile\tstatus\nann@example.com\tAnn\t\t\n",
			wantRows: []ImportRow{ann},
		},
		{
			name:     "quoted header, spaces, other columns",
			in:       "\"Employee ID\", EMAIL , Name ,Department\n7, ann@example.com , Ann ,Sales\n",
			wantRows: []ImportRow{ann},
		},
		{
			name:     "blank lines and blank rows",
			in:       "\n\nemail,name\n\nann@example.com,Ann\n,\n , \n",
			wantRows: []ImportRow{at(ann, 5)},
		},
		{
			name:     "old Mac line ends",
			in:       "email,name\rann@example.com,Ann\rbob@example.com,Bob\r",
			wantRows: []ImportRow{ann, {Line: 3, Email: "bob@example.com", Name: "Bob", Role: RoleMember, Status: StatusInvited}},
		},
		{
			name:     "missing and extra fields",
			in:       "email,name,mobile\nann@example.com,Ann\n,Bob\nbob@example.com,Bob,+1 555 0100,extra,more\n",
			wantRows: []ImportRow{ann, {Line: 4, Email: "bob@example.com", Name: "Bob", Mobile: "+15550100", Role: RoleMember, Status: StatusInvited}},
			wantBad:  []RowError{{Line: 3, Message: "The row has no email and no mobile number: give at least one."}},
		},
		{
			name: "mobile-only users",
			in:   "mobile,name,email\n+44 7700-900123,Mo,\n(555) 010.9999,Pat,\n+447700900123,Mo again,\n+447700900123,Has email,he@example.com\n",
			wantRows: []ImportRow{
				{Line: 2, Name: "Mo", Mobile: "+447700900123", Role: RoleMember, Status: StatusInvited},
				{Line: 3, Name: "Pat", Mobile: "5550109999", Role: RoleMember, Status: StatusInvited},
				{Line: 5, Email: "he@example.com", Name: "Has email", Mobile: "+447700900123", Role: RoleMember, Status: StatusInvited},
			},
			wantBad: []RowError{{Line: 4, Message: "The mobile number +447700900123 is already on line 2."}},
		},
		{
			name: "bad mobile numbers",
			in:   "email,mobile\na@example.com,12345\nb@example.com,1234567890123456\nc@example.com,4.47701E+11\nd@example.com,++44770090\ne@example.com,4477+0090\n",
			wantBad: []RowError{
				{Line: 2, Email: "a@example.com", Message: `The mobile number "12345" is not valid: use 6 to 15 digits, with an optional leading + and spaces or dashes.`},
				{Line: 3, Email: "b@example.com", Message: `The mobile number "1234567890123456" is not valid: use 6 to 15 digits, with an optional leading + and spaces or dashes.`},
				{Line: 4, Email: "c@example.com", Message: `The mobile number "4.47701E+11" is not valid: use 6 to 15 digits, with an optional leading + and spaces or dashes.`},
				{Line: 5, Email: "d@example.com", Message: `The mobile number "++44770090" is not valid: use 6 to 15 digits, with an optional leading + and spaces or dashes.`},
				{Line: 6, Email: "e@example.com", Message: `The mobile number "4477+0090" is not valid: use 6 to 15 digits, with an optional leading + and spaces or dashes.`},
			},
		},
		{
			name: "duplicates whatever the case",
			in:   "email,name\nAnn@Example.com,Ann\nann@example.com,Ann again\nANN@EXAMPLE.COM,Ann thrice\n",
			wantRows: []ImportRow{
				{Line: 2, Email: "Ann@Example.com", Name: "Ann", Role: RoleMember, Status: StatusInvited},
			},
			wantBad: []RowError{
				{Line: 3, Email: "ann@example.com", Message: "The email ann@example.com is already on line 2."},
				{Line: 4, Email: "ANN@EXAMPLE.COM", Message: "The email ANN@EXAMPLE.COM is already on line 2."},
			},
		},
		{
			name: "invalid emails",
			in:   "email\nann\nann@\n@example.com\nann@example\nann@.example.com\nann@example..com\nann@[192.0.2.1]\n\"\"\"ann smith\"\"@example.com\"\nann@example.com (Ann)\nann@example.com.\n",
			wantBad: []RowError{
				{Line: 2, Email: "ann", Message: `The email "ann" is not a valid address.`},
				{Line: 3, Email: "ann@", Message: `The email "ann@" is not a valid address.`},
				{Line: 4, Email: "@example.com", Message: `The email "@example.com" is not a valid address.`},
				{Line: 5, Email: "ann@example", Message: `The email "ann@example" is not a valid address.`},
				{Line: 6, Email: "ann@.example.com", Message: `The email "ann@.example.com" is not a valid address.`},
				{Line: 7, Email: "ann@example..com", Message: `The email "ann@example..com" is not a valid address.`},
				{Line: 8, Email: "ann@[192.0.2.1]", Message: `The email "ann@[192.0.2.1]" is not a valid address.`},
				{Line: 9, Email: `"ann smith"@example.com`, Message: `The email "\"ann smith\"@example.com" is not a valid address.`},
				{Line: 10, Email: "ann@example.com (Ann)", Message: `The email "ann@example.com (Ann)" is not a valid address.`},
				{Line: 11, Email: "ann@example.com.", Message: `The email "ann@example.com." is not a valid address.`},
			},
		},
		{
			name:     "non-ASCII address",
			in:       "email,name\nzoë@exämple.com,Zoë\n",
			wantRows: []ImportRow{{Line: 2, Email: "zoë@exämple.com", Name: "Zoë", Role: RoleMember, Status: StatusInvited}},
		},
		{
			name:    "secondary email",
			in:      "email,secondary_email\nann@example.com,ann at home\n",
			wantBad: []RowError{{Line: 2, Email: "ann@example.com", Message: `The secondary email "ann at home" is not a valid address.`}},
		},
		{
			name: "roles and statuses",
			in:   "email,role,status\na@example.com,MEMBER,CONFIRMED\nb@example.com,Support,\nc@example.com,owner,\nd@example.com,admin,\ne@example.com,,active\n",
			wantRows: []ImportRow{
				{Line: 2, Email: "a@example.com", Role: RoleMember, Status: StatusConfirmed},
			},
			wantBad: []RowError{
				{Line: 3, Email: "b@example.com", Message: "The role \"Support\" can't be imported: imported users are members. To give someone a role, add them in Settings, Console users and roles."},
				{Line: 4, Email: "c@example.com", Message: "Owners and admins can't be imported: add them in Settings, Console users and roles, which gives them their own sign-in."},
				{Line: 5, Email: "d@example.com", Message: "Owners and admins can't be imported: add them in Settings, Console users and roles, which gives them their own sign-in."},
				{Line: 6, Email: "e@example.com", Message: `The status "active" is not valid: use invited, confirmed or deactivated.`},
			},
		},
		{
			name:     "bare quote is a bad row, the rest is read",
			in:       "email,name\nann@example.com,Ann \"the\" Smith\nann@example.com,Ann\n",
			wantRows: []ImportRow{at(ann, 3)},
			wantBad:  []RowError{{Line: 2, Message: `The line has a quote (") inside a field that does not start with one. Put the whole field in quotes and double the quote inside it ("").`}},
		},
		{
			name:     "text after a closing quote is a bad row",
			in:       "email,name\n\"ann@example.com\"x,Ann\nann@example.com,Ann\n",
			wantRows: []ImportRow{at(ann, 3)},
			wantBad:  []RowError{{Line: 2, Message: `A quoted field on the line is not closed properly. A quote inside a quoted field must be doubled ("").`}},
		},
		{
			name:    "unclosed quote on the last line is a bad row",
			in:      "email,name\nann@example.com,\"Ann",
			wantBad: []RowError{{Line: 2, Message: `A quoted field on the line is not closed properly. A quote inside a quoted field must be doubled ("").`}},
		},
		{
			name:    "unclosed quote that swallows lines",
			in:      "email,name\nann@example.com,Ann\nbob@example.com,\"Bob\ncid@example.com,Cid\n",
			wantErr: "Line 3 opens a quoted field that is never closed, so the lines after it can't be read. Close the quote, or remove it.",
		},
		{
			name:    "NUL byte",
			in:      "email,name\nann@example.com,A\x00nn\n",
			wantBad: []RowError{{Line: 2, Email: "ann@example.com", Message: "The line contains a NUL byte: the file may be damaged, or not a text file."}},
		},
		{
			name:    "NUL byte in the email",
			in:      "email,name\nann@exa\x00mple.com,Ann\n",
			wantBad: []RowError{{Line: 2, Message: "The line contains a NUL byte: the file may be damaged, or not a text file."}},
		},
		{
			name:    "field too long",
			in:      "email,name\nann@example.com," + strings.Repeat("n", 1025) + "\n",
			wantBad: []RowError{{Line: 2, Email: "ann@example.com", Message: "The name field is too long: at most 1024 bytes."}},
		},
		{
			name:     "long ignored column",
			in:       "email,name,notes\nann@example.com,Ann," + strings.Repeat("n", 100_000) + "\n",
			wantRows: []ImportRow{ann},
		},
		{
			name:    "not UTF-8",
			in:      "email,name\nzoe@example.com,Zo\xeb\n",
			wantBad: []RowError{{Line: 2, Email: "zoe@example.com", Message: "The name field is not UTF-8 text. Save the file as CSV UTF-8 and try again."}},
		},
		{
			name: "names are one line",
			in:   "email,name\r\na@example.com,\"Ann\r\nSmith\"\r\nb@example.com,Bob\rSmith\r\nc@example.com,\"Cid\u2028Smith\"\r\nd@example.com,\" Dee \r\n\"\r\n",
			wantRows: []ImportRow{
				{Line: 6, Email: "d@example.com", Name: "Dee", Role: RoleMember, Status: StatusInvited},
			},
			wantBad: []RowError{
				{Line: 2, Email: "a@example.com", Message: "The name spans more than one line: names are one line."},
				{Line: 4, Email: "b@example.com", Message: "The name spans more than one line: names are one line."},
				{Line: 5, Email: "c@example.com", Message: "The name spans more than one line: names are one line."},
			},
		},
		{
			name: "control characters",
			in:   "email,name,role\na@example.com,Ann\tSmith,\nb@example.com,Bob,\"sup\nport\"\n",
			wantBad: []RowError{
				{Line: 2, Email: "a@example.com", Message: "The name field contains a control character."},
				{Line: 3, Email: "b@example.com", Message: "The role field spans more than one line."},
			},
		},
		{
			name:     "a formula is just a name here",
			in:       "email,name\nann@example.com,=cmd|' /C calc'!A0\n",
			wantRows: []ImportRow{{Line: 2, Email: "ann@example.com", Name: "=cmd|' /C calc'!A0", Role: RoleMember, Status: StatusInvited}},
		},
		{name: "empty file", in: "", wantErr: "The file is empty. An import file starts with a header line such as email,name,mobile,secondary_email,role,status."},
		{name: "only a byte order mark and blanks", in: "\uFEFF\r\n \r\n", wantErr: "The file is empty. An import file starts with a header line such as email,name,mobile,secondary_email,role,status."},
		{name: "only blank rows", in: ",,,\n , ,\n", wantErr: "The file is empty. An import file starts with a header line such as email,name,mobile,secondary_email,role,status."},
		{name: "UTF-16", in: "\xff\xfee\x00m\x00a\x00i\x00l\x00", wantErr: "The file is saved as UTF-16 text. Save it as CSV UTF-8 and try again."},
		{name: "no header", in: "ann@example.com,Ann\nbob@example.com,Bob\n", wantErr: "The first line must name the columns, including email or mobile, for example: email,name,mobile,secondary_email,role,status."},
		{name: "header without email or mobile", in: "name,role\nAnn,member\n", wantErr: "The first line must name the columns, including email or mobile, for example: email,name,mobile,secondary_email,role,status."},
		{name: "header only", in: "email,name\r\n", wantErr: "The file has no users: there are no rows below its header line."},
		{name: "column twice", in: "email,Email\nann@example.com,ann@example.com\n", wantErr: "The header line names the column email twice."},
		{name: "bad header", in: "email,\"na\"me\nann@example.com,Ann\n", wantErr: "The header line (line 1) is not valid CSV. A quoted field on the line is not closed properly. A quote inside a quoted field must be doubled (\"\")."},
		{name: "file too large", in: "email,name\n" + strings.Repeat("x", maxFileBytes), wantErr: "The file is larger than 16 MB, far more than 300 users need. Check that it is the right file."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, bad, err := ParseImportCSV(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if ErrorCode(err) != EINVALID || ErrorMessage(err) != tt.wantErr || rows != nil || bad != nil {
					t.Fatalf("ParseImportCSV = %d rows, %d row errors, %v; want none and %s error %q", len(rows), len(bad), err, EINVALID, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseImportCSV: %v", err)
			}
			if !slices.Equal(rows, tt.wantRows) {
				t.Errorf("rows:\n got %+v\nwant %+v", rows, tt.wantRows)
			}
			if !slices.Equal(bad, tt.wantBad) {
				t.Errorf("row errors:\n got %+v\nwant %+v", bad, tt.wantBad)
			}
		})
	}
}

// usersFile returns n users, one per line, then blank rows. With a header
// (email,name) each line has an email and a name; without, only an email.
func usersFile(n int, header string) string {
	var b strings.Builder
	if header != "" {
		b.WriteString(header + "\r\n")
	}
	for i := range n {
		fmt.Fprintf(&b, "user%03d@example.com", i)
		if header != "" {
			fmt.Fprintf(&b, ",User %d", i)
		}
		b.WriteString("\r\n")
	}
	b.WriteString(",\r\n \r\n")
	return b.String()
}

func TestParseImportCSVLimit(t *testing.T) {
	rows, bad, err := ParseImportCSV(strings.NewReader(usersFile(MaxImportRows, "email,name")))
	if err != nil || len(rows) != MaxImportRows || len(bad) != 0 {
		t.Errorf("ParseImportCSV(300 users) = %d rows, %d row errors, %v; want 300 rows", len(rows), len(bad), err)
	} else if rows[299].Line != 301 || rows[299].Email != "user299@example.com" {
		t.Errorf("the last row is %+v, want user299@example.com on line 301", rows[299])
	}

	rows, bad, err = ParseImportCSV(strings.NewReader(usersFile(MaxImportRows+1, "email,name")))
	const want = "The file has 301 users; an import holds at most 300. Split it into files of 300 or fewer."
	if rows != nil || bad != nil || ErrorCode(err) != EINVALID || ErrorMessage(err) != want {
		t.Errorf("ParseImportCSV(301 users) = %d rows, %d row errors, %v; want none and %q", len(rows), len(bad), err, want)
	}
}

func TestParseTargetsCSV(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string
		wantBad []RowError
		wantErr string
	}{
		{name: "email column", in: "email\nann@example.com\nbob@example.com\n", want: []string{"ann@example.com", "bob@example.com"}},
		{name: "zuid column", in: "ZUID,name\n101,Ann\n0102,Bob\n", want: []string{"101", "102"}},
		{
			name: "both columns: the zuid wins",
			in:   "\uFEFFzuid;email;name\r\n101;ann@example.com;Ann\r\n;bob@example.com;Bob\r\n;;Nobody\r\n",
			want: []string{"101", "bob@example.com"},
			wantBad: []RowError{
				{Line: 4, Message: "The row has no email and no zuid."},
			},
		},
		{name: "a zuid in the email column", in: "email\nann@example.com\n100000104\n", want: []string{"ann@example.com", "100000104"}},
		{name: "headerless emails", in: "ann@example.com\r\nbob@example.com\r\n", want: []string{"ann@example.com", "bob@example.com"}},
		{name: "headerless zuids", in: "101\n102,\n103\n", want: []string{"101", "102", "103"}},
		{
			name:    "headerless mixed",
			in:      "101\nann@example.com\nnot an address\n",
			want:    []string{"101", "ann@example.com"},
			wantBad: []RowError{{Line: 3, Message: `The email "not an address" is not a valid address.`, Value: "not an address"}},
		},
		{
			name: "duplicates",
			in:   "email\nann@example.com\nANN@example.com\nbob@example.com\nann@example.com\n",
			want: []string{"ann@example.com", "bob@example.com"},
			wantBad: []RowError{
				{Line: 3, Email: "ANN@example.com", Message: "The user ANN@example.com is already on line 2.", Value: "ANN@example.com"},
				{Line: 5, Email: "ann@example.com", Message: "The user ann@example.com is already on line 2.", Value: "ann@example.com"},
			},
		},
		{
			name: "bad zuids",
			in:   "zuid\n12a\n0\n-5\n99999999999999999999\n101\n101\n",
			want: []string{"101"},
			wantBad: []RowError{
				{Line: 2, Message: `The zuid "12a" is not valid: a zuid is a positive number.`, Value: "12a"},
				{Line: 3, Message: `The zuid "0" is not valid: a zuid is a positive number.`, Value: "0"},
				{Line: 4, Message: `The zuid "-5" is not valid: a zuid is a positive number.`, Value: "-5"},
				{Line: 5, Message: `The zuid "99999999999999999999" is not valid: a zuid is a positive number.`, Value: "99999999999999999999"},
				{Line: 7, Message: "The user 101 is already on line 6.", Value: "101"},
			},
		},
		{
			name: "hostile rows",
			in:   "email\n\"ann\r\n@example.com\"\nb\x00b@example.com\n" + strings.Repeat("c", 2000) + "@example.com\nbare\"quote@example.com\n",
			wantBad: []RowError{
				{Line: 2, Message: "The email field spans more than one line."},
				{Line: 4, Message: "The line contains a NUL byte: the file may be damaged, or not a text file."},
				{Line: 5, Message: "The email field is too long: at most 1024 bytes."},
				{Line: 6, Message: `The line has a quote (") inside a field that does not start with one. Put the whole field in quotes and double the quote inside it ("").`},
			},
		},
		{name: "no usable column", in: "name\nAnn\n", wantErr: "The file has no email or zuid column. A bulk reset file has a header line with an email or zuid column, or one email address or zuid per line."},
		{name: "two columns without header", in: "ann@example.com,Ann\n", wantErr: "The file has no email or zuid column. A bulk reset file has a header line with an email or zuid column, or one email address or zuid per line."},
		{name: "header only", in: "email\n", wantErr: "The file has no users: there are no rows below its header line."},
		{name: "empty", in: "\uFEFF", wantErr: "The file is empty. A bulk reset file has a header line with an email or zuid column, or one email address or zuid per line."},
		{name: "too many", in: usersFile(MaxImportRows+1, ""), wantErr: "The file has 301 users; a bulk reset holds at most 300. Split it into files of 300 or fewer."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, bad, err := ParseTargetsCSV(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if ErrorCode(err) != EINVALID || ErrorMessage(err) != tt.wantErr || got != nil || bad != nil {
					t.Fatalf("ParseTargetsCSV = %q, %d row errors, %v; want none and %s error %q", got, len(bad), err, EINVALID, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTargetsCSV: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("targets:\n got %q\nwant %q", got, tt.want)
			}
			if !slices.Equal(bad, tt.wantBad) {
				t.Errorf("row errors:\n got %+v\nwant %+v", bad, tt.wantBad)
			}
		})
	}
}

// The lines of the targets, for reporting users the directory lacks.
func TestParseTargetLines(t *testing.T) {
	got, bad, err := ParseTargetLines(strings.NewReader("email\nann@example.com\nnot an address\n101\n"))
	if err != nil || len(bad) != 1 || len(got) != 2 || got[0] != (Target{Login: "ann@example.com", Line: 2}) || got[1] != (Target{Login: "101", Line: 4}) {
		t.Fatalf("ParseTargetLines = %+v, %+v, %v", got, bad, err)
	}
	if bad[0].Value != "not an address" {
		t.Errorf("the bad row's value is %q", bad[0].Value)
	}
}

func TestParseTargetsCSVLimit(t *testing.T) {
	for _, header := range []string{"", "email,name"} {
		got, bad, err := ParseTargetsCSV(strings.NewReader(usersFile(MaxImportRows, header)))
		if err != nil || len(got) != MaxImportRows || len(bad) != 0 {
			t.Errorf("ParseTargetsCSV(300 users, header %q) = %d targets, %d row errors, %v; want 300 targets", header, len(got), len(bad), err)
		}
	}
}

func resultsForTest() []ResetResult {
	return []ResetResult{
		{
			User:     User{ID: 101, PrimaryEmail: "ann@example.com", DisplayName: "Ann Smith"},
			Outcome:  OutcomeReset,
			Delivery: Delivery{ID: 1, Status: DeliverySent},
			Password: "Generated-Secret-7f3K",
		},
		{
			User:    User{ID: 102, PrimaryEmail: "bob@example.com", DisplayName: "=cmd|' /C calc'!A0"},
			Outcome: OutcomeSkipped,
			Reason:  SkipNotConfirmed,
		},
		{
			User:    User{ID: 103, MobileNumber: "+447700900123", PrimaryIsMobile: true, DisplayName: "@SUM(1+1)"},
			Outcome: OutcomeSkipped,
			Reason:  SkipMobilePrimary,
		},
		{
			User:     User{ID: 104, PrimaryEmail: "dee@example.com", DisplayName: "Smith, \"Dee\""},
			Outcome:  OutcomeReset,
			Delivery: Delivery{ID: 2, Status: DeliveryFailed, LastError: "550 5.1.1 <dee@example.com>: mailbox unavailable"},
			Password: "Another-Secret-9xQ",
		},
		{
			User:     User{ID: 105, PrimaryEmail: "-eve@example.com", DisplayName: "\tEve"},
			Outcome:  OutcomeReset,
			Delivery: Delivery{ID: 3, Status: DeliveryPending},
		},
	}
}

func TestWriteResultsCSV(t *testing.T) {
	var buf bytes.Buffer
	lines := map[int64]int{101: 2, 104: 5}
	unused := []UnusedRow{
		{Line: 3, Value: "not an address", Reason: UnusedBadRow, Message: `The email "not an address" is not a valid address.`},
		{Line: 4, Value: "=nobody@example.com", Reason: UnusedNotFound, Message: `No user "=nobody@example.com" in this organization.`},
		{Line: 6, Value: "999", Reason: UnusedNotFound, Message: `No user "999" in this organization.`},
		{Line: 7, Reason: UnusedBadRow, Message: "The line contains a NUL byte: the file may be damaged, or not a text file."},
	}
	if err := WriteResultsCSV(&buf, resultsForTest(), lines, unused); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	want := "\uFEFFzuid,email,name,result,reason,delivery,line,explanation\r\n" +
		"101,ann@example.com,Ann Smith,reset,,sent,2,\r\n" +
		"102,bob@example.com,'=cmd|' /C calc'!A0,skipped,not_confirmed,,,The user has not confirmed their account yet. Only confirmed users can be reset.\r\n" +
		"103,'+447700900123,'@SUM(1+1),skipped,mobile_primary,,," + SkipMobilePrimary.Sentence() + "\r\n" +
		"104,dee@example.com,\"Smith, \"\"Dee\"\"\",reset,,failed: 550 5.1.1 <dee@example.com>: mailbox unavailable,5,\r\n" +
		"105,'-eve@example.com,'\tEve,reset,,pending,,\r\n" +
		",not an address,,skipped,bad_row,,3,\"The email \"\"not an address\"\" is not a valid address.\"\r\n" +
		",'=nobody@example.com,,skipped,not_found,,4,\"No user \"\"=nobody@example.com\"\" in this organization.\"\r\n" +
		"999,,,skipped,not_found,,6,\"No user \"\"999\"\" in this organization.\"\r\n" +
		",,,skipped,bad_row,,7,\"The line contains a NUL byte: the file may be damaged, or not a text file.\"\r\n"
	if out != want {
		t.Errorf("WriteResultsCSV wrote\n%q\nwant\n%q", out, want)
	}
	for _, r := range resultsForTest() {
		if r.Password != "" && strings.Contains(out, r.Password) {
			t.Errorf("WriteResultsCSV wrote the password of user %d", r.User.ID)
		}
	}
	// What we write, reset --file reads back: the users by zuid, then
	// the rows that named nobody as they were (the directory will not know
	// the unknown ones), and the unreadable ones refused again.
	got, bad, err := ParseTargetsCSV(&buf)
	if err != nil || !slices.Equal(got, []string{"101", "102", "103", "104", "105", "'=nobody@example.com", "999"}) || len(bad) != 2 {
		t.Errorf("ParseTargetsCSV(results) = %q, %+v, %v; want the five zuids, the two unknown users and two bad rows", got, bad, err)
	}
}

func TestEscapeFormula(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"Ann", "Ann"},
		{"=1+1", "'=1+1"},
		{"+1", "'+1"},
		{"-1", "'-1"},
		{"@SUM(A1)", "'@SUM(A1)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{" =1", " =1"},
		{"a=1", "a=1"},
		{"'quoted", "'quoted"},
	}
	for _, tt := range tests {
		if got := escapeFormula(tt.in); got != tt.want {
			t.Errorf("escapeFormula(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// hostileSeeds are inputs that have broken CSV readers: the fuzzers start
// from them, beside the corpus in testdata/fuzz.
func hostileSeeds() [][]byte {
	return [][]byte{
		[]byte("\uFEFFemail,name\r\nann@example.com,Ann\r\n"),
		[]byte("email;name;mobile\nann@example.com;\"Smith; Ann\";+44 7700 900123\n"),
		[]byte("email,name\nann@example.com,A\x00nn\n\x00\x00\x00\n"),
		[]byte("email,name\nann@example.com,=cmd|' /C calc'!A0\n"),
		[]byte("email,name\nann@example.com,\"Ann\r\nSmith\"\nbob@example.com,Bob\rSmith\n"),
		[]byte("email,name\nann@example.com,\"unclosed\nbob@example.com,Bob\n"),
		[]byte("mobile\n+1 (555) 010-9999\n+1 (555) 010-9999\n"),
		[]byte("email,name\nann@example.com," + strings.Repeat("x", 10<<20) + "\n"),
		[]byte("\xff\xfee\x00"),
		[]byte("email\r101\rann@example.com\r"),
	}
}

var mobilePattern = regexp.MustCompile(`^\+?[0-9]{6,15}$`)

// dataLines is the number of lines after the first, counted as readCSV
// counts them: by line feeds, or by carriage returns in a file without any.
func dataLines(data []byte) int {
	n := bytes.Count(data, []byte{'\n'})
	if n == 0 {
		n = bytes.Count(data, []byte{'\r'})
	}
	return n
}

// checkLines fails when a line is below first, past the end of data, or
// given twice, or when there are more rows than data lines.
func checkLines(t *testing.T, data []byte, first int, lines []int) {
	t.Helper()
	last := dataLines(data) + 1
	if len(lines) > last-first+1 {
		t.Errorf("%d rows and row errors from %d lines", len(lines), last)
	}
	seen := make(map[int]bool)
	for _, l := range lines {
		if l < first || l > last || seen[l] {
			t.Errorf("line %d is out of range %d–%d or given twice", l, first, last)
		}
		seen[l] = true
	}
}

func checkRefused(t *testing.T, err error, n int) {
	t.Helper()
	if err != nil && (ErrorCode(err) != EINVALID || n != 0) {
		t.Errorf("error %v with %d rows or row errors; want an %s error and nothing else", err, n, EINVALID)
	}
}

func validMailbox(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@")
}

func FuzzParseImportCSV(f *testing.F) {
	for _, s := range hostileSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, bad, err := ParseImportCSV(bytes.NewReader(data))
		checkRefused(t, err, len(rows)+len(bad))
		if len(rows)+len(bad) > MaxImportRows {
			t.Errorf("%d rows and row errors, more than %d", len(rows)+len(bad), MaxImportRows)
		}
		var lines []int
		for _, r := range rows {
			lines = append(lines, r.Line)
			if (r.Email == "" || !validMailbox(r.Email)) && !mobilePattern.MatchString(r.Mobile) {
				t.Errorf("line %d: row %+v has no valid email or mobile number", r.Line, r)
			}
			if r.SecondaryEmail != "" && !validMailbox(r.SecondaryEmail) {
				t.Errorf("line %d: secondary email %q is not valid", r.Line, r.SecondaryEmail)
			}
			for _, v := range []string{r.Email, r.Name, r.Mobile, r.SecondaryEmail, r.Role, string(r.Status)} {
				if strings.ContainsAny(v, "\r\n\x00") || len(v) > maxFieldBytes {
					t.Errorf("line %d: field %q has a line break or NUL, or is too long", r.Line, v)
				}
			}
			if !r.Status.Valid() || r.Role == "" || r.Role == RoleOwner || r.Role == RoleAdmin {
				t.Errorf("line %d: status %q or role %q", r.Line, r.Status, r.Role)
			}
		}
		for _, e := range bad {
			lines = append(lines, e.Line)
			if e.Message == "" || strings.ContainsAny(e.Email, "\r\n\x00") {
				t.Errorf("line %d: row error %+v", e.Line, e)
			}
		}
		checkLines(t, data, 2, lines)
	})
}

func FuzzParseTargetsCSV(f *testing.F) {
	for _, s := range hostileSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		targets, bad, err := ParseTargetsCSV(bytes.NewReader(data))
		checkRefused(t, err, len(targets)+len(bad))
		if len(targets)+len(bad) > MaxImportRows {
			t.Errorf("%d targets and row errors, more than %d", len(targets)+len(bad), MaxImportRows)
		}
		seen := make(map[string]bool)
		for _, s := range targets {
			if !isDigits(s) && !validMailbox(s) {
				t.Errorf("target %q is neither a zuid nor an email address", s)
			}
			if strings.ContainsAny(s, "\r\n\x00") || seen[strings.ToLower(s)] {
				t.Errorf("target %q has a line break or NUL, or is there twice", s)
			}
			seen[strings.ToLower(s)] = true
		}
		var lines []int
		for _, e := range bad {
			lines = append(lines, e.Line)
			if e.Message == "" || strings.ContainsAny(e.Email, "\r\n\x00") {
				t.Errorf("line %d: row error %+v", e.Line, e)
			}
		}
		if len(targets)+len(bad) > dataLines(data)+1 {
			t.Errorf("%d targets and row errors from %d lines", len(targets)+len(bad), dataLines(data)+1)
		}
		checkLines(t, data, 1, lines)
	})
}

// The results file must stay readable CSV whatever the names hold.
func FuzzWriteResultsCSV(f *testing.F) {
	f.Add("=cmd|' /C calc'!A0", "ann@example.com", "550 mailbox \"full\"\r\n")
	f.Fuzz(func(t *testing.T, name, email, lastError string) {
		results := []ResetResult{{
			User:     User{ID: 7, PrimaryEmail: email, DisplayName: name},
			Outcome:  OutcomeReset,
			Delivery: Delivery{ID: 1, Status: DeliveryFailed, LastError: lastError},
			Password: "never-written-secret",
		}}
		var buf bytes.Buffer
		unused := []UnusedRow{{Line: 2, Value: email, Reason: UnusedNotFound, Message: lastError}}
		if err := WriteResultsCSV(&buf, results, map[int64]int{7: 3}, unused); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(recs) != 3 || len(recs[1]) != 8 || len(recs[2]) != 8 {
			t.Fatalf("the output is not a header and two rows of eight cells: %q, %v", recs, err)
		}
		for _, cell := range append(recs[1], recs[2]...) {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
			if strings.Contains(cell, "never-written-secret") && !strings.Contains(name+email+lastError, "never-written-secret") {
				t.Errorf("the password was written")
			}
		}
	})
}
