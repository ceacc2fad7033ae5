package workflow

import (
	"database/sql"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/expeditor-be/expeditor/batch"
	"github.com/expeditor-be/expeditor/internal/proc"
)

// staleLock is how old a claim made on another machine (a shared
// configuration folder) must be before it is taken over: its process
// cannot be asked whether it still runs.
const staleLock = 6 * time.Hour

// BusyError: another process is sending the set to the same account.
type BusyError struct {
	Set     string
	Account string
	PID     int
	Host    string
	Since   time.Time
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("%s is being sent to %s by another Expeditor (process %d on %s, since %s)",
		e.Set, e.Account, e.PID, e.Host, e.Since.Local().Format("2006-01-02 15:04:05"))
}

// ErrBusy is matched by every *BusyError.
var ErrBusy = errors.New("the set is being sent by another process")

func (e *BusyError) Is(target error) bool { return target == ErrBusy }

func hostname() string {
	h, _ := os.Hostname()
	return h
}

// Claim marks the set as being sent to the account by this process, in
// one transaction: a second claim, from any process, fails at once with a
// *BusyError while the first holder lives. The claim is dropped by
// release, or taken over once its process is gone. prepared, when given,
// opens the record's timeline with the digests of the set as checked.
// check, when given, sees the record as it is inside the transaction
// (nil when there is none) and may refuse the claim with an error.
func (l *Ledger) Claim(account string, set batch.Set, prepared []FileDigest, check func(*Record) error) (release func(), err error) {
	pid, host, now := os.Getpid(), hostname(), time.Now()
	err = l.tx(func(tx *sql.Tx) error {
		var lockPID int
		var lockHost string
		var lockTime int64
		err := tx.QueryRow(`SELECT lock_pid, lock_host, lock_time FROM declarations WHERE account=? AND env=? AND set_name=?`,
			account, string(set.Base.Env), set.Key()).Scan(&lockPID, &lockHost, &lockTime)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return ledgerError(l.path, err)
		}
		if lockPID != 0 {
			since := fromNanos(lockTime)
			held := lockHost == host && proc.Alive(lockPID) ||
				lockHost != host && now.Sub(since) < staleLock
			if held {
				return &BusyError{Set: set.Key(), Account: account, PID: lockPID, Host: lockHost, Since: since}
			}
		}
		if check != nil {
			rec, err := getRecord(tx, account, set.Base.Env, set.Key())
			if err != nil {
				return ledgerError(l.path, err)
			}
			if err := check(rec); err != nil {
				return err
			}
		}
		if len(prepared) > 0 {
			if _, err := addEvent(tx, account, set.Base.Env, set.Key(), set.Dir, Event{Time: now, State: StatePrepared, Files: prepared}); err != nil {
				return ledgerError(l.path, err)
			}
		}
		rec, err := addEvent(tx, account, set.Base.Env, set.Key(), set.Dir, Event{Time: now, State: StateSending, PID: pid})
		if err != nil {
			return ledgerError(l.path, err)
		}
		_, err = tx.Exec(`UPDATE declarations SET lock_pid=?, lock_host=?, lock_time=? WHERE id=?`, pid, host, nanos(now), rec.ID)
		if err != nil {
			return ledgerError(l.path, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return func() {
		l.db.Exec(`UPDATE declarations SET lock_pid=0, lock_host='', lock_time=0 WHERE account=? AND env=? AND set_name=? AND lock_pid=?`,
			account, string(set.Base.Env), set.Key(), pid)
	}, nil
}
