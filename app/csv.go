package app

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxImportRows is the most users an import file or a bulk reset file may
// hold. A larger file is refused whole, so that nobody imports or resets the
// first 300 users of a list without noticing the rest.
const MaxImportRows = 300

const (
	// maxFieldBytes is the longest field we read: no email, name or role
	// comes near it, and a longer one is a sign of a damaged file.
	maxFieldBytes = 1024
	// maxFileBytes bounds what we read into memory. 300 rows need a few
	// hundred kilobytes even with many ignored columns.
	maxFileBytes = 16 << 20
)

// importColumns are the columns ParseImportCSV reads, in the order it checks them.
var importColumns = []string{"email", "name", "mobile", "secondary_email", "role", "status"}

// columnLabels name the columns in messages.
var columnLabels = map[string]string{
	"email":           "email",
	"name":            "name",
	"mobile":          "mobile number",
	"secondary_email": "secondary email",
	"role":            "role",
	"status":          "status",
	"zuid":            "zuid",
	"user":            "user",
}

const importHeaderExample = "email,name,mobile,secondary_email,role,status"

// ParseImportCSV reads an import file: a header line naming the columns
// email, name, mobile, secondary_email, role and status (in any order and
// case; other columns are ignored), then one user per row. Each row needs an
// email or a mobile number; status defaults to invited and role to member.
//
// Rows that can't be imported come back as RowErrors with their line number
// in the file, so the admin can find them in an editor; the other rows are
// returned. The file may be comma, semicolon or tab separated (as Excel saves
// it in different locales), with or without a byte order mark, with CRLF line
// ends. The error, always EINVALID, is for a file that can't be read at all or
// holds more than MaxImportRows users: then no rows are returned.
func ParseImportCSV(r io.Reader) ([]ImportRow, []RowError, error) {
	rows, left, err := PreviewImportCSV(r)
	var bad []RowError
	for _, l := range left {
		bad = append(bad, l.RowError)
	}
	return rows, bad, err
}

// LeftOutRow is a row of an import file that ParseImportCSV leaves out,
// with what its cells held, so that a preview can show whose row it was.
type LeftOutRow struct {
	RowError
	// Typed is the row as the file gave it: each cell trimmed and not
	// checked (the mobile number as typed, the role as written). A cell
	// that could not be read is empty, and so is all of a line that is
	// not valid CSV.
	Typed ImportRow
}

// PreviewImportCSV is ParseImportCSV for a preview: each row it leaves out
// comes with the cells the file gave it, so the preview can show whose it is.
func PreviewImportCSV(r io.Reader) ([]ImportRow, []LeftOutRow, error) {
	recs, err := readCSV(r, "An import file starts with a header line such as "+importHeaderExample+".")
	if err != nil {
		return nil, nil, err
	}
	header := recs[0]
	if header.err != nil {
		return nil, nil, Errorf(EINVALID, "The header line (line %d) is not valid CSV. %s", header.line, parseErrorSentence(header.err))
	}
	cols := make(map[string]int)
	for i, f := range header.fields {
		name := columnName(f)
		if !slices.Contains(importColumns, name) {
			continue
		}
		if _, dup := cols[name]; dup {
			return nil, nil, Errorf(EINVALID, "The header line names the column %s twice.", name)
		}
		cols[name] = i
	}
	_, hasEmail := cols["email"]
	_, hasMobile := cols["mobile"]
	if !hasEmail && !hasMobile {
		return nil, nil, Errorf(EINVALID, "The first line must name the columns, including email or mobile, for example: %s.", importHeaderExample)
	}
	data := recs[1:]
	if err := checkRowCount(len(data), "an import"); err != nil {
		return nil, nil, err
	}

	var (
		rows    []ImportRow
		bad     []LeftOutRow
		emails  = make(map[string]int) // lowercase email → line of its first row
		mobiles = make(map[string]int) // mobile of a user without email → line
	)
	for _, rec := range data {
		if rec.err != nil {
			bad = append(bad, LeftOutRow{RowError: RowError{Line: rec.line, Message: parseErrorSentence(rec.err)}, Typed: ImportRow{Line: rec.line}})
			continue
		}
		row, msg := importRow(rec, cols, emails, mobiles)
		if msg != "" {
			email, _ := cleanField(rec, cols, "email")
			bad = append(bad, LeftOutRow{RowError: RowError{Line: rec.line, Email: email, Message: msg}, Typed: typedRow(rec, cols)})
			continue
		}
		rows = append(rows, row)
	}
	return rows, bad, nil
}

