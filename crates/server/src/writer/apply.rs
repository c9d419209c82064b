//! One group commit: store the events, route them to leads (stitching
//! identities and merging leads), rebuild what stitching changed and
//! re-score, in memory. The rows this produces wait in `Task::writes` until
//! a flush writes them all in one transaction with the log's applied mark;
//! profile edits, and groups arriving when a flush is due, write them in
//! their own transaction.

use super::fire::Fired;
use super::writeset::{ScoreToWrite, WriteSet};
use super::*;
use crate::runtime::load::parse_row;
use leadscore_store::Tx;

/// Leads written per transaction when everything is re-scored.
const RESCORE_CHUNK: usize = 5_000;
/// Events read per query when catching up with the log.
const CATCH_UP_PAGE: i64 = 10_000;

impl Task {
    pub(super) async fn apply_group(
        &mut self,
        group: &[Command],
        out: &mut GroupOutcome,
    ) -> Result<(), WriteError> {
        let now = now_ms();
        let mut tx = self.store.begin().await?;
        let mut w = Work::default();
        let mut write_through = false;
        // Every request's events in one call: on PostgreSQL one round trip
        // for the group, not one per request.
        let started = std::time::Instant::now();
        let rows: Vec<&[leadscore_store::NewEvent]> = group
            .iter()
            .filter_map(|cmd| match cmd {
                Command::Ingest(_, rows, _) => Some(rows.as_slice()),
                _ => None,
            })
            .collect();
        let mut fresh_of = tx.insert_event_groups(&rows).await?.into_iter();
        let insert_us = started.elapsed().as_micros() as u64;
        for cmd in group {
            match cmd {
                Command::Ingest(events, _, _) => {
                    // One per request, by `insert_event_groups`' contract.
                    let fresh = fresh_of.next().unwrap_or_default();
                    let accepted = fresh.iter().filter(|f| **f).count();
                    out.ingested.push(Ingested {
                        accepted,
                        duplicates: fresh.len() - accepted,
                    });
                    for (e, _) in events.iter().zip(&fresh).filter(|(_, f)| **f) {
                        self.route(e, &mut w, out, now);
                    }
                    self.pending_events += accepted;
                }
                Command::Profile(updates, _) => {
                    write_through = true;
                    for u in updates {
                        self.profile(u, &mut w, out, now);
                    }
                }
                _ => {}
            }
        }
        let routed = std::time::Instant::now();
        self.rebuild(tx.as_mut(), &w).await?;
        let mut writes = std::mem::take(&mut self.writes);
        self.write(&mut writes, &mut w, now);
        self.writes = writes;
        if !self.writes.is_empty() && self.pending_since.is_none() {
            self.pending_since = Some(std::time::Instant::now());
        }
        let scored = std::time::Instant::now();
        // A due flush is handed over after the commit, beside the writer;
        // only a profile edit writes its rows through at once.
        if write_through {
            self.write_pending(tx.as_mut()).await?;
        } else if self.pending_since.is_some() {
            // Before the commit, hence before any answer: a reader who
            // heard of these events finds rows unwritten.
            self.shared
                .pending
                .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        }
        let written = std::time::Instant::now();
        // Flushed to disk by `acknowledge` while the next group runs.
        tx.commit_unsynced().await?;
        if write_through {
            self.written();
            let cost = scored.elapsed();
            self.shared.flush_seconds.observe(cost.as_secs_f64());
            self.pace.flushed(cost, std::time::Instant::now());
        }
        tracing::trace!(
            insert_us,
            score_us = (scored - routed).as_micros() as u64,
            write_us = (written - scored).as_micros() as u64,
            commit_us = written.elapsed().as_micros() as u64,
            flushed = write_through,
            busy = self.pace.busy_share(),
            "Group phases"
        );
        Ok(())
    }

    /// Writes every pending row and moves the applied mark to the log's
    /// end, inside `tx`: every event stored so far has been scored into
    /// those rows.
    async fn write_pending(&mut self, tx: &mut dyn Tx) -> Result<(), WriteError> {
        let writes = std::mem::take(&mut self.writes);
        self.pending_events = 0;
        self.pending_since = None;
        self.write_set(tx, writes).await?;
        self.rt.applied = tx.mark_applied().await?;
        Ok(())
    }

