//! The hand-off's storage story (trigger states, the outbox and its
//! attempts, offers, feedback, stage entries), run on both backends.

use leadscore_store::testing::{Backend, store};
use leadscore_store::{
    AttemptOutcome, AttemptRow, FeedbackRow, HistoryRow, LeadRow, NewDelivery, OfferRow,
    TriggerStateRow, WebhookRow, status,
};

leadscore_store::on_both!(
    trigger_states_and_counters_round_trip,
    the_outbox_moves_deliveries_through_their_attempts,
    offers_feedback_and_stage_entries_follow_their_lead,
);

fn lead(id: &str, created_at: i64) -> LeadRow {
    LeadRow {
        id: id.into(),
        profile: r#"{"source":"google"}"#.into(),
        name: None,
        email: None,
        account: None,
        owner: None,
        created_at,
        updated_at: created_at,
    }
}

async fn trigger_states_and_counters_round_trip(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let row = |lead: &str, armed| TriggerStateRow {
        lead_id: lead.into(),
        trigger: "mql".into(),
        armed,
        at: 5,
    };
    let mut tx = s.begin().await.unwrap();
    tx.put_trigger_states(&[row("a", false), row("b", false)])
        .await
        .unwrap();
    tx.put_counters(&[("round-robin:mql".into(), 3)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let mut tx = s.begin().await.unwrap();
    tx.put_trigger_states(&[row("a", true)]).await.unwrap();
    tx.clear_trigger_states(&[("b".into(), "mql".into())])
        .await
        .unwrap();
    tx.put_counters(&[("round-robin:mql".into(), 4)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.trigger_states().await.unwrap(), vec![row("a", true)]);
    assert_eq!(
        s.counters().await.unwrap(),
        vec![("round-robin:mql".into(), 4)]
    );
    // Uncommitted states vanish with their transaction.
    let mut tx = s.begin().await.unwrap();
    tx.put_trigger_states(&[row("c", false)]).await.unwrap();
    drop(tx);
    assert_eq!(s.trigger_states().await.unwrap().len(), 1);
}

async fn the_outbox_moves_deliveries_through_their_attempts(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let hook = WebhookRow {
        name: "crm".into(),
        url: "http://127.0.0.1:9/x".into(),
        secret: "s".repeat(16),
        timeout_ms: 500,
        max_attempts: 2,
        created_at: 1,
    };
    s.put_webhook(&hook).await.unwrap();
    s.put_webhook(&WebhookRow {
        timeout_ms: 900,
        ..hook.clone()
    })
    .await
    .unwrap();
    assert_eq!(s.webhooks().await.unwrap()[0].timeout_ms, 900);
    let d = |id: &str, lead: &str, at| NewDelivery {
        delivery_id: id.into(),
        webhook: "crm".into(),
        lead_id: lead.into(),
        trigger: "mql".into(),
        payload: "{}".into(),
        created_at: at,
    };
    let mut tx = s.begin().await.unwrap();
    tx.enqueue(&[d("d1", "a", 10), d("d2", "b", 20)])
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.next_due().await.unwrap(), Some(10));
    let due = s.due_deliveries(15, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].delivery_id.as_str(), due[0].status.as_str()),
        ("d1", "pending")
    );
    let attempt = |id, at, code: Option<i64>, st, next| AttemptOutcome {
        attempt: AttemptRow {
            outbox_id: id,
            at,
            status_code: code,
            error: code.is_none().then(|| "down".to_owned()),
            duration_ms: 3,
        },
        status: st,
        next_attempt_at: next,
    };
    let id = due[0].id;
    s.record_attempt(&attempt(id, 15, None, status::PENDING, 100))
        .await
        .unwrap();
    assert!(
        s.due_deliveries(50, 10)
            .await
            .unwrap()
            .iter()
            .all(|r| r.id != id)
    );
    s.record_attempt(&attempt(id, 100, None, status::DEAD, 100))
        .await
        .unwrap();
    let dead = s.delivery(id).await.unwrap().unwrap();
    assert_eq!((dead.status.as_str(), dead.attempts), ("dead", 2));
    assert_eq!(dead.last_error.as_deref(), Some("down"));
    // A finished delivery takes no more attempts.
    s.record_attempt(&attempt(id, 101, Some(200), status::DELIVERED, 101))
        .await
        .unwrap();
    assert_eq!(s.delivery(id).await.unwrap().unwrap().status, "dead");
    assert!(s.retry_delivery(id, 200).await.unwrap());
    s.record_attempt(&attempt(id, 200, Some(204), status::DELIVERED, 200))
        .await
        .unwrap();
    let done = s.delivery(id).await.unwrap().unwrap();
    assert_eq!(
        (done.status.as_str(), done.attempts, done.delivered_at),
        ("delivered", 1, Some(200))
    );
    assert!(
        !s.retry_delivery(id, 300).await.unwrap(),
        "delivered stays delivered"
    );
    assert_eq!(s.attempts(id).await.unwrap().len(), 3);
    // The log pages newest first and filters.
    let all = s.deliveries(None, None, None, 10).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|r| r.delivery_id.as_str())
            .collect::<Vec<_>>(),
        ["d2", "d1"]
    );
    let older = s.deliveries(None, None, Some(all[0].id), 10).await.unwrap();
    assert_eq!(older.len(), 1);
    assert_eq!(
        s.deliveries(Some("pending"), None, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        s.deliveries(None, Some("a"), None, 10).await.unwrap().len(),
        1
    );
    assert!(s.delete_webhook("crm").await.unwrap());
    assert!(!s.delete_webhook("crm").await.unwrap());
}

