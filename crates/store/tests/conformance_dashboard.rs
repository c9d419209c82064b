//! The dashboard's storage story (users, sessions, recent history per lead,
//! counts per cell and stage), run on both backends.

use leadscore_store::testing::{Backend, store};
use leadscore_store::{CellStageCount, HistoryRow, LeadRow, ScoreRow, SessionRow};

leadscore_store::on_both!(
    users_are_unique_by_email_and_sessions_expire,
    recent_history_keeps_the_latest_entries_per_lead,
    leads_are_counted_per_cell_and_stage,
);

fn session(token: &str, user_id: i64, expires_at: i64) -> SessionRow {
    SessionRow {
        token_hash: token.into(),
        user_id,
        csrf: format!("csrf-{token}"),
        created_at: 1,
        expires_at,
    }
}

async fn users_are_unique_by_email_and_sessions_expire(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let id = s
        .insert_user("lan@acme.vn", "$argon2id$x", "sales", 1)
        .await
        .unwrap()
        .expect("created");
    assert_eq!(
        s.insert_user("lan@acme.vn", "$argon2id$y", "admin", 2)
            .await
            .unwrap(),
        None,
        "the email is taken"
    );
    let u = s.user_by_email("lan@acme.vn").await.unwrap().unwrap();
    assert_eq!((u.id, u.role.as_str()), (id, "sales"));
    assert!(s.user_by_email("other@acme.vn").await.unwrap().is_none());

    s.insert_session(&session("t1", id, 100)).await.unwrap();
    s.insert_session(&session("t2", id, 10)).await.unwrap();
    let (found, user) = s.session("t1", 50).await.unwrap().unwrap();
    assert_eq!(
        (found.csrf.as_str(), user.email.as_str()),
        ("csrf-t1", "lan@acme.vn")
    );
    assert!(s.session("t2", 50).await.unwrap().is_none(), "expired");
    assert!(
        s.session("t1", 100).await.unwrap().is_none(),
        "ends at expiry"
    );

    assert!(s.set_user_role(id, "marketing").await.unwrap());
    assert_eq!(
        s.session("t1", 50).await.unwrap().unwrap().1.role,
        "marketing"
    );
    assert!(s.set_user_password(id, "$argon2id$z").await.unwrap());
    assert!(
        s.session("t1", 50).await.unwrap().is_none(),
        "a new password ends sessions"
    );

    s.insert_session(&session("t3", id, 100)).await.unwrap();
    s.delete_session("t3", 50).await.unwrap();
    assert!(s.session("t3", 50).await.unwrap().is_none(), "logged out");

    s.insert_session(&session("t4", id, 100)).await.unwrap();
    assert!(s.delete_user(id).await.unwrap());
    assert!(!s.delete_user(id).await.unwrap());
    assert!(s.session("t4", 50).await.unwrap().is_none());
    assert!(s.users().await.unwrap().is_empty());
}

fn lead(id: &str) -> LeadRow {
    LeadRow {
        id: id.into(),
        profile: "{}".into(),
        name: None,
        email: None,
        account: None,
        owner: None,
        created_at: 1,
        updated_at: 1,
    }
}

async fn recent_history_keeps_the_latest_entries_per_lead(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let mut tx = s.begin().await.unwrap();
    tx.upsert_leads(&[lead("a"), lead("b"), lead("c")])
        .await
        .unwrap();
    let rows: Vec<HistoryRow> = ["a", "b"]
        .iter()
        .flat_map(|id| {
            (0..5).map(move |i| HistoryRow {
                lead_id: (*id).into(),
                model_version: 1,
                at: 10 * i,
                total: f64::from(i32::try_from(i).unwrap()),
                cell: "B2".into(),
                stage: "mql".into(),
                owner: None,
                cause: format!("event:{id}{i}"),
            })
        })
        .collect();
    tx.add_history(&rows).await.unwrap();
    tx.commit().await.unwrap();
    let got = s
        .recent_history(&["a".into(), "b".into(), "c".into()], 3)
        .await
        .unwrap();
    let seen: Vec<(String, i64)> = got.iter().map(|h| (h.lead_id.clone(), h.at)).collect();
    let want: Vec<(String, i64)> = [
        ("a", 20),
        ("a", 30),
        ("a", 40),
        ("b", 20),
        ("b", 30),
        ("b", 40),
    ]
    .iter()
    .map(|(l, at)| ((*l).to_owned(), *at))
    .collect();
    assert_eq!(seen, want);
    assert!(s.recent_history(&[], 3).await.unwrap().is_empty());
}

fn score(lead_id: &str, cell: &str, stage: &str) -> ScoreRow {
    ScoreRow {
        model_version: 1,
        lead_id: lead_id.into(),
        total: 10.0,
        fit: 5.0,
        engagement: 5.0,
        groups: "{}".into(),
        bant: 0,
        cell: cell.into(),
        hot: cell == "A1",
        stage: stage.into(),
        manual_stage: false,
        email_quality: "corporate".into(),
        last_activity: None,
        events: 0,
        reasons: "[]".into(),
        scored_at: 1,
    }
}

async fn leads_are_counted_per_cell_and_stage(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let mut tx = s.begin().await.unwrap();
    tx.upsert_leads(&[lead("a"), lead("b"), lead("c")])
        .await
        .unwrap();
    tx.put_scores(&[
        score("a", "A1", "sql"),
        score("b", "A1", "sql"),
        score("c", "C3", "lead"),
    ])
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let count = |cell: &str, stage: &str, leads| CellStageCount {
        cell: cell.into(),
        stage: stage.into(),
        leads,
    };
    assert_eq!(
        s.cell_stage_counts(1).await.unwrap(),
        vec![count("A1", "sql", 2), count("C3", "lead", 1)]
    );
    assert!(s.cell_stage_counts(2).await.unwrap().is_empty());
}