// typedRow is a record of an import file as typed, its cells trimmed; a
// cell that cannot be read (too long, not text) stays empty.
func typedRow(rec csvRecord, cols map[string]int) ImportRow {
	cell := func(col string) string {
		v, msg := cleanField(rec, cols, col)
		if msg != "" {
			return ""
		}
		return v
	}
	return ImportRow{Line: rec.line, Email: cell("email"), Name: cell("name"), Mobile: cell("mobile"),
		SecondaryEmail: cell("secondary_email"), Role: cell("role"), Status: Status(cell("status"))}
}

// importRow checks one record of an import file and returns the row, or a
// sentence saying what is wrong with it. It records the row's email (or, for
// a user without one, mobile number) in seen maps to catch duplicates.
func importRow(rec csvRecord, cols map[string]int, emails, mobiles map[string]int) (ImportRow, string) {
	vals := make(map[string]string, len(importColumns))
	for _, col := range importColumns {
		v, msg := cleanField(rec, cols, col)
		if msg != "" {
			return ImportRow{}, msg
		}
		vals[col] = v
	}
	row := ImportRow{
		Line:           rec.line,
		Email:          vals["email"],
		Name:           vals["name"],
		SecondaryEmail: vals["secondary_email"],
		Role:           vals["role"],
		Status:         Status(strings.ToLower(vals["status"])),
	}
	if row.Email == "" && vals["mobile"] == "" {
		return ImportRow{}, "The row has no email and no mobile number: give at least one."
	}
	if row.Email != "" {
		if !ValidEmail(row.Email) {
			return ImportRow{}, "The email " + strconv.Quote(row.Email) + " is not a valid address."
		}
		key := strings.ToLower(row.Email)
		if first, ok := emails[key]; ok {
			return ImportRow{}, "The email " + row.Email + " is already on line " + strconv.Itoa(first) + "."
		}
		emails[key] = rec.line
	}
	if m := vals["mobile"]; m != "" {
		var ok bool
		if row.Mobile, ok = normalizeMobile(m); !ok {
			return ImportRow{}, "The mobile number " + strconv.Quote(m) + " is not valid: use 6 to 15 digits, with an optional leading + and spaces or dashes."
		}
		if row.Email == "" {
			if first, ok := mobiles[row.Mobile]; ok {
				return ImportRow{}, "The mobile number " + row.Mobile + " is already on line " + strconv.Itoa(first) + "."
			}
			mobiles[row.Mobile] = rec.line
		}
	}
	if row.SecondaryEmail != "" && !ValidEmail(row.SecondaryEmail) {
		return ImportRow{}, "The secondary email " + strconv.Quote(row.SecondaryEmail) + " is not a valid address."
	}
	switch strings.ToLower(row.Role) {
	case "", RoleMember:
		row.Role = RoleMember
	case RoleOwner, RoleAdmin:
		return ImportRow{}, "Owners and admins can't be imported: add them in Settings, Console users and roles, which gives them their own sign-in."
	default:
		// Custom roles carry console access, which needs a database login:
		// adding a console user (Settings, or `resetdesk admin add
		// --custom-role`) gives both.
		return ImportRow{}, "The role " + strconv.Quote(row.Role) + " can't be imported: imported users are members. To give someone a role, add them in Settings, Console users and roles."
	}
	if row.Status == "" {
		row.Status = StatusInvited
	}
	if !row.Status.Valid() {
		return ImportRow{}, "The status " + strconv.Quote(vals["status"]) + " is not valid: use invited, confirmed or deactivated."
	}
	return row, ""
}

// ParseTargetsCSV reads the users of a bulk reset (reset --file, or a CSV
// attached in the bulk reset screen): a header line with an email or zuid
// column (other columns are ignored; a row with both uses the zuid), or, with
// no header, one email address or zuid per line. It returns the emails and
// zuids in file order, and the rows it could not use, by line. Delimiters,
// byte order marks, line ends and the MaxImportRows limit are handled as in
// ParseImportCSV; the error is EINVALID.
func ParseTargetsCSV(r io.Reader) ([]string, []RowError, error) {
	targets, bad, err := ParseTargetLines(r)
	var logins []string
	for _, t := range targets {
		logins = append(logins, t.Login)
	}
	return logins, bad, err
}

// Target is a user a bulk reset file names, with the line that names them,
// so that a user the directory does not know can be reported by line.
type Target struct {
	Login string // an email or a zuid
	Line  int
}

