//! The generated district the read-model benchmark queries: 20 communities
//! of the lake district, 2,000 sites across the five built-in checklists,
//! 100,000 inspections over 24 months and 300,000 hazards in every state.
//!
//! Inspections and hazards are built as the domain's own models (answers
//! for every item of their checklist, findings, the hazard lifecycle as
//! transitions folded by `lifecycle::fold`) and turned into rows by the
//! server's `derive`, so the tables hold exactly what merges would write;
//! only the automerge documents are left out (no query reads them, and
//! 400,000 of them would take longer to make than everything else).
//! Deterministic: the same seed gives the same district.

use redline_domain::inspection::{Answer, AnswerValue, Finding, Grade, Inspection, InspectionHeader};
use redline_domain::inspection::{InspectionKind, InspectionStatus};
use redline_domain::people::{Person, Role};
use redline_domain::site::{GeoPoint, Site};
use redline_domain::template::{AnswerType, Template, builtin_templates};
use redline_domain::time::{Date, Millis};
use redline_read_models::derive::{self, Place};
use redline_read_models::templates::TemplateBook;
use redline_storage::sql::{Dialect, Sql};
use redline_storage::{Scope, UserRecord};

pub const AREA: &str = "zj/jx/nh";
pub const COMMUNITIES: usize = 20;
pub const SITES: usize = 2_000;
pub const INSPECTIONS: usize = 100_000;
const DAYS: i64 = 730;
const DAY_MS: i64 = 86_400_000;

/// splitmix64: small, fast, good enough to spread a district.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn chance(&mut self, p: f64) -> bool {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

pub fn community(n: usize) -> String {
    format!("{AREA}/c{:02}", n + 1)
}

const PLACES: &[&str] = &["湘家荡", "七星", "凤桥", "余新", "新丰", "大桥", "东栅", "南湖", "城南", "解放"];

/// Sites: community `i % 20`, checklist `i % 5` (so every category is in
/// every community), spread around the lake.
pub fn sites() -> Vec<Site> {
    let templates = builtin_templates();
    (0..SITES)
        .map(|i| {
            let t = &templates[i % templates.len()];
            let c = i % COMMUNITIES;
            Site {
                id: format!("s{i:04}"),
                name: format!("{}{}号{}", PLACES[c % PLACES.len()], i, t.title.zh),
                address: format!("南湖区{}路{}号", PLACES[(i / 7) % PLACES.len()], i % 300 + 1),
                area: community(c),
                categories: vec![t.category],
                location: Some(GeoPoint { lat: 30.70 + (i % 50) as f64 * 0.004, lon: 120.80 + (i / 50) as f64 * 0.004 }),
                contact_name: Some("现场负责人".into()),
                contact_phone: None,
                risk: None,
            }
        })
        .collect()
}

/// The district's people: an assistant per community, ten inspectors, the
/// district supervisor (`sup-nh`, who asks the benchmark's questions) and
/// a supervisor of another district (who must see none of it).
pub fn users() -> Vec<UserRecord> {
    let scope = |a: &str| Scope { areas: vec![a.to_string()], sites: vec![] };
    let mut out = vec![
        UserRecord { id: "sup-nh".into(), name: "南湖区安委办".into(), role: Role::Supervisor, scope: scope(AREA) },
        UserRecord { id: "sup-far".into(), name: "外区督查".into(), role: Role::Supervisor, scope: scope("zj/hz") },
    ];
    for i in 0..10 {
        out.push(UserRecord { id: format!("insp-{i}"), name: format!("检查员{i}"), role: Role::Inspector, scope: scope(AREA) });
    }
    for c in 0..COMMUNITIES {
        out.push(UserRecord {
            id: format!("asst-{c:02}"),
            name: format!("{}安全员", PLACES[c % PLACES.len()]),
            role: Role::CommunityAssistant,
            scope: scope(&community(c)),
        });
    }
    out
}

pub fn person(id: &str, name: &str) -> Person {
    Person { user_id: id.into(), name: name.into() }
}

/// A value for `item`: passing, or failing when `fail`.
fn value(answer: &AnswerType, fail: bool, day: Date) -> AnswerValue {
    match answer {
        AnswerType::PassFail if fail => AnswerValue::Fail,
        AnswerType::PassFail => AnswerValue::Pass,
        AnswerType::Number { min, max, .. } => {
            let ok = min.or(*max).unwrap_or(1.0);
            AnswerValue::Number(if fail { max.map_or(ok - 1.0, |m| m + 1.0) } else { ok })
        }
        AnswerType::Date { .. } => AnswerValue::Date(if fail { day.add_days(-10) } else { day.add_days(200) }),
        _ => AnswerValue::NotApplicable,
    }
}

