//! Activating a model: every lead's state under the new model is built from
//! the log a chunk at a time, between ingest batches, and scored under the
//! new version; reads keep the old version's scores until the last chunk,
//! when one transaction makes the new version active.

use super::*;

impl Task {
    pub(super) fn begin_build(&mut self, model: Loaded, reply: Reply<()>) {
        if let Some(b) = &self.build {
            let _ = reply.send(Err(WriteError::Busy(b.job.version().unwrap_or(0))));
            return;
        }
        let mut units: Vec<Vec<u32>> = self.rt.accounts.values().cloned().collect();
        units.extend(
            self.rt
                .index
                .values()
                .copied()
                .filter(|&i| self.rt.leads[i as usize].account.is_none())
                .map(|i| vec![i]),
        );
        units.sort_unstable();
        let total = units.iter().map(Vec::len).sum::<usize>() as u64;
        let job = self.jobs.start("activate", Some(model.version));
        job.progress(0, Some(total));
        for entry in &mut self.rt.leads {
            entry.pending = None;
            entry.pending_last = None;
        }
        self.rt.pending = Some(model);
        self.build = Some(Build {
            units,
            next: 0,
            job,
            done: 0,
        });
        // Only now: a client that heard "started" finds the job listed.
        let _ = reply.send(Ok(()));
    }

    pub(super) async fn step_build(&mut self) {
        let result = self.build_chunk().await;
        if let Err(e) = &result {
            tracing::error!(error = %e, "Model activation failed");
            if let Some(b) = self.build.take() {
                b.job.fail(&e.to_string());
            }
            self.rt.pending = None;
            self.after_failure(&result).await;
        }
    }

    async fn build_chunk(&mut self) -> Result<(), WriteError> {
        let Some(b) = &mut self.build else {
            return Ok(());
        };
        let mut leads: Vec<u32> = Vec::new();
        while b.next < b.units.len() && leads.len() < BUILD_CHUNK_LEADS {
            leads.extend(&b.units[b.next]);
            b.next += 1;
        }
        let finished = b.next >= b.units.len();
        leads.retain(|&i| self.rt.leads[i as usize].alive);
        let now = Timestamp(now_ms());
        let mut tx = self.store.begin().await?;
        self.rebuild_from_log(tx.as_mut(), &leads, true).await?;
        let scores = self.rt.score_pending(&leads, now);
        tx.put_scores(&self.pending_rows(&scores)).await?;
        if finished {
            let version = self.rt.pending.as_ref().map_or(0, |p| p.version);
            // Leads created during the build were built as they arrived;
            // score any that were not scored yet.
            let missing: Vec<u32> = self
                .rt
                .index
                .values()
                .copied()
                .filter(|&i| self.rt.leads[i as usize].pending_last.is_none())
                .collect();
            let late = self.rt.score_pending(&missing, now);
            tx.put_scores(&self.pending_rows(&late)).await?;
            tx.activate_model(version).await?;
            let history: Vec<HistoryRow> = self
                .rt
                .index
                .values()
                .filter_map(|&i| {
                    let e = &self.rt.leads[i as usize];
                    let (after, _) = e.pending_last.as_ref()?;
                    let moved = e.last.as_ref().is_none_or(|b| b.differs(after));
                    moved.then(|| HistoryRow {
                        lead_id: e.profile.id.to_string(),
                        model_version: version,
                        at: now.0,
                        total: after.total,
                        cell: after.cell.to_string(),
                        stage: after.stage.to_string(),
                        owner: e.owner.clone(),
                        cause: format!("model:{version}"),
                    })
                })
                .collect();
            tx.add_history(&history).await?;
            tx.commit().await?;
            self.rt.promote_pending();
            let rollups: Vec<_> = {
                let accounts: Vec<SmolStr> = self.rt.accounts.keys().cloned().collect();
                accounts
                    .iter()
                    .filter_map(|a| self.rt.account_rollup(a))
                    .collect()
            };
            let mut tx = self.store.begin().await?;
            tx.put_account_scores(&rollups).await?;
            tx.commit().await?;
            if let Ok(mut active) = self.shared.active.write() {
                *active = self.rt.active.clone();
            }
            if let Some(b) = self.build.take() {
                b.job.progress(b.done + leads.len() as u64, None);
                b.job.finish();
            }
            tracing::info!(version, "Model activated");
        } else {
            tx.commit().await?;
            if let Some(b) = &mut self.build {
                b.done += leads.len() as u64;
                b.job.progress(b.done, None);
            }
        }
        Ok(())
    }
}
