//! Exports of inspections, answers, findings and hazards with the lists'
//! filters: the columns (headers in Chinese or English) and the pages the
//! writers pull one after another. Every page is a keyset query of at most
//! [`PAGE_ROWS`] rows, so an export of any size holds one page in memory and
//! never keeps a database connection between pages.

use crate::filter::{Cursor, HazardQuery, InspectionQuery};
use crate::query;
use crate::reader::{Cells, Reader};
use redline_storage::StorageResult;
use redline_storage::sql::Sql;

pub const PAGE_ROWS: u32 = 2000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dataset {
    Inspections,
    Answers,
    Findings,
    Hazards,
}

impl Dataset {
    pub fn parse(s: &str) -> Option<Dataset> {
        Some(match s {
            "inspections" => Dataset::Inspections,
            "answers" => Dataset::Answers,
            "findings" => Dataset::Findings,
            "hazards" => Dataset::Hazards,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Dataset::Inspections => "inspections",
            Dataset::Answers => "answers",
            Dataset::Findings => "findings",
            Dataset::Hazards => "hazards",
        }
    }

    /// Column headers, `(Chinese, English)`.
    pub fn headers(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Dataset::Inspections => &[
                ("检查编号", "inspection id"),
                ("场所编号", "site id"),
                ("场所名称", "site"),
                ("区域", "area"),
                ("检查类型", "kind"),
                ("检查表", "checklist"),
                ("版本", "version"),
                ("状态", "status"),
                ("检查日期", "day"),
                ("开始时间", "started"),
                ("结束时间", "finished"),
                ("检查人", "inspector"),
                ("同行检查人", "co-inspectors"),
                ("结论", "outcome"),
                ("得分", "score"),
                ("已答", "answered"),
                ("合格", "passed"),
                ("不合格", "failed"),
                ("不适用", "not applicable"),
                ("重大隐患项", "major"),
                ("发现问题", "findings"),
                ("照片", "photos"),
                ("冲突", "conflicts"),
            ],
            Dataset::Answers => &[
                ("检查编号", "inspection id"),
                ("场所名称", "site"),
                ("检查日期", "day"),
                ("检查项", "item"),
                ("章节", "section"),
                ("答案", "answer"),
                ("结果", "result"),
                ("重要程度", "importance"),
                ("重大隐患判定", "major hazard"),
                ("备注", "note"),
                ("填写人", "by"),
                ("填写时间", "at"),
            ],
            Dataset::Findings => &[
                ("检查编号", "inspection id"),
                ("场所名称", "site"),
                ("检查日期", "day"),
                ("问题编号", "finding id"),
                ("检查项", "item"),
                ("问题描述", "description"),
                ("隐患等级", "grade"),
                ("整改期限", "deadline"),
                ("责任人", "responsible"),
                ("发现人", "by"),
                ("发现时间", "at"),
            ],
            Dataset::Hazards => &[
                ("隐患编号", "hazard id"),
                ("场所编号", "site id"),
                ("场所名称", "site"),
                ("区域", "area"),
                ("隐患描述", "description"),
                ("隐患等级", "grade"),
                ("状态", "state"),
                ("已逾期", "overdue"),
                ("整改期限", "deadline"),
                ("原期限", "original deadline"),
                ("责任人", "responsible"),
                ("挂牌督办", "listed"),
                ("发现人", "found by"),
                ("发现时间", "found"),
                ("销号时间", "closed"),
                ("回头看次数", "look-backs"),
                ("反弹次数", "relapses"),
            ],
        }
    }
}

/// One cell as the writers need it: numbers stay numbers in XLSX, times
/// are written as China local time text.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt(s: Option<String>) -> Cell {
    s.map_or(Cell::Empty, Cell::Text)
}

fn num(n: i64) -> Cell {
    Cell::Number(n as f64)
}

/// `YYYY-MM-DD HH:MM` in China time.
pub fn china_time(ms: i64) -> String {
    let day = redline_domain::time::Date::in_china(ms);
    let minutes = (ms - day.start_millis()) / 60_000;
    format!("{day} {:02}:{:02}", minutes / 60, minutes % 60)
}

/// Where the next page starts.
#[derive(Clone, Debug, Default)]
pub enum Resume {
    #[default]
    Start,
    After(Cursor),
    /// Child rows resume after (document, child key).
    AfterChild(String, String),
    Done,
}

/// The filters an export applies: inspection filters for inspections,
/// answers and findings, hazard filters for hazards.
#[derive(Clone, Debug)]
pub enum ExportFilter {
    Inspections(InspectionQuery),
    Hazards(HazardQuery),
}

