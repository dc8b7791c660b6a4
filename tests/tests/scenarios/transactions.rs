//! Transactions: a failing statement inside `begin … commit` leaves nothing
//! applied, and two sessions updating the same row get one commit and one
//! retryable conflict, with nothing lost.

use kalavar::client::ClientError;
use kalavar_protocol::Role;

use super::common::{World, rows, run, still_usable, table};

fn accounts(w: &mut World) {
    run(
        &mut w.root,
        "create namespace bank;
         create shared table bank.accounts (id int64 key, balance int64 not null);
         insert into bank.accounts {id: 1, balance: 100}, {id: 2, balance: 50};",
    );
}

const BALANCES: &str = "from bank.accounts | select id, balance";

#[test]
fn a_failing_statement_leaves_nothing_applied() {
    let mut w = World::new();
    accounts(&mut w);
    let mut alice = w.connect("alice", Role::User);
    let outcome = alice.transaction(|c| {
        c.query(
            "from bank.accounts | where id == 1 | update balance = balance - 30",
            &[],
        )?;
        c.query("insert into bank.accounts {id: 3, balance: 1}", &[])?;
        // Division by zero fails at run time, in the VM.
        c.query(
            "from bank.accounts | where id == 2 | update balance = balance / 0",
            &[],
        )?;
        Ok(())
    });
    assert!(outcome.is_err(), "the transaction must fail");
    assert_eq!(
        rows(&mut alice, BALANCES),
        table(&[&["1", "100"], &["2", "50"]]),
        "neither the update nor the insert was applied"
    );
    still_usable(&mut alice);
}

#[test]
fn a_transaction_sees_its_own_writes_and_rollback_discards_them() {
    let mut w = World::new();
    accounts(&mut w);
    let mut alice = w.connect("alice", Role::User);
    let mut bob = w.connect("bob", Role::User);
    alice.begin().unwrap();
    run(
        &mut alice,
        "from bank.accounts | where id == 1 | update balance = 0",
    );
    assert_eq!(
        rows(
            &mut alice,
            "from bank.accounts | where id == 1 | select balance"
        ),
        table(&[&["0"]]),
        "read your own writes"
    );
    assert_eq!(
        rows(
            &mut bob,
            "from bank.accounts | where id == 1 | select balance"
        ),
        table(&[&["100"]]),
        "others do not see uncommitted writes"
    );
    alice.rollback().unwrap();
    assert_eq!(
        rows(&mut alice, BALANCES),
        table(&[&["1", "100"], &["2", "50"]])
    );
}

#[test]
fn concurrent_updates_of_one_row_conflict_and_nothing_is_lost() {
    let mut w = World::new();
    accounts(&mut w);
    let mut alice = w.connect("alice", Role::User);
    let mut bob = w.connect("bob", Role::User);
    let add =
        |n: i64| format!("from bank.accounts | where id == 1 | update balance = balance + {n}");
    alice.begin().unwrap();
    bob.begin().unwrap();
    let a = alice.query(&add(10), &[]);
    let b = bob.query(&add(5), &[]);
    let a = a.and_then(|_| alice.commit());
    let b = b.and_then(|_| bob.commit());
    let (committed, conflicted): (Vec<_>, Vec<_>) = [("alice", a), ("bob", b)]
        .into_iter()
        .partition(|(_, r)| r.is_ok());
    assert_eq!(committed.len(), 1, "exactly one commits");
    let (loser, error) = &conflicted[0];
    let error: &ClientError = error.as_ref().unwrap_err();
    assert!(
        error.is_retryable(),
        "{loser} gets the retryable error, got {error}"
    );
    // The loser retries and both additions are there.
    let (client, n) = if *loser == "alice" {
        (&mut alice, 10)
    } else {
        (&mut bob, 5)
    };
    let _ = client.rollback();
    client
        .transaction(|c| c.query(&add(n), &[]).map(drop))
        .expect("the retry commits");
    assert_eq!(
        rows(
            &mut alice,
            "from bank.accounts | where id == 1 | select balance"
        ),
        table(&[&["115"]])
    );
}