/// What the generator makes, one inspection at a time.
pub struct Generator {
    rng: Rng,
    sites: Vec<Site>,
    book: TemplateBook,
    now: Millis,
    pub hazards: usize,
}

impl Generator {
    pub fn new(seed: u64, now: Millis) -> Generator {
        Generator { rng: Rng::new(seed), sites: sites(), book: TemplateBook::new(&[]), now, hazards: 0 }
    }

    /// Inspection `n` and its hazards as read-model statements.
    pub fn inspection(&mut self, n: usize, d: Dialect) -> Vec<Sql> {
        let site = self.sites[(self.rng.below(SITES as u64)) as usize].clone();
        let t = builtin_templates().iter().find(|t| t.category == site.categories[0]).expect("template").clone();
        let started = self.now - DAYS * DAY_MS + (n as i64 * DAYS * DAY_MS) / INSPECTIONS as i64;
        let c: usize = site.area[site.area.len() - 2..].parse::<usize>().unwrap_or(1) - 1;
        let by = if self.rng.chance(0.6) {
            person(&format!("asst-{c:02}"), &format!("{}安全员", PLACES[c % PLACES.len()]))
        } else {
            let i = self.rng.below(10);
            person(&format!("insp-{i}"), &format!("检查员{i}"))
        };
        let (inspection, findings) = self.build_inspection(n, &site, &t, started, by.clone());
        let place = Place { site_id: &site.id, area: &site.area };
        let mut out = derive::inspection(d, &inspection, place, &self.book);
        for f in findings {
            let h = crate::hazards::hazard(&mut self.rng, self.now, &inspection, f, n);
            out.extend(derive::hazard(d, &h, place));
            self.hazards += 1;
        }
        // The tables start empty: only the inserts are needed.
        out.retain(|s| s.text.starts_with("INSERT"));
        out
    }

    fn build_inspection(&mut self, n: usize, site: &Site, t: &Template, started: Millis, by: Person) -> (Inspection, Vec<Finding>) {
        let day = Date::in_china(started);
        // Three failures on average: 0-6 items.
        let fails = self.rng.below(7) as usize;
        let items: Vec<_> = t.items().map(|(_, i)| i).collect();
        let failing: Vec<usize> = (0..fails).map(|_| self.rng.below(items.len() as u64) as usize).collect();
        let mut answers = std::collections::BTreeMap::new();
        let mut findings = vec![];
        for (k, item) in items.iter().enumerate() {
            let fail = failing.contains(&k);
            let note = fail.then(|| format!("现场发现{}问题，已拍照留证", item.text.zh.chars().take(12).collect::<String>()));
            answers.insert(
                item.id.clone(),
                Answer { value: value(&item.answer, fail, day), note, by: by.clone(), at: started + k as i64 * 30_000 },
            );
        }
        for (k, &idx) in failing.iter().enumerate() {
            let item = items[idx];
            let major = self.rng.chance(0.05);
            findings.push(Finding {
                id: format!("f{n}-{k}"),
                item_id: Some(item.id.clone()),
                description: format!("{}：{}不符合要求，限期整改", site.name, item.text.zh.chars().take(20).collect::<String>()),
                grade: if major { Grade::Major } else { Grade::General },
                location: site.location,
                deadline: Some(day.add_days(if major { 60 } else { 15 })),
                responsible: Some("企业负责人".into()),
                by: by.clone(),
                at: started + 600_000 + k as i64 * 1000,
            });
        }
        let kind = match self.rng.below(10) {
            0..=4 => InspectionKind::RoutinePatrol,
            5 => InspectionKind::SpecialCampaign,
            6..=7 => InspectionKind::SelfInspection,
            8 => InspectionKind::Enforcement,
            _ => InspectionKind::LookBack,
        };
        let recent = self.now - started < 3 * DAY_MS;
        let draft = recent && self.rng.chance(0.3);
        let i = Inspection {
            id: format!("i{n:06}"),
            header: InspectionHeader {
                task_id: None,
                site_id: site.id.clone(),
                site_name: site.name.clone(),
                kind,
                template_id: t.id.clone(),
                template_version: t.version,
                created_by: by.clone(),
                started_at: started,
            },
            inspectors: vec![by.clone()],
            location: site.location,
            finished_at: (!draft).then_some(started + 3_600_000),
            status: if draft { InspectionStatus::Draft } else { InspectionStatus::Submitted },
            submitted_by: (!draft).then_some(by),
            answers,
            findings: findings.iter().map(|f| (f.id.clone(), f.clone())).collect(),
            signatures: Default::default(),
            photos: Default::default(),
            amendments: vec![],
            conflicts: vec![],
        };
        (i, findings)
    }
}
