//! One storage story, run on SQLite and on PostgreSQL: both backends must
//! behave the same for everything the server relies on.

use leadscore_store::testing::{Backend, event, store};
use leadscore_store::{
    AccountScoreRow, Cursor, HistoryRow, LeadFilter, LeadRow, NewEvent, ScoreRow, StoreError,
};

leadscore_store::on_both!(
    repeated_message_ids_are_ignored,
    a_group_of_requests_is_stored_in_order,
    uncommitted_writes_vanish,
    unsynced_commits_are_visible_and_survive_reopening,
    the_applied_mark_follows_the_log_when_committed,
    a_flush_commits_beside_an_open_ingest,
    identities_route_events_to_leads,
    merging_moves_identities_and_history,
    ranked_list_pages_and_filters,
    the_ranked_list_follows_commits_once_read,
    erasing_a_lead_removes_only_its_data,
    activating_a_model_drops_other_versions,
    keys_are_found_by_hash_until_revoked,
    accounts_roll_up_and_page,
);

fn lead(id: &str, name: &str, account: Option<&str>, owner: Option<&str>) -> LeadRow {
    LeadRow {
        id: id.into(),
        profile: format!(r#"{{"name":"{name}"}}"#),
        name: Some(name.into()),
        email: Some(format!("{}@example.com", id.to_lowercase())),
        account: account.map(Into::into),
        owner: owner.map(Into::into),
        created_at: 1,
        updated_at: 1,
    }
}

fn score(version: i64, lead_id: &str, total: f64, stage: &str, cell: &str) -> ScoreRow {
    ScoreRow {
        model_version: version,
        lead_id: lead_id.into(),
        total,
        fit: total / 2.0,
        engagement: total / 2.0,
        groups: "{}".into(),
        bant: 2,
        cell: cell.into(),
        hot: cell == "A1",
        stage: stage.into(),
        manual_stage: false,
        email_quality: "corporate".into(),
        last_activity: Some(5),
        events: 3,
        reasons: "[]".into(),
        scored_at: 10,
    }
}

async fn repeated_message_ids_are_ignored(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let mut tx = s.begin().await.unwrap();
    let fresh = tx
        .insert_events(&[
            event("m1", "u1", 1),
            event("m2", "u1", 2),
            event("m1", "u1", 3),
        ])
        .await
        .unwrap();
    assert_eq!(fresh, [true, true, false]);
    tx.commit().await.unwrap();

    let mut tx = s.begin().await.unwrap();
    let fresh = tx
        .insert_events(&[event("m2", "u1", 2), event("m3", "u2", 4)])
        .await
        .unwrap();
    assert_eq!(fresh, [false, true]);
    tx.commit().await.unwrap();

    assert_eq!(s.event_count().await.unwrap(), 3);
    let all = s.events_after(0, 10).await.unwrap();
    assert_eq!(all.iter().map(|e| e.ts).collect::<Vec<_>>(), [1, 2, 4]);
    let rest = s.events_after(all[0].seq, 10).await.unwrap();
    assert_eq!(rest.len(), 2);

    // A large group keeps its order in the log.
    let many: Vec<NewEvent> = (0..300)
        .map(|i| event(&format!("many-{i}"), "u3", 100 + i))
        .collect();
    let mut tx = s.begin().await.unwrap();
    assert!(tx.insert_events(&many).await.unwrap().iter().all(|f| *f));
    tx.commit().await.unwrap();
    let stored = s.events_after(all[2].seq, 1000).await.unwrap();
    assert_eq!(
        stored.iter().map(|e| e.ts).collect::<Vec<_>>(),
        (100..400).collect::<Vec<i64>>()
    );
}

/// The writer stores a group of requests in one call: each request gets
/// its own flags, a message id is new only at its first appearance (in an
/// earlier request of the group or the log), and the log keeps the order.
async fn a_group_of_requests_is_stored_in_order(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let mut tx = s.begin().await.unwrap();
    tx.insert_events(&[event("m1", "u1", 1)]).await.unwrap();
    tx.commit().await.unwrap();

    let first = [event("m2", "u1", 2), event("m1", "u1", 3)];
    let second: [NewEvent; 0] = [];
    let third = [
        event("m3", "u2", 4),
        event("m2", "u2", 5),
        event("m3", "u2", 6),
    ];
    let mut tx = s.begin().await.unwrap();
    let fresh = tx
        .insert_event_groups(&[&first, &second, &third])
        .await
        .unwrap();
    assert_eq!(fresh, [vec![true, false], vec![], vec![true, false, false]]);
    tx.commit().await.unwrap();
    let stored = s.events_after(0, 10).await.unwrap();
    assert_eq!(stored.iter().map(|e| e.ts).collect::<Vec<_>>(), [1, 2, 4]);
}

async fn uncommitted_writes_vanish(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    {
        let mut tx = s.begin().await.unwrap();
        tx.insert_events(&[event("m1", "u1", 1)]).await.unwrap();
        tx.upsert_leads(&[lead("u1", "An", None, None)])
            .await
            .unwrap();
        tx.put_scores(&[score(1, "u1", 10.0, "lead", "B2")])
            .await
            .unwrap();
        // Dropped without commit.
    }
    assert_eq!(s.event_count().await.unwrap(), 0);
    assert!(s.lead("u1").await.unwrap().is_none());
    assert!(s.score(1, "u1").await.unwrap().is_none());
}

/// A commit made without waiting for the disk is seen by readers at once,
/// a later flush succeeds, and the writes are there when the database is
/// opened again (a crash of the process loses nothing committed).
async fn unsynced_commits_are_visible_and_survive_reopening(b: Backend) {
    let (s, db) = store(b).await.unwrap();
    for (i, id) in ["m1", "m2", "m3"].into_iter().enumerate() {
        let mut tx = s.begin().await.unwrap();
        tx.insert_events(&[event(id, "u1", i as i64)])
            .await
            .unwrap();
        tx.commit_unsynced().await.unwrap();
        assert_eq!(s.event_count().await.unwrap(), i as i64 + 1);
    }
    s.sync().await.unwrap();
    drop(s);
    let again = leadscore_store::open(&db.url).await.unwrap();
    assert_eq!(again.event_count().await.unwrap(), 3);
    again.sync().await.unwrap();
}

/// The mark of how far derived tables have caught up with the log starts
/// at 0, moves to the log's end only in a committed transaction, and moves
/// back when the last events are erased (SQLite may reuse their positions).
async fn the_applied_mark_follows_the_log_when_committed(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    assert_eq!(s.applied_seq().await.unwrap(), 0);
    let mut tx = s.begin().await.unwrap();
    tx.insert_events(&[event("m1", "u1", 1), event("m2", "u2", 2)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        s.applied_seq().await.unwrap(),
        0,
        "storing events marks nothing"
    );
    let seqs: Vec<i64> = s
        .events_after(0, 10)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect();

    {
        let mut tx = s.begin().await.unwrap();
        assert_eq!(tx.mark_applied().await.unwrap(), seqs[1]);
        // Dropped without commit.
    }
    assert_eq!(s.applied_seq().await.unwrap(), 0);
    let mut tx = s.begin().await.unwrap();
    assert_eq!(tx.mark_applied().await.unwrap(), seqs[1]);
    tx.commit().await.unwrap();
    assert_eq!(s.applied_seq().await.unwrap(), seqs[1]);

    let mut tx = s.begin().await.unwrap();
    tx.link_identities(&[("u2".into(), "u2".into())])
        .await
        .unwrap();
    tx.upsert_leads(&[lead("u2", "Bao", None, None)])
        .await
        .unwrap();
    assert_eq!(tx.erase_lead("u2").await.unwrap(), 1);
    assert_eq!(tx.mark_applied().await.unwrap(), seqs[0]);
    tx.commit().await.unwrap();
    assert_eq!(s.applied_seq().await.unwrap(), seqs[0]);
    assert_eq!(s.log_end().await.unwrap(), seqs[0]);

    // A flush beside event inserts marks the position it was given, not
    // the log's end: events committed meanwhile stay unapplied.
    let mut tx = s.begin().await.unwrap();
    tx.insert_events(&[event("m3", "u3", 3)]).await.unwrap();
    tx.commit().await.unwrap();
    let end = s.log_end().await.unwrap();
    assert!(end > seqs[0]);
    let mut tx = s.begin().await.unwrap();
    tx.mark_applied_through(seqs[0] - 1).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.applied_seq().await.unwrap(), seqs[0] - 1);
    assert_eq!(
        s.log_end().await.unwrap(),
        end,
        "marking leaves the log as it is"
    );
}

/// What lets the server write derived rows beside the next ingest commit:
/// a flush neither waits for an open ingest transaction nor sees its
/// events.
async fn a_flush_commits_beside_an_open_ingest(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let mut tx = s.begin().await.unwrap();
    tx.insert_events(&[event("m1", "u1", 1)]).await.unwrap();
    tx.commit().await.unwrap();
    let end = s.log_end().await.unwrap();

    let mut ingest = s.begin().await.unwrap();
    ingest.insert_events(&[event("m2", "u2", 2)]).await.unwrap();
    let flush = async {
        let mut f = s.begin_flush().await.unwrap();
        f.upsert_leads(&[lead("u1", "An", None, None)])
            .await
            .unwrap();
        f.mark_applied_through(end).await.unwrap();
        f.commit_unsynced().await.unwrap();
    };
    tokio::time::timeout(std::time::Duration::from_secs(5), flush)
        .await
        .expect("the flush waited for the open ingest transaction");
    assert_eq!(s.applied_seq().await.unwrap(), end);
    assert!(s.lead("u1").await.unwrap().is_some());
    assert_eq!(
        s.event_count().await.unwrap(),
        1,
        "the ingest is still open"
    );
    ingest.commit().await.unwrap();
    assert_eq!(s.event_count().await.unwrap(), 2);
    assert!(s.log_end().await.unwrap() > end);
}

async fn identities_route_events_to_leads(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let mut tx = s.begin().await.unwrap();
    let mut anon = event("a1", "anon-1", 1);
    anon.user_id = None;
    anon.anonymous_id = Some("anon-1".into());
    tx.insert_events(&[anon, event("m1", "u1", 2), event("m2", "u2", 3)])
        .await
        .unwrap();
    tx.upsert_leads(&[lead("u1", "An", None, None)])
        .await
        .unwrap();
    tx.link_identities(&[("u1".into(), "u1".into()), ("anon-1".into(), "u1".into())])
        .await
        .unwrap();
    let seen = tx.events_of(&["anon-1".into(), "u1".into()]).await.unwrap();
    assert_eq!(
        seen.len(),
        2,
        "events inserted in this transaction are visible"
    );
    tx.commit().await.unwrap();

    assert_eq!(s.lead_of("anon-1").await.unwrap().as_deref(), Some("u1"));
    assert_eq!(s.lead_of("nobody").await.unwrap(), None);
    let timeline = s.lead_events("u1", 10).await.unwrap();
    assert_eq!(
        timeline.iter().map(|e| e.ts).collect::<Vec<_>>(),
        [2, 1],
        "newest first, anonymous history included"
    );
    let mut ids = s.identities().await.unwrap();
    ids.sort();
    assert_eq!(ids.len(), 2);
}

async fn merging_moves_identities_and_history(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let mut tx = s.begin().await.unwrap();
    tx.insert_events(&[event("m1", "old", 1), event("m2", "new", 2)])
        .await
        .unwrap();
    tx.upsert_leads(&[
        lead("old", "Old", None, None),
        lead("new", "New", None, None),
    ])
    .await
    .unwrap();
    tx.link_identities(&[("old".into(), "old".into()), ("new".into(), "new".into())])
        .await
        .unwrap();
    tx.put_scores(&[score(1, "old", 5.0, "lead", "C3")])
        .await
        .unwrap();
    tx.add_history(&[HistoryRow {
        lead_id: "old".into(),
        model_version: 1,
        at: 1,
        total: 5.0,
        cell: "C3".into(),
        stage: "lead".into(),
        owner: None,
        cause: "event:m1".into(),
    }])
    .await
    .unwrap();
    tx.merge_lead("old", "new").await.unwrap();
    tx.commit().await.unwrap();

    assert!(s.lead("old").await.unwrap().is_none());
    assert!(s.score(1, "old").await.unwrap().is_none());
    assert_eq!(s.lead_of("old").await.unwrap().as_deref(), Some("new"));
    assert_eq!(s.lead_events("new", 10).await.unwrap().len(), 2);
    assert_eq!(s.history("new").await.unwrap().len(), 1);
}

async fn seed_ranked(s: &dyn leadscore_store::Store) {
    let mut tx = s.begin().await.unwrap();
    let mut leads = Vec::new();
    let mut scores = Vec::new();
    for i in 0..30 {
        let id = format!("L{i:02}");
        let account = (i % 3 == 0).then_some("acme");
        let owner = (i % 5 == 0).then_some("linh");
        leads.push(lead(&id, &format!("Người {i}"), account, owner));
        // Ties every two leads, so the cursor must break them by id.
        let total = f64::from(30 - i / 2);
        let stage = if i < 10 { "mql" } else { "lead" };
        let cell = if i < 4 { "A1" } else { "C3" };
        scores.push(score(1, &id, total, stage, cell));
    }
    leads.push(lead("odd", "100% _real_", None, None));
    scores.push(score(1, "odd", -5.0, "lead", "D4"));
    tx.upsert_leads(&leads).await.unwrap();
    tx.put_scores(&scores).await.unwrap();
    tx.commit().await.unwrap();
}

fn ids(rows: &[leadscore_store::LeadListRow]) -> Vec<String> {
    rows.iter().map(|r| r.score.lead_id.clone()).collect()
}

async fn ranked_list_pages_and_filters(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    seed_ranked(s.as_ref()).await;

    // Paging through everything visits each lead once, in rank order.
    let mut seen = Vec::new();
    let mut after: Option<Cursor> = None;
    loop {
        let f = LeadFilter {
            limit: 7,
            after: after.clone(),
            ..LeadFilter::default()
        };
        let page = s.ranked(1, &f).await.unwrap();
        if page.is_empty() {
            break;
        }
        let last = &page[page.len() - 1].score;
        after = Some(Cursor {
            total: last.total,
            lead_id: last.lead_id.clone(),
        });
        seen.extend(ids(&page));
    }
    assert_eq!(seen.len(), 31);
    assert_eq!(&seen[..3], ["L00", "L01", "L02"]);
    // One lead and its score read together, as the lead's page reads them.
    assert_eq!(
        s.lead_and_score("L00", 1).await.unwrap(),
        (
            s.lead("L00").await.unwrap(),
            s.score(1, "L00").await.unwrap()
        )
    );
    assert!(s.lead_and_score("L00", 1).await.unwrap().1.is_some());
    assert_eq!(s.lead_and_score("nobody", 1).await.unwrap(), (None, None));
    assert_eq!(seen.last().map(String::as_str), Some("odd"));

    let count = |f: LeadFilter| {
        let s = s.clone();
        async move {
            s.ranked(1, &LeadFilter { limit: 100, ..f })
                .await
                .unwrap()
                .len()
        }
    };
    let stage = |v: &str| Some(v.to_owned());
    assert_eq!(
        count(LeadFilter {
            stage: stage("mql"),
            ..Default::default()
        })
        .await,
        10
    );
    assert_eq!(
        count(LeadFilter {
            cell: stage("A1"),
            ..Default::default()
        })
        .await,
        4
    );
    assert_eq!(
        count(LeadFilter {
            hot_only: true,
            ..Default::default()
        })
        .await,
        4
    );
    assert_eq!(
        count(LeadFilter {
            account: stage("acme"),
            ..Default::default()
        })
        .await,
        10
    );
    assert_eq!(
        count(LeadFilter {
            owner: stage("linh"),
            ..Default::default()
        })
        .await,
        6
    );
    assert_eq!(
        count(LeadFilter {
            min_score: Some(25.0),
            max_score: Some(28.0),
            ..Default::default()
        })
        .await,
        8
    );
    // Case-insensitive, Unicode, and wildcards taken literally.
    assert_eq!(
        count(LeadFilter {
            search: stage("người 1"),
            ..Default::default()
        })
        .await,
        11
    );
    assert_eq!(
        count(LeadFilter {
            search: stage("100%"),
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        count(LeadFilter {
            search: stage("_real_"),
            ..Default::default()
        })
        .await,
        1
    );
    assert_eq!(
        count(LeadFilter {
            search: stage("l0_"),
            ..Default::default()
        })
        .await,
        0
    );
    assert_eq!(
        count(LeadFilter {
            search: stage("L0"),
            ..Default::default()
        })
        .await,
        10
    );
    // Another version sees nothing.
    assert!(
        s.ranked(
            2,
            &LeadFilter {
                limit: 10,
                ..Default::default()
            }
        )
        .await
        .unwrap()
        .is_empty()
    );
}

/// Every filter the list offers, one page of all.
fn every_filter() -> Vec<LeadFilter> {
    let some = |v: &str| Some(v.to_owned());
    let all = LeadFilter {
        limit: 100,
        ..LeadFilter::default()
    };
    vec![
        all.clone(),
        LeadFilter {
            stage: some("mql"),
            ..all.clone()
        },
        LeadFilter {
            cell: some("A1"),
            ..all.clone()
        },
        LeadFilter {
            hot_only: true,
            ..all.clone()
        },
        LeadFilter {
            account: some("acme"),
            ..all.clone()
        },
        LeadFilter {
            account: some("globex"),
            ..all.clone()
        },
        LeadFilter {
            owner: some("linh"),
            ..all.clone()
        },
        LeadFilter {
            search: some("NGƯỜI 2"),
            ..all.clone()
        },
        LeadFilter {
            min_score: Some(20.0),
            max_score: Some(40.0),
            after: Some(Cursor {
                total: 28.0,
                lead_id: "L04".into(),
            }),
            ..all
        },
    ]
}

/// The list as `s` shows it, for `version`, under every filter.
async fn lists(s: &dyn leadscore_store::Store, version: i64) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for f in every_filter() {
        out.push(ids(&s.ranked(version, &f).await.unwrap()));
    }
    out
}

/// The list is kept in memory once read; every later commit must move it
/// exactly as reading the tables afresh (another store on the database)
/// would show it, and a rolled-back transaction must not.
async fn the_ranked_list_follows_commits_once_read(b: Backend) {
    let (s, db) = store(b).await.unwrap();
    let v1 = s.insert_model("first", "[model]", 1).await.unwrap();
    let v2 = s.insert_model("second", "[model]", 2).await.unwrap();
    seed_ranked(s.as_ref()).await;
    assert_eq!(lists(s.as_ref(), v1).await[0].len(), 31);

    let mut tx = s.begin().await.unwrap();
    tx.put_scores(&[
        score(v1, "L29", 99.0, "mql", "A1"),
        score(v1, "L05", 1.0, "lead", "C3"),
        score(v2, "L07", 3.0, "sql", "B2"),
    ])
    .await
    .unwrap();
    tx.upsert_leads(&[
        lead("L00", "Người 200", Some("globex"), None),
        lead("L10", "Renamed", Some("acme"), Some("linh")),
        lead("new", "Người 2 mới", Some("globex"), Some("linh")),
    ])
    .await
    .unwrap();
    tx.put_scores(&[score(v1, "new", 50.0, "mql", "A1")])
        .await
        .unwrap();
    tx.merge_lead("L01", "L02").await.unwrap();
    tx.erase_lead("L03").await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = s.begin().await.unwrap();
    tx.put_scores(&[score(v1, "L20", 1000.0, "mql", "A1")])
        .await
        .unwrap();
    drop(tx);

    let fresh = leadscore_store::open(&db.url).await.unwrap();
    let now = lists(s.as_ref(), v1).await;
    assert_eq!(now, lists(fresh.as_ref(), v1).await);
    assert_eq!(&now[0][..2], ["L29", "new"]);
    assert!(!now[0].iter().any(|id| id == "L01" || id == "L03"));
    assert_eq!(now[5], ["new", "L00"]);
    assert_eq!(lists(s.as_ref(), v2).await, lists(fresh.as_ref(), v2).await);
    assert_eq!(
        s.cell_stage_counts(v1).await.unwrap(),
        fresh.cell_stage_counts(v1).await.unwrap()
    );

    let mut tx = s.begin().await.unwrap();
    tx.activate_model(v2).await.unwrap();
    tx.commit().await.unwrap();
    assert!(lists(s.as_ref(), v1).await.iter().all(Vec::is_empty));
    assert_eq!(lists(s.as_ref(), v2).await[0], ["L07"]);
    let after = leadscore_store::open(&db.url).await.unwrap();
    assert_eq!(lists(s.as_ref(), v2).await, lists(after.as_ref(), v2).await);
    assert_eq!(
        s.cell_stage_counts(v2).await.unwrap(),
        after.cell_stage_counts(v2).await.unwrap()
    );
}

async fn erasing_a_lead_removes_only_its_data(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let mut tx = s.begin().await.unwrap();
    let mut anon = event("a1", "anon-1", 1);
    anon.user_id = None;
    tx.insert_events(&[anon, event("m1", "u1", 2), event("m2", "u2", 3)])
        .await
        .unwrap();
    tx.upsert_leads(&[lead("u1", "An", None, None), lead("u2", "Bình", None, None)])
        .await
        .unwrap();
    tx.link_identities(&[
        ("u1".into(), "u1".into()),
        ("anon-1".into(), "u1".into()),
        ("u2".into(), "u2".into()),
    ])
    .await
    .unwrap();
    tx.put_scores(&[
        score(1, "u1", 1.0, "lead", "D4"),
        score(1, "u2", 2.0, "lead", "D4"),
    ])
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let mut tx = s.begin().await.unwrap();
    assert_eq!(tx.erase_lead("u1").await.unwrap(), 2);
    tx.commit().await.unwrap();
    assert!(s.lead("u1").await.unwrap().is_none());
    assert!(s.score(1, "u1").await.unwrap().is_none());
    assert_eq!(s.lead_of("anon-1").await.unwrap(), None);
    assert_eq!(s.event_count().await.unwrap(), 1);
    assert!(s.lead("u2").await.unwrap().is_some());
    assert!(s.score(1, "u2").await.unwrap().is_some());
}

async fn activating_a_model_drops_other_versions(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let v1 = s.insert_model("first", "[model]", 1).await.unwrap();
    let v2 = s.insert_model("second", "[model]", 2).await.unwrap();
    assert!(v2 > v1);
    let mut tx = s.begin().await.unwrap();
    tx.upsert_leads(&[lead("u1", "An", None, None)])
        .await
        .unwrap();
    tx.put_scores(&[
        score(v1, "u1", 1.0, "lead", "D4"),
        score(v2, "u1", 2.0, "lead", "D4"),
    ])
    .await
    .unwrap();
    tx.activate_model(v2).await.unwrap();
    tx.commit().await.unwrap();

    let models = s.models().await.unwrap();
    assert_eq!(models[0].version, v2);
    assert!(models[0].active && !models[1].active);
    assert!(s.score(v1, "u1").await.unwrap().is_none());
    assert_eq!(s.score(v2, "u1").await.unwrap().map(|r| r.total), Some(2.0));

    let mut tx = s.begin().await.unwrap();
    let err = tx.activate_model(99).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
}

async fn keys_are_found_by_hash_until_revoked(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let id = s
        .insert_key("site", "write", "abc123", "lsk_w_ab", 1)
        .await
        .unwrap();
    let found = s.key_by_hash("abc123").await.unwrap().unwrap();
    assert_eq!((found.id, found.role.as_str()), (id, "write"));
    assert!(s.key_by_hash("other").await.unwrap().is_none());
    assert!(s.revoke_key(id, 2).await.unwrap());
    assert!(!s.revoke_key(id, 3).await.unwrap(), "already revoked");
    assert!(s.key_by_hash("abc123").await.unwrap().is_none());
    assert_eq!(s.keys().await.unwrap()[0].revoked_at, Some(2));
}

async fn accounts_roll_up_and_page(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let mut tx = s.begin().await.unwrap();
    let rows: Vec<AccountScoreRow> = (0..5)
        .map(|i| AccountScoreRow {
            model_version: 1,
            account_id: format!("acc{i}"),
            contacts: i + 1,
            engaged_contacts: i,
            hot_contacts: 0,
            best_fit: 10.0,
            total_engagement: f64::from(i32::try_from(i / 2).unwrap()),
            best_total: 20.0,
        })
        .collect();
    tx.put_account_scores(&rows).await.unwrap();
    tx.upsert_account(&leadscore_store::AccountRow {
        id: "acc1".into(),
        traits: r#"{"name":"Acme"}"#.into(),
        updated_at: 1,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();

    let first = s.account_scores(1, None, 2).await.unwrap();
    assert_eq!(
        first
            .iter()
            .map(|a| a.account_id.as_str())
            .collect::<Vec<_>>(),
        ["acc4", "acc2"]
    );
    let last = &first[1];
    let next = s
        .account_scores(
            1,
            Some((last.total_engagement, last.account_id.clone())),
            10,
        )
        .await
        .unwrap();
    assert_eq!(
        next.iter()
            .map(|a| a.account_id.as_str())
            .collect::<Vec<_>>(),
        ["acc3", "acc0", "acc1"]
    );
    assert_eq!(
        s.account_score(1, "acc3").await.unwrap().unwrap().contacts,
        4
    );
    assert!(
        s.account("acc1")
            .await
            .unwrap()
            .unwrap()
            .traits
            .contains("Acme")
    );
}