    /// Writes `writes` inside `tx`; the delivery worker is woken once the
    /// transaction commits if they enqueue webhooks.
    pub(super) async fn write_set(
        &mut self,
        tx: &mut dyn Tx,
        writes: WriteSet,
    ) -> Result<(), WriteError> {
        if writes.has_deliveries() {
            self.deliveries_waiting = true;
        }
        writes.write_to(tx).await?;
        Ok(())
    }

    /// After the commit of `write_pending`: readers need not wait.
    fn written(&self) {
        use std::sync::atomic::Ordering;
        let pending = self.shared.pending.load(Ordering::Acquire);
        self.shared.written.fetch_max(pending, Ordering::AcqRel);
    }

    /// Hands the effects of the events acknowledged so far to the flush
    /// beside the writer (nothing when none wait).
    pub(super) async fn flush(&mut self) -> Result<(), WriteError> {
        if self.pending_since.is_none() {
            return Ok(());
        }
        self.hand_over().await
    }

    /// Hands the pending rows to the flush beside the writer, once there is
    /// room for another.
    async fn hand_over(&mut self) -> Result<(), WriteError> {
        if !self.beside.has_room() {
            let waited = std::time::Instant::now();
            self.finish_oldest().await?;
            // The database writes flushes slower than they come.
            tracing::debug!(
                micros = waited.elapsed().as_micros() as u64,
                "Waited for a flush beside the writer"
            );
        }
        // Every event committed so far is routed into the pending rows, and
        // only the writer appends to the log: its end is what they reflect.
        let through = self.store.log_end().await?;
        let generation = self
            .shared
            .pending
            .load(std::sync::atomic::Ordering::Acquire);
        let writes = std::mem::take(&mut self.writes);
        self.pending_events = 0;
        self.pending_since = None;
        self.pace
            .flushed(self.beside_cost, std::time::Instant::now());
        self.beside.hand_over(writes, through, generation);
        Ok(())
    }

    /// Waits for the oldest flush beside the writer and takes in its outcome.
    async fn finish_oldest(&mut self) -> Result<(), WriteError> {
        match self.beside.oldest().await {
            Some(done) => self.finished_beside(done),
            None => Ok(()),
        }
    }

    /// Waits for every flush beside the writer.
    pub(super) async fn finish_beside(&mut self) -> Result<(), WriteError> {
        let mut result = Ok(());
        while self.beside.has_in_flight() {
            let r = self.finish_oldest().await;
            if result.is_ok() {
                result = r;
            }
        }
        result
    }

    /// Takes in the outcomes of flushes beside the writer that are over; a
    /// failure reloads the state.
    pub(super) async fn poll_beside(&mut self) {
        while let Some(done) = self.beside.poll() {
            let r = self.finished_beside(done);
            self.after_failure(&r).await;
        }
    }

    pub(super) fn finished_beside(&mut self, done: super::beside::Done) -> Result<(), WriteError> {
        done.result?;
        self.rt.applied = done.through;
        self.beside_cost = done.cost;
        self.shared.flush_seconds.observe(done.cost.as_secs_f64());
        Ok(())
    }

    /// Forgets pending changes, before the state is reloaded from the store.
    pub(super) fn drop_pending(&mut self) {
        self.writes = WriteSet::default();
        self.pending_events = 0;
        self.pending_since = None;
    }

