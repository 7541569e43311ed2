package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/crypto/bcrypt"
)

// Errors of the accounts file.
var (
	// ErrNoAccount is returned by Accounts.Remove for a name that has no
	// account.
	ErrNoAccount = errors.New("no such researcher account")
	// ErrAccountExists is returned by Accounts.Add for a name that already
	// has an account.
	ErrAccountExists = errors.New("researcher account exists")
	// ErrBadName is returned by Accounts.Add for a name that is empty, too
	// long, or has characters other than letters, digits, '.', '-' and '_'.
	ErrBadName = errors.New("invalid researcher name (use letters, digits, '.', '-', '_'; at most 64)")
	// ErrWeakPassword is returned by Accounts.Add for a password shorter
	// than MinPassword characters.
	ErrWeakPassword = fmt.Errorf("password too short (at least %d characters)", MinPassword)
)

// MinPassword is the shortest password Accounts.Add accepts.
const MinPassword = 12

// Account is one researcher who may sign in. The password is kept only as
// a bcrypt hash.
type Account struct {
	Name    string    `json:"name"`
	Hash    string    `json:"bcrypt"`
	Admin   bool      `json:"admin,omitempty"`
	Created time.Time `json:"created"`
}

// Accounts is the file of researcher accounts (JSON, mode 0600). It is read
// anew on every sign-in, so accounts added or removed on the command line
// count at once, without a restart.
type Accounts struct {
	path string
	mu   sync.Mutex
}

// OpenAccounts returns the accounts file at path; the file need not exist
// yet (then nobody can sign in).
func OpenAccounts(path string) *Accounts { return &Accounts{path: path} }

// Path returns the file's path.
func (a *Accounts) Path() string { return a.path }

func (a *Accounts) load() ([]Account, error) {
	data, err := os.ReadFile(a.path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read accounts %s: %w", a.path, err)
	}
	var list []Account
	if err := json.Unmarshal(data, &list); err != nil {
		return nil, fmt.Errorf("read accounts %s: %w", a.path, err)
	}
	return list, nil
}

func (a *Accounts) save(list []Account) error {
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	data, err := json.MarshalIndent(list, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(a.path, append(data, '\n'))
}

// List returns the accounts, sorted by name.
func (a *Accounts) List() ([]Account, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	list, err := a.load()
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	return list, err
}

// CheckPassword returns ErrWeakPassword for a password shorter than
// MinPassword, and an error for one longer than bcrypt reads (72 bytes).
func CheckPassword(password string) error {
	if len([]rune(password)) < MinPassword {
		return ErrWeakPassword
	}
	if len(password) > 72 {
		return errors.New("password too long (at most 72 bytes)")
	}
	return nil
}

// Add creates an account with a bcrypt hash of password. Returns
// ErrBadName, ErrWeakPassword or ErrAccountExists.
func (a *Accounts) Add(name, password string, admin bool, now time.Time) error {
	if !validName(name) {
		return ErrBadName
	}
	if err := CheckPassword(password); err != nil {
		return err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.DefaultCost)
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	list, err := a.load()
	if err != nil {
		return err
	}
	for _, acc := range list {
		if strings.EqualFold(acc.Name, name) {
			return fmt.Errorf("%w: %s", ErrAccountExists, name)
		}
	}
	list = append(list, Account{Name: name, Hash: string(hash), Admin: admin, Created: now.UTC()})
	return a.save(list)
}

// Remove deletes the account of name. Returns ErrNoAccount when there is
// none. Sessions of the account end at their next request.
func (a *Accounts) Remove(name string) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	list, err := a.load()
	if err != nil {
		return err
	}
	for i, acc := range list {
		if acc.Name == name {
			return a.save(append(list[:i], list[i+1:]...))
		}
	}
	return fmt.Errorf("%w: %s", ErrNoAccount, name)
}

// dummyHash keeps a sign-in for an unknown name as slow as for a known one.
var dummyHash, _ = bcrypt.GenerateFromPassword([]byte("no account has this password"), bcrypt.DefaultCost)

// check returns the account when name and password match; ok is false
// otherwise.
func (a *Accounts) check(name, password string) (Account, bool, error) {
	a.mu.Lock()
	list, err := a.load()
	a.mu.Unlock()
	if err != nil {
		return Account{}, false, err
	}
	for _, acc := range list {
		if acc.Name == name {
			return acc, bcrypt.CompareHashAndPassword([]byte(acc.Hash), []byte(password)) == nil, nil
		}
	}
	_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
	return Account{}, false, nil
}

// lookup returns the current account of name, to end sessions of removed
// accounts and to pick up a changed admin flag.
func (a *Accounts) lookup(name string) (Account, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	list, err := a.load()
	if err != nil {
		return Account{}, false
	}
	for _, acc := range list {
		if acc.Name == name {
			return acc, true
		}
	}
	return Account{}, false
}

func validName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// writeFileAtomic writes data to path (mode 0600) through a temporary file
// in the same folder and a rename, so readers see the old or the new file,
// never half of one.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after a successful rename this finds nothing
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
