//! Durable prepared inserts from several clients at once (`storage.fsync = "always"`,
//! the default): the server commits them on its commit thread, several per sync when
//! they arrive together. Every acknowledged row is there, and a key that all the
//! clients insert at the same moment lands once: the others get `S111`.

use std::sync::{Arc, Barrier};

use kalavar::client::Param;
use kalavar_protocol::Value;

use super::common::{World, rows, run, table};

const CLIENTS: i64 = 4;
const ROWS: i64 = 25;

#[test]
fn concurrent_durable_inserts_all_land_and_a_shared_key_lands_once() {
    let mut w = World::new();
    run(
        &mut w.root,
        "create namespace app; create shared table app.log (id int64 key, who int64 not null)",
    );
    let barrier = Arc::new(Barrier::new(CLIENTS as usize));
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let mut client = w.ts.root_client();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let mut insert = client
                    .prepare("insert into app.log {id: $id, who: $who}")
                    .unwrap();
                let param = |name: &str, v: i64| Param {
                    name: name.into(),
                    value: Value::Int(v),
                };
                for i in 0..ROWS {
                    let id = c * 1000 + i;
                    let r = client
                        .execute_prepared(&mut insert, &[param("id", id), param("who", c)])
                        .unwrap_or_else(|e| panic!("insert {id}: {e}"));
                    assert_eq!(r.rows_affected, 1);
                }
                barrier.wait();
                client
                    .execute_prepared(&mut insert, &[param("id", -1), param("who", c)])
                    .map_err(|e| e.code().map(str::to_owned))
            })
        })
        .collect();
    let outcomes: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let won: Vec<i64> = (0..CLIENTS)
        .filter(|c| outcomes[*c as usize].is_ok())
        .collect();
    assert_eq!(won.len(), 1, "{outcomes:?}");
    for o in outcomes.iter().filter(|o| o.is_err()) {
        assert_eq!(o.as_ref().unwrap_err().as_deref(), Some("S111"), "{o:?}");
    }
    assert_eq!(
        rows(
            &mut w.root,
            "from app.log | aggregate n = count(), s = sum(who)"
        ),
        table(&[&[
            &(CLIENTS * ROWS + 1).to_string(),
            &(ROWS * (0..CLIENTS).sum::<i64>() + won[0]).to_string()
        ]])
    );
    assert_eq!(
        rows(&mut w.root, "from app.log | where id == -1 | select who"),
        table(&[&[&won[0].to_string()]])
    );
}