    /// Routes the events stored after the applied mark, which were
    /// acknowledged but whose effects were not written when the server
    /// stopped (or a write failed), and writes their effects.
    pub(super) async fn catch_up(&mut self) -> Result<(), WriteError> {
        let from = self.rt.applied;
        let now = now_ms();
        let mut seq = from;
        let mut w = Work::default();
        let mut out = GroupOutcome::default();
        let mut events = 0;
        loop {
            let page = self.store.events_after(seq, CATCH_UP_PAGE).await?;
            let Some(last) = page.last() else { break };
            seq = last.seq;
            for row in &page {
                self.route(&parse_row(row)?, &mut w, &mut out, now);
            }
            events += page.len();
        }
        if events == 0 {
            self.written();
            return Ok(());
        }
        tracing::info!(
            events,
            "Applying events stored after the last write of their effects"
        );
        let mut tx = self.store.begin().await?;
        self.rebuild(tx.as_mut(), &w).await?;
        let mut writes = std::mem::take(&mut self.writes);
        self.write(&mut writes, &mut w, now);
        self.writes = writes;
        self.write_pending(tx.as_mut()).await?;
        tx.commit().await?;
        self.written();
        self.committed();
        Ok(())
    }

    fn lead_for_user(
        &mut self,
        user: &SmolStr,
        w: &mut Work,
        out: &mut GroupOutcome,
        now: i64,
    ) -> u32 {
        if let Some(i) = self.rt.lead_of(user) {
            return i;
        }
        let i = self.rt.create_lead(user, now);
        w.links.push((user.to_string(), user.to_string()));
        w.profiles.insert(i);
        out.created.insert(user.clone());
        i
    }

    /// Files an identity under a lead; a new link brings the identity's
    /// earlier events with it, so the lead is rebuilt from the log.
    fn link(&mut self, identity: &SmolStr, lead: u32, w: &mut Work) {
        self.rt.link(identity, lead);
        w.links.push((
            identity.to_string(),
            self.rt.leads[lead as usize].profile.id.to_string(),
        ));
        w.rebuild.insert(lead);
    }

    fn route(&mut self, e: &Event, w: &mut Work, out: &mut GroupOutcome, now: i64) {
        let lead = match (&e.user_id, &e.anonymous_id) {
            (Some(user), anonymous) => {
                let lead = self.lead_for_user(user, w, out, now);
                // An anonymous id belongs to the first user it was seen with.
                if let Some(a) = anonymous.as_ref().filter(|a| self.rt.lead_of(a).is_none()) {
                    self.link(a, lead, w);
                }
                if e.kind == EventKind::Alias
                    && let Some(previous) = e.previous_id.as_ref().filter(|p| *p != user)
                {
                    match self.rt.lead_of(previous) {
                        Some(other) if other != lead => self.merge(other, lead, w),
                        Some(_) => {}
                        None => self.link(previous, lead, w),
                    }
                }
                lead
            }
            (None, Some(anonymous)) => match self.rt.lead_of(anonymous) {
                Some(lead) => lead,
                None => return,
            },
            (None, None) => return,
        };
        match e.kind {
            EventKind::Identify if !e.traits.0.is_empty() => {
                let profile = &mut self.rt.leads[lead as usize].profile;
                for (k, v) in &e.traits.0 {
                    profile.attributes.insert(k.clone(), v.clone());
                }
                self.profile_changed(lead, w);
            }
            EventKind::Group => {
                if let Some(g) = &e.group_id {
                    let profile = &mut self.rt.leads[lead as usize].profile;
                    profile
                        .attributes
                        .insert("account".into(), Value::Str(g.clone()));
                    let traits: serde_json::Map<String, serde_json::Value> = e
                        .traits
                        .0
                        .iter()
                        .map(|(k, v)| (k.to_string(), v.to_json()))
                        .collect();
                    w.account_traits
                        .insert(g.clone(), serde_json::Value::Object(traits).to_string());
                    self.profile_changed(lead, w);
                }
            }
            _ => {}
        }
        if !w.rebuild.contains(&lead) {
            self.rt.apply(lead, e);
        }
        w.touched.insert(lead);
        w.cause.insert(lead, ["event:", &e.message_id].concat());
        if let Some(a) = &self.rt.leads[lead as usize].account {
            w.accounts.insert(a.clone());
        }
    }

    fn profile_changed(&mut self, lead: u32, w: &mut Work) {
        w.profiles.insert(lead);
        if let Some((before, after)) = self.rt.refresh_account(lead) {
            w.accounts.extend(before);
            w.accounts.extend(after);
        }
    }

