//! The SQLite store keeps its event log in a file of its own beside the
//! main file (`log_file`); a database from before that split opens with
//! its events moved across.

use leadscore_store::testing::event;

#[tokio::test]
async fn a_database_from_before_the_split_opens_with_its_events() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("leadscore.db");
    let log = dir.path().join("leadscore-events.db");
    let url = format!("sqlite://{}", main.display());
    {
        let s = leadscore_store::open(&url).await.unwrap();
        let mut tx = s.begin().await.unwrap();
        tx.insert_events(&[event("m1", "u1", 1), event("m2", "u2", 2)])
            .await
            .unwrap();
        tx.link_identities(&[("u1".into(), "u1".into())])
            .await
            .unwrap();
        assert_eq!(tx.mark_applied().await.unwrap(), 2);
        tx.commit().await.unwrap();
        assert!(log.exists(), "the log file is beside the main file");
    }
    // The layout of before: the events in the main file, no log file.
    let conn = rusqlite::Connection::open(&main).unwrap();
    conn.execute("ATTACH DATABASE ?1 AS log", [log.to_string_lossy()])
        .unwrap();
    conn.execute_batch(
        "CREATE TABLE main.events (seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE, \
         identity TEXT NOT NULL, user_id TEXT, anonymous_id TEXT, kind TEXT NOT NULL, \
         name TEXT NOT NULL, ts INTEGER NOT NULL, received_at INTEGER NOT NULL, \
         body TEXT NOT NULL); \
         INSERT INTO main.events SELECT * FROM log.events; DETACH DATABASE log;",
    )
    .unwrap();
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let mut name = log.as_os_str().to_owned();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }

    let s = leadscore_store::open(&url).await.unwrap();
    assert_eq!(s.event_count().await.unwrap(), 2);
    assert_eq!(s.log_end().await.unwrap(), 2);
    assert_eq!(s.applied_seq().await.unwrap(), 2);
    let events = s.lead_events("u1", 10).await.unwrap();
    assert_eq!(events.len(), 1, "events join identities across the files");
    let mut tx = s.begin().await.unwrap();
    assert_eq!(
        tx.insert_events(&[event("m2", "u2", 2), event("m3", "u1", 3)])
            .await
            .unwrap(),
        vec![false, true],
        "message ids moved with their events"
    );
    tx.commit().await.unwrap();
    assert_eq!(
        s.log_end().await.unwrap(),
        3,
        "after the positions moved across"
    );
}