// ParseTargetLines is ParseTargetsCSV with the line of each target.
func ParseTargetLines(r io.Reader) ([]Target, []RowError, error) {
	const help = "A bulk reset file has a header line with an email or zuid column, or one email address or zuid per line."
	recs, err := readCSV(r, help)
	if err != nil {
		return nil, nil, err
	}
	first := recs[0]
	if first.err != nil {
		return nil, nil, Errorf(EINVALID, "Line %d is not valid CSV. %s", first.line, parseErrorSentence(first.err))
	}
	cols := make(map[string]int)
	for i, f := range first.fields {
		if name := columnName(f); name == "email" || name == "zuid" {
			if _, dup := cols[name]; dup {
				return nil, nil, Errorf(EINVALID, "The header line names the column %s twice.", name)
			}
			cols[name] = i
		}
	}
	data := recs[1:]
	headerless := len(cols) == 0
	if headerless {
		if !looksLikeTarget(first.fields) {
			return nil, nil, Errorf(EINVALID, "The file has no email or zuid column. %s", help)
		}
		data = recs
	}
	if err := checkRowCount(len(data), "a bulk reset"); err != nil {
		return nil, nil, err
	}

	var (
		targets []Target
		bad     []RowError
		seen    = make(map[string]int) // lowercase target → line of its first row
	)
	for _, rec := range data {
		if rec.err != nil {
			bad = append(bad, RowError{Line: rec.line, Message: parseErrorSentence(rec.err)})
			continue
		}
		target, msg := targetOf(rec, cols, headerless)
		if msg == "" {
			if first, ok := seen[strings.ToLower(target)]; ok {
				msg = "The user " + target + " is already on line " + strconv.Itoa(first) + "."
			}
		}
		if msg != "" {
			email := ""
			if strings.Contains(target, "@") {
				email = target
			}
			bad = append(bad, RowError{Line: rec.line, Email: email, Message: msg, Value: target})
			continue
		}
		seen[strings.ToLower(target)] = rec.line
		targets = append(targets, Target{Login: target, Line: rec.line})
	}
	return targets, bad, nil
}

// targetOf returns the email or zuid of one row of a bulk reset file, or a
// sentence saying why the row can't be used. A headerless file has the value
// in its first column.
func targetOf(rec csvRecord, cols map[string]int, headerless bool) (string, string) {
	var zuid, email, msg string
	if headerless {
		var v string
		if v, msg = cleanField(rec, map[string]int{"user": 0}, "user"); isDigits(v) {
			zuid = v
		} else {
			email = v
		}
	} else if zuid, msg = cleanField(rec, cols, "zuid"); msg == "" {
		email, msg = cleanField(rec, cols, "email")
		if zuid == "" && isDigits(email) {
			zuid, email = email, "" // a zuid in the email column, as "+" takes one
		}
	}
	switch {
	case msg != "":
		return "", msg
	case zuid != "":
		n, err := strconv.ParseInt(zuid, 10, 64)
		if err != nil || n <= 0 || !isDigits(zuid) {
			return zuid, "The zuid " + strconv.Quote(zuid) + " is not valid: a zuid is a positive number."
		}
		return strconv.FormatInt(n, 10), ""
	case email == "":
		return "", "The row has no email and no zuid."
	case !ValidEmail(email):
		return email, "The email " + strconv.Quote(email) + " is not a valid address."
	}
	return email, ""
}