    fn merge(&mut self, from: u32, into: u32, w: &mut Work) {
        if let Some(a) = &self.rt.leads[from as usize].account {
            w.accounts.insert(a.clone());
        }
        let from_id = self.rt.leads[from as usize].profile.id.to_string();
        let into_id = self.rt.leads[into as usize].profile.id.to_string();
        self.rt.merge(from, into);
        w.merges.push((from_id, into_id));
        w.rebuild.insert(into);
        self.profile_changed(into, w);
        w.cause.insert(into, "merge".to_owned());
    }

    fn profile(&mut self, u: &ProfileUpdate, w: &mut Work, out: &mut GroupOutcome, now: i64) {
        let id = SmolStr::new(&u.lead_id);
        let lead = match self.rt.index.get(&id) {
            Some(&i) => i,
            None => self.lead_for_user(&id, w, out, now),
        };
        let entry = &mut self.rt.leads[lead as usize];
        for (k, v) in &u.attributes {
            if v.is_present() {
                entry.profile.attributes.insert(k.clone(), v.clone());
            } else {
                entry.profile.attributes.remove(k);
            }
        }
        if let Some(owner) = &u.owner
            && entry.owner != *owner
        {
            entry.owner.clone_from(owner);
            w.owners.insert(lead);
        }
        w.feedback.extend(u.feedback.iter().cloned());
        self.profile_changed(lead, w);
        w.touched.insert(lead);
        w.cause.insert(
            lead,
            u.cause.clone().unwrap_or_else(|| "profile".to_owned()),
        );
        if let Some(a) = &self.rt.leads[lead as usize].account {
            w.accounts.insert(a.clone());
        }
    }

    /// Rebuilds leads whose set of events changed through stitching, from
    /// the log as this transaction sees it.
    async fn rebuild(&mut self, tx: &mut dyn Tx, w: &Work) -> Result<(), WriteError> {
        let leads: Vec<u32> = w
            .rebuild
            .iter()
            .copied()
            .filter(|&i| self.rt.leads[i as usize].alive)
            .collect();
        if leads.is_empty() {
            return Ok(());
        }
        self.rebuild_from_log(tx, &leads, false).await
    }

    pub(super) async fn rebuild_from_log(
        &mut self,
        tx: &mut dyn Tx,
        leads: &[u32],
        pending_only: bool,
    ) -> Result<(), WriteError> {
        let identities: Vec<String> = leads
            .iter()
            .flat_map(|&i| {
                self.rt.leads[i as usize]
                    .identities
                    .iter()
                    .map(ToString::to_string)
            })
            .collect();
        let rows = tx.events_of(&identities).await?;
        let mut per_lead: FxHashMap<u32, Vec<Event>> = FxHashMap::default();
        for row in rows {
            let Some(i) = self.rt.lead_of(&row.identity) else {
                continue;
            };
            per_lead.entry(i).or_default().push(parse_row(&row)?);
        }
        for &i in leads {
            let events = per_lead.remove(&i).unwrap_or_default();
            self.rt.rebuild(i, &events, pending_only);
        }
        Ok(())
    }

    /// Scores what `w` touched and records the rows to write: leads, links,
    /// merges, scores, history and account roll-ups.
    fn write(&mut self, ws: &mut WriteSet, w: &mut Work, now: i64) {
        ws.upsert_leads(self.lead_rows(&w.profiles, now));
        ws.add_feedback(&w.feedback);
        ws.link_identities(&w.links);
        for (from, into) in &w.merges {
            ws.merge_lead(from, into);
        }
        for (id, traits) in &w.account_traits {
            ws.upsert_account(AccountRow {
                id: id.to_string(),
                traits: traits.clone(),
                updated_at: now,
            });
        }
        let model = Arc::clone(&self.rt.active.model);
        let affected = self.rt.affected(&w.touched, &w.accounts, &model);
        let scores = self.rt.score_active(&affected, Timestamp(now));
        self.write_scores(ws, scores, &w.cause, "account", false, &w.owners);
        let pending = self.rt.score_pending(&affected, Timestamp(now));
        ws.put_scores(self.pending_rows(&pending));
        let rollups: Vec<_> = w
            .accounts
            .iter()
            .filter_map(|a| self.rt.account_rollup(a))
            .collect();
        ws.put_account_scores(rollups);
    }