impl Reader<'_> {
    /// The next page of `dataset` after `resume`, and where the one after
    /// starts ([`Resume::Done`] after the last).
    pub async fn export_page(&self, dataset: Dataset, filter: &ExportFilter, resume: &Resume) -> StorageResult<(Vec<Vec<Cell>>, Resume)> {
        match (dataset, filter, resume) {
            (_, _, Resume::Done) => Ok((vec![], Resume::Done)),
            (Dataset::Inspections, ExportFilter::Inspections(q), r) => self.inspection_page(q, r).await,
            (Dataset::Hazards, ExportFilter::Hazards(q), r) => self.hazard_page(q, r).await,
            (Dataset::Answers | Dataset::Findings, ExportFilter::Inspections(q), r) => self.child_page(dataset, q, r).await,
            _ => Ok((vec![], Resume::Done)),
        }
    }

    async fn inspection_page(&self, q: &InspectionQuery, r: &Resume) -> StorageResult<(Vec<Vec<Cell>>, Resume)> {
        let mut q = q.clone();
        q.limit = PAGE_ROWS;
        q.after = if let Resume::After(c) = r { Some(c.clone()) } else { None };
        let page = self.inspections(&q).await?;
        let next = page.next.as_ref().and_then(|_| page.items.last()).map(|i| Resume::After(Cursor { at: i.started_at, id: i.id.clone() }));
        let rows = page
            .items
            .into_iter()
            .map(|i| {
                vec![
                    text(i.id),
                    text(i.site_id),
                    text(i.site_name),
                    text(i.area),
                    text(i.kind),
                    text(i.template_id),
                    num(i.template_version),
                    text(i.status),
                    text(i.day),
                    text(china_time(i.started_at)),
                    opt(i.finished_at.map(china_time)),
                    text(i.created_by_name),
                    text(i.inspector_names),
                    opt(i.outcome),
                    i.score.map_or(Cell::Empty, Cell::Number),
                    num(i.answered),
                    num(i.passed),
                    num(i.failed),
                    num(i.not_applicable),
                    num(i.major),
                    num(i.findings),
                    num(i.photos),
                    num(i.conflicts),
                ]
            })
            .collect();
        Ok((rows, next.unwrap_or(Resume::Done)))
    }

    async fn hazard_page(&self, q: &HazardQuery, r: &Resume) -> StorageResult<(Vec<Vec<Cell>>, Resume)> {
        let mut q = q.clone();
        q.limit = PAGE_ROWS;
        q.after = if let Resume::After(c) = r { Some(c.clone()) } else { None };
        let page = self.hazards(&q).await?;
        let next = page.next.as_ref().and_then(|_| page.items.last()).map(|h| Resume::After(Cursor { at: h.found_at, id: h.id.clone() }));
        let rows = page
            .items
            .into_iter()
            .map(|h| {
                vec![
                    text(h.id),
                    text(h.site_id),
                    text(h.site_name),
                    text(h.area),
                    text(h.description),
                    text(h.grade),
                    text(h.state),
                    text(if h.overdue { "yes" } else { "no" }),
                    opt(h.deadline),
                    opt(h.original_deadline),
                    opt(h.responsible),
                    opt(h.listed),
                    text(h.found_by_name),
                    text(china_time(h.found_at)),
                    opt(h.closed_at.map(china_time)),
                    num(h.look_backs),
                    num(h.relapses),
                ]
            })
            .collect();
        Ok((rows, next.unwrap_or(Resume::Done)))
    }

    /// Answers or findings of the inspections the filter selects, by
    /// (inspection id, child key).
    async fn child_page(&self, dataset: Dataset, q: &InspectionQuery, r: &Resume) -> StorageResult<(Vec<Vec<Cell>>, Resume)> {
        let (table, key, cols) = match dataset {
            Dataset::Answers => (
                "rm_answers",
                "item_id",
                "c.doc_id, i.site_name, i.day, c.item_id, c.section_id, c.value, c.result, c.importance, c.major_hazard, c.note, c.by_name, c.at",
            ),
            _ => (
                "rm_findings",
                "finding_id",
                "c.doc_id, i.site_name, i.day, c.finding_id, c.item_id, c.description, c.grade, c.deadline, c.responsible, c.by_name, c.at",
            ),
        };
        let mut s = Sql::new(self.storage.dialect());
        s.push(&format!("SELECT {cols} FROM {table} c JOIN rm_inspections i ON i.doc_id = c.doc_id"));
        query::inspection_where(&mut s, self.scope, q);
        if let Resume::AfterChild(doc, child) = r {
            s.push(" AND (c.doc_id > ").bind(doc.as_str());
            s.push(" OR (c.doc_id = ").bind(doc.as_str()).push(&format!(" AND c.{key} > ")).bind(child.as_str()).push("))");
        }
        s.push(&format!(" ORDER BY c.doc_id, c.{key} LIMIT ")).bind(i64::from(PAGE_ROWS));
        let rows = self.storage.query(s).await?;
        let mut out = Vec::with_capacity(rows.len());
        let mut last = None;
        for row in &rows {
            let mut c = Cells::new(row);
            let mut cells = vec![];
            let (doc, site, day, child) = (c.text()?, c.text()?, c.text()?, c.text()?);
            cells.extend([text(doc.clone()), text(site), text(day), text(child.clone())]);
            let rest = table_rest(dataset, &mut c)?;
            cells.extend(rest);
            out.push(cells);
            last = Some((doc, child));
        }
        let next = match last {
            Some((doc, child)) if rows.len() == PAGE_ROWS as usize => Resume::AfterChild(doc, child),
            _ => Resume::Done,
        };
        Ok((out, next))
    }
}

fn table_rest(dataset: Dataset, c: &mut Cells<'_>) -> StorageResult<Vec<Cell>> {
    Ok(match dataset {
        Dataset::Answers => vec![
            opt(c.opt_text()?),
            text(c.text()?),
            opt(c.opt_text()?),
            opt(c.opt_text()?),
            opt(c.opt_text()?),
            opt(c.opt_text()?),
            text(c.text()?),
            text(china_time(c.int()?)),
        ],
        _ => vec![
            opt(c.opt_text()?),
            text(c.text()?),
            text(c.text()?),
            opt(c.opt_text()?),
            opt(c.opt_text()?),
            text(c.text()?),
            text(china_time(c.int()?)),
        ],
    })
}