// looksLikeTarget reports whether the first line of a headerless bulk reset
// file is a user: one value (trailing empty cells aside) that is a zuid or
// has an @.
func looksLikeTarget(fields []string) bool {
	for _, f := range fields[1:] {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	v := strings.TrimSpace(fields[0])
	return isDigits(v) || strings.Contains(v, "@")
}

func checkRowCount(n int, what string) error {
	switch {
	case n == 0:
		return Errorf(EINVALID, "The file has no users: there are no rows below its header line.")
	case n > MaxImportRows:
		return Errorf(EINVALID, "The file has %d users; %s holds at most %d. Split it into files of %d or fewer.", n, what, MaxImportRows, MaxImportRows)
	}
	return nil
}

// csvRecord is one record of a CSV file: its fields, or the parse error that
// made it unreadable, and the line it starts on.
type csvRecord struct {
	line   int // the physical line in the file, counting from 1
	fields []string
	err    *csv.ParseError
}

// readCSV reads a whole CSV file as spreadsheets save it, header included,
// skipping rows whose cells are all blank (Excel leaves such rows at the end
// of a sheet). It detects the delimiter from the first line and returns at
// least one record. help, a sentence, is added to the message about an
// empty file.
func readCSV(r io.Reader, help string) ([]csvRecord, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileBytes+1))
	if err != nil {
		return nil, &Error{Code: EINVALID, Message: "The file could not be read.", Err: err}
	}
	if len(data) > maxFileBytes {
		return nil, Errorf(EINVALID, "The file is larger than %d MB, far more than %d users need. Check that it is the right file.", maxFileBytes>>20, MaxImportRows)
	}
	if bytes.HasPrefix(data, []byte{0xFF, 0xFE}) || bytes.HasPrefix(data, []byte{0xFE, 0xFF}) {
		return nil, Errorf(EINVALID, "The file is saved as UTF-16 text. Save it as CSV UTF-8 and try again.")
	}
	data = bytes.TrimPrefix(data, []byte("\uFEFF"))
	// Old Mac spreadsheets end lines with CR alone, which encoding/csv keeps
	// as part of a field: make them line feeds when there are no others.
	if !bytes.Contains(data, []byte{'\n'}) {
		data = bytes.ReplaceAll(data, []byte{'\r'}, []byte{'\n'})
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, Errorf(EINVALID, "The file is empty. %s", help)
	}

	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = detectDelimiter(data)
	cr.FieldsPerRecord = -1
	// With tabs, trimming leading space would eat the empty cells.
	cr.TrimLeadingSpace = cr.Comma != '\t'
	var recs []csvRecord
	for {
		fields, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			recs = append(recs, csvRecord{line: pe.StartLine, err: pe})
			continue
		} else if err != nil {
			return nil, &Error{Code: EINVALID, Message: "The file could not be read.", Err: err}
		}
		if !slices.ContainsFunc(fields, func(f string) bool { return strings.TrimSpace(f) != "" }) {
			continue
		}
		line, _ := cr.FieldPos(0)
		recs = append(recs, csvRecord{line: line, fields: fields})
	}
	if len(recs) == 0 {
		return nil, Errorf(EINVALID, "The file is empty. %s", help)
	}
	// A quote that is never closed swallows every line after it into one
	// field: that is not a bad row but an unreadable file.
	if last := recs[len(recs)-1]; last.err != nil && errors.Is(last.err.Err, csv.ErrQuote) && last.err.Line > last.err.StartLine {
		return nil, Errorf(EINVALID, "Line %d opens a quoted field that is never closed, so the lines after it can't be read. Close the quote, or remove it.", last.line)
	}
	return recs, nil
}

// detectDelimiter returns the comma, semicolon or tab that occurs most often,
// outside quotes, in the first line with content; a comma when none does.
func detectDelimiter(data []byte) rune {
	line := data
	for len(line) > 0 {
		var rest []byte
		line, rest, _ = bytes.Cut(line, []byte{'\n'})
		if len(bytes.TrimSpace(line)) > 0 {
			break
		}
		line = rest
	}
	counts := make(map[rune]int)
	quoted := false
	for _, c := range string(line) {
		switch {
		case c == '"':
			quoted = !quoted
		case !quoted && (c == ',' || c == ';' || c == '\t'):
			counts[c]++
		}
	}
	best := ','
	for _, c := range []rune{';', '\t'} {
		if counts[c] > counts[best] {
			best = c
		}
	}
	return best
}

// columnName turns a header cell into a column name: "Secondary Email" and
// "secondary-email" both name secondary_email.
func columnName(cell string) string {
	return strings.NewReplacer(" ", "_", "-", "_").Replace(strings.ToLower(strings.TrimSpace(cell)))
}

// parseErrorSentence explains a CSV syntax error to an admin.
func parseErrorSentence(pe *csv.ParseError) string {
	switch {
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return `The line has a quote (") inside a field that does not start with one. Put the whole field in quotes and double the quote inside it ("").`
	case errors.Is(pe.Err, csv.ErrQuote):
		return `A quoted field on the line is not closed properly. A quote inside a quoted field must be doubled ("").`
	}
	return "The line is not valid CSV."
}

// cleanField returns the trimmed value of column col of rec ("" when the file
// has no such column or the row is short), or a sentence saying why the value
// can't be used: fields hold one line of UTF-8 text, with no NUL or other
// control characters, of at most maxFieldBytes.
func cleanField(rec csvRecord, cols map[string]int, col string) (string, string) {
	i, ok := cols[col]
	if !ok || i >= len(rec.fields) {
		return "", ""
	}
	v := rec.fields[i]
	label := columnLabels[col]
	switch {
	case strings.ContainsRune(v, 0):
		return "", "The line contains a NUL byte: the file may be damaged, or not a text file."
	case len(v) > maxFieldBytes:
		return "", "The " + label + " field is too long: at most " + strconv.Itoa(maxFieldBytes) + " bytes."
	case !utf8.ValidString(v):
		return "", "The " + label + " field is not UTF-8 text. Save the file as CSV UTF-8 and try again."
	}
	v = strings.TrimSpace(v)
	switch {
	case strings.ContainsAny(v, "\r\n\u0085\u2028\u2029") && col == "name":
		return "", "The name spans more than one line: names are one line."
	case strings.ContainsAny(v, "\r\n\u0085\u2028\u2029"):
		return "", "The " + label + " field spans more than one line."
	case strings.ContainsFunc(v, unicode.IsControl):
		return "", "The " + label + " field contains a control character."
	}
	return v, ""
}