    /// The stored rows of these leads' profiles (dead ones left out).
    pub(super) fn lead_rows(&self, leads: &FxHashSet<u32>, now: i64) -> Vec<LeadRow> {
        leads
            .iter()
            .map(|&i| &self.rt.leads[i as usize])
            .filter(|e| e.alive)
            .map(|e| lead_row(&e.profile, e.owner.as_deref(), e.created_at, now))
            .collect()
    }

    /// The rows of scores under the model being activated.
    pub(super) fn pending_rows(&self, scores: &[(u32, LeadScore)]) -> Vec<ScoreRow> {
        let Some(p) = &self.rt.pending else {
            return Vec::new();
        };
        scores
            .iter()
            .map(|(i, s)| {
                score_row(
                    &p.model,
                    p.version,
                    &self.rt.leads[*i as usize].profile.id,
                    s,
                )
            })
            .collect()
    }

    /// Writes active-model scores and a history entry for each that moved,
    /// and fires the triggers they cross (re-scoring leads whose actions
    /// changed what scoring reads). With `changes_only`, a total that merely
    /// drifted is not recorded. Leads in `owners` changed owner: their
    /// history records it even if the score did not move.
    pub(super) fn write_scores(
        &mut self,
        ws: &mut WriteSet,
        scores: Vec<(u32, LeadScore)>,
        cause: &FxHashMap<u32, String>,
        default_cause: &str,
        changes_only: bool,
        owners: &FxHashSet<u32>,
    ) {
        let mut rows = Vec::with_capacity(scores.len());
        let mut history = Vec::new();
        let mut fired = Fired::default();
        self.record(
            &scores,
            cause,
            default_cause,
            changes_only,
            owners,
            &mut rows,
            &mut history,
        );
        self.fire(&scores, cause, default_cause, &mut fired);
        // Leads whose actions changed what scoring reads are scored again
        // and may fire further triggers; a lead whose owner changed is
        // scored again so its history records the new owner.
        let now = scores.first().map_or(Timestamp(now_ms()), |(_, s)| s.as_of);
        let mut round = 0;
        loop {
            let owners = std::mem::take(&mut fired.owners);
            let mut again = owners.clone();
            let rescore = fired.take_rescore(round);
            let fire_again = rescore.is_some();
            again.extend(rescore.into_iter().flatten());
            if again.is_empty() {
                break;
            }
            round += 1;
            let mut leads: Vec<u32> = again.into_iter().collect();
            leads.sort_unstable();
            let rescored = self.rt.score_active(&leads, now);
            let why = fired.cause.clone();
            self.record(
                &rescored,
                &why,
                default_cause,
                false,
                &owners,
                &mut rows,
                &mut history,
            );
            if fire_again {
                self.fire(&rescored, &why, default_cause, &mut fired);
            }
        }
        if round > 0 {
            // A lead scored twice keeps its last score.
            let mut seen = FxHashSet::default();
            rows.reverse();
            rows.retain(|r: &ScoreToWrite| seen.insert(r.lead_id.clone()));
        }
        ws.put_scored(rows);
        ws.add_history(history);
        self.write_fired(ws, fired, now_ms());
    }

