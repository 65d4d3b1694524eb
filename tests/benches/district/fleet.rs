//! The fleets the district benchmark storms with, and what "converged"
//! means for each. Two shapes a district has:
//! - **shared**: every phone belongs to a district inspector, so everyone
//!   sees everything (the slow shape: each phone receives every other
//!   phone's work);
//! - **communities**: the phones of N communities' safety assistants, each
//!   scoped to its own community (10 phones per community at 200).
//!
//! In both, the phones of a group first edit the group's 5 shared
//! inspections and add 5 of their own offline, so the storm carries
//! concurrent edits of the same documents as well as new ones.

use redline_device::inspection::{AnswerValue, InspectionKind};
use redline_device::store::InspectionQuery;
use redline_storage::Storage;
use redline_tests::Device;
use redline_tests::process::ServerProcess;
use std::sync::Arc;

const SHARED_DOCS: usize = 5;
const OWN_DOCS: usize = 5;

/// Who the phones are.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shape {
    /// One district-scoped inspector on every phone.
    Shared,
    /// This many communities, each with its assistant's phones.
    Communities(usize),
}

impl Shape {
    pub fn label(self) -> String {
        match self {
            Shape::Shared => "shared scope".into(),
            Shape::Communities(n) => format!("{n} communities"),
        }
    }
}

/// The phones, ready to storm.
pub struct Fleet {
    pub devices: Vec<Arc<Device>>,
    /// Each phone's group (its community; all 0 for the shared scope).
    group: Vec<usize>,
    /// The inspections every phone of a group edits, by group.
    shared: Vec<Vec<String>>,
    /// How many inspections each phone must hold once converged.
    expected: usize,
    /// Pending uploads before the storm, over all phones.
    pub changes: usize,
}

/// The users of `shape`, one per group, with a site in each group's area
/// (added to `storage`): (user, site the group's own work is at).
async fn groups(shape: Shape, storage: &dyn Storage) -> Vec<(String, [String; 2])> {
    match shape {
        Shape::Shared => vec![("insp-1".into(), ["site-a1".into(), "site-b1".into()])],
        Shape::Communities(n) => {
            let mut out = vec![];
            for c in 0..n {
                let (user, site) = crate::workload::community(storage, c).await;
                out.push((user, [site.clone(), site]));
            }
            out
        }
    }
}

/// Registers `devices` phones of `shape` spread over `servers`, lets each
/// group's first phone start the shared inspections, brings every phone up
/// to date, then makes the offline edits the storm will carry.
pub async fn build(shape: Shape, storage: &dyn Storage, servers: &[ServerProcess], devices: usize) -> Fleet {
    let groups = groups(shape, storage).await;
    let per_group = devices / groups.len();
    let kind = |user: &str| if user.starts_with("asst") { InspectionKind::SelfInspection } else { InspectionKind::RoutinePatrol };
    let mut fleet = Fleet { devices: vec![], group: vec![], shared: vec![], expected: SHARED_DOCS + OWN_DOCS * per_group, changes: 0 };
    for (g, (user, sites)) in groups.iter().enumerate() {
        let mut phones = vec![];
        for _ in 0..per_group {
            let url = &servers[fleet.devices.len() % servers.len()].url;
            let d = Arc::new(Device::register(storage, url, user).await);
            fleet.devices.push(d.clone());
            fleet.group.push(g);
            phones.push(d);
        }
        let first = &phones[0];
        first.sync().await;
        let ids: Vec<String> =
            (0..SHARED_DOCS).map(|_| first.store.start_inspection(&sites[0], kind(user), "hazardous_chemicals").unwrap().id).collect();
        first.sync().await;
        for d in &phones[1..] {
            d.sync().await;
        }
        fleet.shared.push(ids);
    }
    let t = fleet.devices[0].store.template("hazardous_chemicals", None).unwrap();
    let items: Vec<String> = t.items().map(|(_, i)| i.id.clone()).filter(|i| i != "H26").collect();
    for (n, d) in fleet.devices.iter().enumerate() {
        let (user, sites) = &groups[fleet.group[n]];
        for k in 0..OWN_DOCS {
            let id = d.store.start_inspection(&sites[k % 2], kind(user), "hazardous_chemicals").unwrap().id;
            d.store.answer(&id, "H01", AnswerValue::Pass, None).unwrap();
        }
        for id in &fleet.shared[fleet.group[n]] {
            d.store.answer(id, &items[n % items.len()], AnswerValue::Pass, Some(format!("设备{n}"))).unwrap();
        }
        fleet.changes += d.store.pending_uploads(100).unwrap().len();
    }
    fleet
}

impl Fleet {
    /// After one more round: every phone holds its group's documents, and
    /// the shared ones exactly as the group's first phone does.
    pub async fn converged(&self) -> bool {
        for d in &self.devices {
            d.sync().await;
        }
        let all = |d: &Device| d.store.inspections(&InspectionQuery { limit: Some(100_000), ..Default::default() }).unwrap().len();
        self.devices.iter().zip(&self.group).all(|(d, &g)| {
            let reference = &self.devices[self.group.iter().position(|&x| x == g).expect("group")];
            all(d) == self.expected
                && self.shared[g].iter().all(|id| d.store.inspection(id).unwrap() == reference.store.inspection(id).unwrap())
        })
    }
}
