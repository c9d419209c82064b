//! A batch of leads and events put together for scoring: duplicates dropped,
//! anonymous history stitched to leads, identify traits merged into profiles,
//! events grouped per lead in time order, leads grouped per account.

use crate::event::{Event, EventKind, Profile};
use crate::identity::Stitcher;
use rustc_hash::FxHashMap;
use smol_str::SmolStr;

/// What assembling a batch found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AssemblyStats {
    /// Events whose message id was seen before, dropped.
    pub duplicates: usize,
    /// Events of anonymous visitors who never identified, kept aside.
    pub unattributed: usize,
    /// Leads that appear only in events (no profile row), created empty.
    pub new_leads: usize,
    /// Anonymous events attributed to a lead through identify or alias.
    pub stitched: usize,
}

/// Leads and their events, ready for the engine.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// Lead profiles.
    pub profiles: Vec<Profile>,
    /// All distinct events.
    pub events: Vec<Event>,
    /// For each lead, indices into `events`, sorted by time.
    pub lead_events: Vec<Vec<u32>>,
    /// For each lead, its account number (index into `accounts`).
    pub lead_account: Vec<Option<u32>>,
    /// Account names.
    pub accounts: Vec<SmolStr>,
    /// What assembly found.
    pub stats: AssemblyStats,
}

impl Dataset {
    /// Puts profiles and events together. Identify traits fill profile
    /// attributes the profile does not have (a profile row is the record of
    /// truth; traits complete it), in event time order.
    pub fn assemble(mut profiles: Vec<Profile>, events: Vec<Event>) -> Dataset {
        let mut stats = AssemblyStats::default();
        let mut seen = rustc_hash::FxHashSet::default();
        let mut unique = Vec::with_capacity(events.len());
        for e in events {
            if seen.insert(e.message_id.clone()) {
                unique.push(e);
            } else {
                stats.duplicates += 1;
            }
        }
        drop(seen);
        let events = unique;

        let mut stitcher = Stitcher::new();
        for e in &events {
            stitcher.observe(e);
        }
        stitcher.resolve();

        let mut index: FxHashMap<SmolStr, u32> = profiles
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.clone(), i as u32))
            .collect();
        let mut lead_events: Vec<Vec<u32>> = vec![Vec::new(); profiles.len()];
        for (i, e) in events.iter().enumerate() {
            let Some(lead) = stitcher.lead_of(e) else {
                stats.unattributed += 1;
                continue;
            };
            if e.user_id.is_none() {
                stats.stitched += 1;
            }
            let li = *index.entry(lead.clone()).or_insert_with(|| {
                profiles.push(Profile::new(lead.clone()));
                lead_events.push(Vec::new());
                stats.new_leads += 1;
                (profiles.len() - 1) as u32
            });
            lead_events[li as usize].push(i as u32);
        }
        for list in &mut lead_events {
            list.sort_by(|a, b| {
                let (x, y) = (&events[*a as usize], &events[*b as usize]);
                (x.timestamp, &x.message_id).cmp(&(y.timestamp, &y.message_id))
            });
        }
        for (profile, list) in profiles.iter_mut().zip(&lead_events) {
            for &i in list {
                let e = &events[i as usize];
                if e.kind == EventKind::Identify {
                    for (k, v) in &e.traits.0 {
                        if v.is_present() && !profile.get(k).is_present() {
                            profile.attributes.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
        }

        // Profiles are final here: check each email address once, as when
        // a profile is stored, rather than at every scoring.
        let mut domains = crate::email::DomainCache::default();
        for p in &profiles {
            p.email_quality(&mut domains);
        }
        let (accounts, lead_account) = group_accounts(&profiles);
        Dataset {
            profiles,
            events,
            lead_events,
            lead_account,
            accounts,
            stats,
        }
    }

    /// The index of the lead with this id.
    pub fn lead_index(&self, id: &str) -> Option<usize> {
        self.profiles.iter().position(|p| p.id == id)
    }

    /// Leads of each account, by account number.
    pub fn account_members(&self) -> Vec<Vec<u32>> {
        let members = self.account_members_flat();
        (0..members.len())
            .map(|g| members.group(g).to_vec())
            .collect()
    }

    /// [`Dataset::account_members`] in two allocations instead of one per
    /// account (full rescoring groups a million leads this way): a counting
    /// sort of the leads by account, each account's in lead order.
    pub fn account_members_flat(&self) -> Members {
        let accounts = self.accounts.len();
        let mut starts = vec![0u32; accounts + 1];
        for a in self.lead_account.iter().flatten() {
            starts[*a as usize + 1] += 1;
        }
        for a in 0..accounts {
            starts[a + 1] += starts[a];
        }
        let mut next = starts[..accounts].to_vec();
        let mut leads = vec![0u32; starts[accounts] as usize];
        for (lead, account) in self.lead_account.iter().enumerate() {
            if let Some(a) = account {
                let at = &mut next[*a as usize];
                leads[*at as usize] = lead as u32;
                *at += 1;
            }
        }
        Members { leads, starts }
    }
}

/// Leads grouped flat (see [`Dataset::account_members_flat`]): group `g` is
/// `leads[starts[g]..starts[g + 1]]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Members {
    /// Lead indices, group after group.
    pub leads: Vec<u32>,
    /// Where each group starts in `leads`, and the end of the last.
    pub starts: Vec<u32>,
}

impl Members {
    /// Number of groups.
    pub fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// Whether there is no group.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The leads of group `g`.
    pub fn group(&self, g: usize) -> &[u32] {
        &self.leads[self.starts[g] as usize..self.starts[g + 1] as usize]
    }

    /// Adds a group of one lead after the others.
    pub fn push_single(&mut self, lead: u32) {
        self.leads.push(lead);
        self.starts.push(self.leads.len() as u32);
    }
}

/// The distinct accounts of `profiles`, in order of first appearance, and
/// each profile's index into them.
pub fn group_accounts(profiles: &[Profile]) -> (Vec<SmolStr>, Vec<Option<u32>>) {
    let mut account_ids: FxHashMap<SmolStr, u32> = FxHashMap::default();
    let mut accounts = Vec::new();
    let lead_account = profiles
        .iter()
        .map(|p| {
            p.account().map(|a| {
                *account_ids.entry(SmolStr::new(a)).or_insert_with(|| {
                    accounts.push(SmolStr::new(a));
                    (accounts.len() - 1) as u32
                })
            })
        })
        .collect();
    (accounts, lead_account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leads_are_grouped_by_account_in_lead_order() {
        let ds = Dataset {
            profiles: (0..6).map(|i| Profile::new(i.to_string())).collect(),
            events: Vec::new(),
            lead_events: vec![Vec::new(); 6],
            lead_account: vec![Some(1), None, Some(0), Some(1), None, Some(1)],
            accounts: vec!["a".into(), "b".into(), "c".into()],
            stats: AssemblyStats::default(),
        };
        let mut members = ds.account_members_flat();
        assert_eq!(members.len(), 3);
        assert_eq!(members.group(0), [2]);
        assert_eq!(members.group(1), [0, 3, 5]);
        assert!(members.group(2).is_empty(), "an account without leads");
        assert_eq!(ds.account_members(), [vec![2], vec![0, 3, 5], vec![]]);
        members.push_single(4);
        assert_eq!(members.len(), 4);
        assert_eq!(members.group(3), [4]);
    }
}