    /// Remembers fresh scores; adds them for writing, and the history of
    /// those that moved.
    #[allow(clippy::too_many_arguments)]
    fn record(
        &mut self,
        scores: &[(u32, LeadScore)],
        cause: &FxHashMap<u32, String>,
        default_cause: &str,
        changes_only: bool,
        owners: &FxHashSet<u32>,
        rows: &mut Vec<ScoreToWrite>,
        history: &mut Vec<HistoryRow>,
    ) {
        let model = Arc::clone(&self.rt.active.model);
        let version = self.rt.active.version;
        for (i, s) in scores {
            // `as_str().to_owned()`, not `to_string()`, which goes through
            // `Display`'s formatting machinery: 3% of the writer's scoring
            // step (docs/benchmarks.md, "Score rows built when written").
            let id = self.rt.leads[*i as usize].profile.id.as_str().to_owned();
            let (before, after) = self.rt.remember(*i, s);
            let moved = owners.contains(i)
                || match &before {
                    // A lead's first score since start-up is no change.
                    None => !changes_only,
                    Some(b) if changes_only => b.cell != after.cell || b.stage != after.stage,
                    Some(b) => b.differs(&after),
                };
            if moved {
                history.push(HistoryRow {
                    lead_id: id.clone(),
                    model_version: version,
                    at: s.as_of.0,
                    total: s.total,
                    cell: after.cell.as_str().to_owned(),
                    stage: after.stage.as_str().to_owned(),
                    owner: self.rt.leads[*i as usize].owner.clone(),
                    cause: cause
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| default_cause.to_owned()),
                });
            }
            rows.push(ScoreToWrite {
                model: Arc::clone(&model),
                version,
                lead_id: id,
                score: s.clone(),
            });
        }
    }

    pub(super) async fn erase(&mut self, id: &str) -> Result<u64, WriteError> {
        let Some(&lead) = self.rt.index.get(id) else {
            return Err(WriteError::NoSuchLead(id.to_owned()));
        };
        let account = self.rt.leads[lead as usize].account.clone();
        let mut tx = self.store.begin().await?;
        let events = tx.erase_lead(id).await?;
        self.rt.erase(lead);
        let mut w = Work::default();
        w.accounts.extend(account);
        let mut ws = WriteSet::default();
        self.write(&mut ws, &mut w, now_ms());
        self.write_set(tx.as_mut(), ws).await?;
        // Nothing is pending (the writer flushes before an erasure); the
        // mark follows the log's end should the erased events be the last.
        self.rt.applied = tx.mark_applied().await?;
        tx.commit().await?;
        self.committed();
        Ok(events)
    }

    /// Re-scores the leads whose review time has passed.
    pub(super) async fn decay(&mut self) -> Result<(), WriteError> {
        let now = now_ms();
        let due = self.rt.ranking.due(Timestamp(now));
        if due.is_empty() {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        let scores = self.rt.score_active(&due, Timestamp(now));
        let mut ws = WriteSet::default();
        self.write_scores(
            &mut ws,
            scores,
            &FxHashMap::default(),
            "decay",
            true,
            &FxHashSet::default(),
        );
        self.write_set(tx.as_mut(), ws).await?;
        tx.commit().await?;
        self.committed();
        tracing::debug!(leads = due.len(), "Decay re-scored");
        Ok(())
    }

    /// Scores every lead now and writes the scores, in chunks; used at
    /// start-up, where time has passed since the last run. Triggers fire
    /// for leads that crossed a line meanwhile; their stored states keep
    /// the others from firing again.
    pub(super) async fn rescore_everything(&mut self) -> Result<(), WriteError> {
        let now = Timestamp(now_ms());
        let live: Vec<u32> = self.rt.index.values().copied().collect();
        let accounts: Vec<SmolStr> = self.rt.accounts.keys().cloned().collect();
        let none = FxHashSet::default();
        for chunk in live.chunks(RESCORE_CHUNK) {
            let mut tx = self.store.begin().await?;
            let scores = self.rt.score_active(chunk, now);
            let mut ws = WriteSet::default();
            self.write_scores(
                &mut ws,
                scores,
                &FxHashMap::default(),
                "restart",
                true,
                &none,
            );
            self.write_set(tx.as_mut(), ws).await?;
            tx.commit().await?;
            self.committed();
            // Start-up runs before the writer's loop, which is what keeps
            // SQLite's log bounded; without this a million leads grew it
            // past 12 GB. Nobody reads yet, so each chunk's pages are
            // copied back at once and the log never holds more than one.
            self.restart_log().await;
        }
        let rollups: Vec<_> = accounts
            .iter()
            .filter_map(|a| self.rt.account_rollup(a))
            .collect();
        for chunk in rollups.chunks(RESCORE_CHUNK) {
            let mut tx = self.store.begin().await?;
            tx.put_account_scores(chunk).await?;
            tx.commit().await?;
            self.restart_log().await;
        }
        Ok(())
    }
}