async fn offers_feedback_and_stage_entries_follow_their_lead(b: Backend) {
    let (s, _db) = store(b).await.unwrap();
    let history = |lead: &str, at, stage: &str| HistoryRow {
        lead_id: lead.into(),
        model_version: 1,
        at,
        total: 1.0,
        cell: "D4".into(),
        stage: stage.into(),
        owner: Some("an".into()),
        cause: "test".into(),
    };
    let fb = |lead: &str, at, kind: &str| FeedbackRow {
        lead_id: lead.into(),
        at,
        kind: kind.into(),
        reached: None,
        first_try: None,
        reason: None,
        value: Some(10.0),
        note: None,
        actor: "rep".into(),
    };
    let offer = |lead: &str, id: &str, at| OfferRow {
        lead_id: lead.into(),
        offer_id: id.into(),
        content: "cta".into(),
        trigger: "hot".into(),
        created_at: at,
    };
    let mut tx = s.begin().await.unwrap();
    tx.upsert_leads(&[lead("a", 5), lead("b", 50), lead("c", 6)])
        .await
        .unwrap();
    tx.add_history(&[
        history("a", 1, "mql"),
        history("a", 3, "mql"),
        history("a", 4, "sql"),
    ])
    .await
    .unwrap();
    tx.add_feedback(&[fb("a", 7, "won"), fb("b", 8, "contact")])
        .await
        .unwrap();
    tx.put_offers(&[
        offer("a", "demo", 1),
        offer("a", "trial", 2),
        offer("b", "demo", 1),
    ])
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.offer("a").await.unwrap().unwrap().offer_id, "trial");
    assert_eq!(s.feedback_between(0, 8).await.unwrap().len(), 1);
    assert_eq!(s.feedback_of("a").await.unwrap()[0].value, Some(10.0));
    let mut entries: Vec<_> = s
        .stage_entries(1)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.lead_id, e.stage, e.at))
        .collect();
    entries.sort();
    assert_eq!(
        entries,
        vec![("a".into(), "mql".into(), 1), ("a".into(), "sql".into(), 4)]
    );
    let leads = s.funnel_leads(1, 0, 10).await.unwrap();
    assert_eq!(leads.len(), 2, "created in [0, 10): a and c");
    assert!(leads.iter().all(|l| l.total.is_none()), "not scored");
    assert_eq!(
        s.history("a").await.unwrap()[0].owner.as_deref(),
        Some("an")
    );

    // Merging moves feedback; erasing removes offers, feedback and deliveries.
    let mut tx = s.begin().await.unwrap();
    tx.merge_lead("b", "a").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(s.feedback_of("a").await.unwrap().len(), 2);
    assert!(s.offer("b").await.unwrap().is_none());
    let mut tx = s.begin().await.unwrap();
    tx.enqueue(&[NewDelivery {
        delivery_id: "x".into(),
        webhook: "crm".into(),
        lead_id: "a".into(),
        trigger: "t".into(),
        payload: "{}".into(),
        created_at: 1,
    }])
    .await
    .unwrap();
    tx.erase_lead("a").await.unwrap();
    tx.commit().await.unwrap();
    assert!(s.offer("a").await.unwrap().is_none());
    assert!(s.feedback_of("a").await.unwrap().is_empty());
    assert!(s.deliveries(None, None, None, 10).await.unwrap().is_empty());
}