// normalizeMobile returns s with only its digits and an optional leading +,
// or false when s has anything but digits, spaces, dashes, dots and
// parentheses, or not 6 to 15 digits (the most E.164 allows).
func normalizeMobile(s string) (string, bool) {
	plus := strings.HasPrefix(s, "+")
	digits := make([]byte, 0, len(s))
	if plus {
		digits = append(digits, '+')
		s = s[1:]
	}
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits = append(digits, byte(r))
		case unicode.IsSpace(r) || r == '-' || r == '.' || r == '(' || r == ')':
		default:
			return "", false
		}
	}
	n := len(digits)
	if plus {
		n--
	}
	return string(digits), n >= 6 && n <= 15
}

func isDigits(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r < '0' || r > '9' })
}

// resultsHeader is the first line of WriteResultsCSV.
var resultsHeader = []string{"zuid", "email", "name", "result", "reason", "delivery", "line", "explanation"}

// UnusedRow is a row of an attached bulk reset file that named nobody the
// reset could take: the line, the email or zuid it held ("" when it could
// not be read), the reason's code (bad_row, or not_found for a user the
// organization lacks, the codes of reset --json) and the sentence the
// admin was shown.
type UnusedRow struct {
	Line    int
	Value   string
	Reason  string
	Message string
}

// The codes of UnusedRow.Reason.
const (
	UnusedBadRow   = "bad_row"
	UnusedNotFound = "not_found"
)

// WriteResultsCSV writes the results of a reset as CSV, one row per user
// under the header zuid,email,name,result,reason,delivery,line,explanation:
// email is the user's login (a mobile number for users without email),
// reason the skip reason's code and explanation its sentence, delivery the
// state of the message ("failed: " and the server's words when it failed),
// line the line of the attached file that named the user (lines, by zuid;
// blank for users added otherwise). The rows of that file that named
// nobody follow, as skipped rows with their line, so that the file keeps
// everything that was asked: read back as a bulk reset file, they are
// refused again by line. It never writes a password.
//
// Cells a spreadsheet would run as a formula (starting with = + - @, tab or
// CR) get a leading single quote, as OWASP advises against CSV injection.
// Lines end in CRLF, as RFC 4180 and Excel expect, and the file starts with
// a UTF-8 byte order mark: without one, Excel on Windows reads the file in
// the ANSI code page and "Zoë" becomes "ZoÃ«". The importers skip the mark,
// so the file reads back.
func WriteResultsCSV(w io.Writer, results []ResetResult, lines map[int64]int, unused []UnusedRow) error {
	failed := func(err error) error {
		return &Error{Code: EINTERNAL, Message: "Could not write the results file.", Err: err}
	}
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return failed(err)
	}
	cw := csv.NewWriter(w)
	cw.UseCRLF = true
	if err := cw.Write(resultsHeader); err != nil {
		return failed(err)
	}
	write := func(rec []string) error {
		for i := range rec {
			rec[i] = escapeFormula(rec[i])
		}
		return cw.Write(rec)
	}
	for _, r := range results {
		line, explanation := "", ""
		if n := lines[r.User.ID]; n > 0 {
			line = strconv.Itoa(n)
		}
		if r.Outcome != OutcomeReset {
			explanation = r.Reason.Sentence()
		}
		rec := []string{strconv.FormatInt(r.User.ID, 10), r.User.Login(), r.User.DisplayName,
			string(r.Outcome), string(r.Reason), deliveryText(r.Delivery), line, explanation}
		if err := write(rec); err != nil {
			return failed(err)
		}
	}
	for _, u := range unused {
		zuid, email := "", u.Value
		if isDigits(u.Value) {
			zuid, email = u.Value, ""
		}
		rec := []string{zuid, email, "", string(OutcomeSkipped), u.Reason, "", strconv.Itoa(u.Line), u.Message}
		if err := write(rec); err != nil {
			return failed(err)
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return failed(err)
	}
	return nil
}

func deliveryText(d Delivery) string {
	if d.Status == DeliveryFailed && d.LastError != "" {
		return string(d.Status) + ": " + d.LastError
	}
	return string(d.Status)
}

// escapeFormula prefixes s with a single quote when a spreadsheet would read
// it as a formula.
func escapeFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
