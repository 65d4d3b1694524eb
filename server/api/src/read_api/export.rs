//! `GET /api/v1/export/{dataset}.{csv|xlsx}`: inspections, answers,
//! findings or hazards with the lists' filters, streamed. CSV goes out page
//! by page as it is read (UTF-8 with a byte-order mark, so Excel opens
//! Chinese text correctly); XLSX is written by rust_xlsxwriter in
//! constant-memory mode into a temporary file, which is then streamed. At
//! no point do all rows sit in memory, and no database connection is held
//! between pages.

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, Uri, header};
use axum::response::{IntoResponse, Response};
use redline_domain::time::Date;
use redline_read_models::Reader;
use redline_read_models::export::{Cell, Dataset, ExportFilter, Resume};
use redline_read_models::filter::{HazardParams, InspectionParams};
use redline_storage::{Principal, Scope, Storage};
use std::sync::Arc;

/// Rows per worksheet before the next one starts (Excel's limit is 1,048,576).
const SHEET_ROWS: u32 = 1_000_000;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Format {
    Csv,
    Xlsx,
}

#[derive(Clone, Copy, Debug, PartialEq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Zh,
    En,
}

/// The header language; the dataset's filters come in the same query.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// Column headers in Chinese (default) or English.
    #[param(schema_with = lang_schema)]
    pub lang: Option<Lang>,
}

/// `zh` or `en`, stated inline (a `$ref` would name a component the
/// document does not hold).
fn lang_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["zh", "en"])).build()
}

/// The names of a filter struct's parameters, as the document lists them.
pub fn param_names<P: utoipa::IntoParams>() -> Vec<String> {
    P::into_params(|| Some(utoipa::openapi::path::ParameterIn::Query)).into_iter().map(|p| p.name).collect()
}

/// A filter of the other kind of list (`grade` on an inspections export,
/// `status` on a hazards one) is refused rather than ignored: an export
/// must never hold more rows than the filters it was sent say.
fn refuse_foreign_filters(dataset: Dataset, uri: &Uri) -> Result<(), ApiError> {
    let (own, other) = match dataset {
        Dataset::Hazards => (param_names::<HazardParams>(), param_names::<InspectionParams>()),
        _ => (param_names::<InspectionParams>(), param_names::<HazardParams>()),
    };
    let pairs = Query::<Vec<(String, String)>>::try_from_uri(uri).map_err(|e| ApiError::BadRequest(e.body_text()))?;
    match pairs.0.into_iter().map(|(k, _)| k).find(|k| other.contains(k) && !own.contains(k)) {
        Some(key) => Err(ApiError::BadRequest(format!("{key}: not a filter of {} exports", dataset.name()))),
        None => Ok(()),
    }
}

fn parse_file(file: &str) -> Option<(Dataset, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    let format = match ext {
        "csv" => Format::Csv,
        "xlsx" => Format::Xlsx,
        _ => return None,
    };
    Some((Dataset::parse(name)?, format))
}

fn filter_of(dataset: Dataset, uri: &Uri) -> Result<ExportFilter, ApiError> {
    refuse_foreign_filters(dataset, uri)?;
    let bad = |e: axum::extract::rejection::QueryRejection| ApiError::BadRequest(e.body_text());
    Ok(match dataset {
        Dataset::Hazards => ExportFilter::Hazards(Query::<HazardParams>::try_from_uri(uri).map_err(bad)?.0.parse()?),
        _ => ExportFilter::Inspections(Query::<InspectionParams>::try_from_uri(uri).map_err(bad)?.0.parse()?),
    })
}

#[utoipa::path(get, path = "/api/v1/export/{file}", tag = "exports",
    params(("file" = String, Path, description = "inspections, answers, findings or hazards, then .csv or .xlsx"), ExportParams),
    responses(
        (status = 200, description = "The rows, streamed", content(("text/csv"), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 400, body = super::ErrorJson), (status = 401, body = super::ErrorJson), (status = 404, body = super::ErrorJson),
        (status = 429, body = super::ErrorJson)),
    security(("token" = [])))]
pub async fn export(
    State(state): State<AppState>,
    who: Principal,
    Path(file): Path<String>,
    Query(p): Query<ExportParams>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let (dataset, format) = parse_file(&file).ok_or(ApiError::NotFound)?;
    let filter = filter_of(dataset, &uri)?;
    let job = Job {
        storage: state.storage.clone(),
        scope: who.scope,
        today: state.clock.today(),
        dataset,
        filter,
        lang: p.lang.unwrap_or(Lang::Zh),
    };
    let (body, content_type) = match format {
        Format::Csv => (csv_body(job), "text/csv; charset=utf-8"),
        Format::Xlsx => (xlsx_body(job).await?, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    };
    let disposition = format!("attachment; filename=\"{file}\"");
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_DISPOSITION, HeaderValue::from_str(&disposition).map_err(|e| ApiError::Internal(e.to_string()))?);
    Ok(response)
}

/// Everything one export needs, owned, so its pages can be read after the
/// handler has returned the response head.
struct Job {
    storage: Arc<dyn Storage>,
    scope: Scope,
    today: Date,
    dataset: Dataset,
    filter: ExportFilter,
    lang: Lang,
}

impl Job {
    fn headers(&self) -> Vec<&'static str> {
        self.dataset.headers().iter().map(|(zh, en)| if self.lang == Lang::Zh { *zh } else { *en }).collect()
    }

    async fn page(&self, resume: &Resume) -> Result<(Vec<Vec<Cell>>, Resume), ApiError> {
        let reader = Reader { storage: self.storage.as_ref(), scope: &self.scope, today: self.today };
        Ok(reader.export_page(self.dataset, &self.filter, resume).await?)
    }
}

fn cell_text(c: &Cell) -> String {
    match c {
        Cell::Text(t) => t.clone(),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
        Cell::Number(n) => n.to_string(),
        Cell::Empty => String::new(),
    }
}

/// CSV bytes of some rows (and the header first).
fn csv_chunk(header: Option<&[&str]>, rows: &[Vec<Cell>]) -> Result<Bytes, ApiError> {
    let mut out = Vec::with_capacity(rows.len() * 128);
    if header.is_some() {
        out.extend_from_slice("\u{feff}".as_bytes());
    }
    let mut w = csv::Writer::from_writer(&mut out);
    let fail = |e: csv::Error| ApiError::Internal(format!("csv: {e}"));
    if let Some(h) = header {
        w.write_record(h).map_err(fail)?;
    }
    for r in rows {
        w.write_record(r.iter().map(cell_text)).map_err(fail)?;
    }
    w.flush().map_err(|e| ApiError::Internal(format!("csv: {e}")))?;
    drop(w);
    Ok(Bytes::from(out))
}

/// The CSV body: the header, then one chunk per page as it is read. A page
/// that fails ends the stream with an error, so the client sees a broken
/// download rather than a short file that looks complete.
fn csv_body(job: Job) -> Body {
    let job = Arc::new(job);
    let stream = futures_util::stream::unfold(Some(Resume::Start), move |resume| {
        let job = job.clone();
        async move {
            let resume = resume?;
            if matches!(resume, Resume::Done) {
                return None;
            }
            let first = matches!(resume, Resume::Start);
            let chunk = async {
                let (rows, next) = job.page(&resume).await?;
                let headers = job.headers();
                let bytes = tokio::task::spawn_blocking(move || csv_chunk(first.then_some(headers.as_slice()), &rows))
                    .await
                    .map_err(|e| ApiError::Internal(e.to_string()))??;
                Ok::<_, ApiError>((bytes, next))
            };
            match chunk.await {
                Ok((bytes, next)) => Some((Ok::<Bytes, std::io::Error>(bytes), Some(next))),
                Err(e) => {
                    tracing::error!(error = %e, "export failed");
                    Some((Err(std::io::Error::other(e.to_string())), None))
                }
            }
        }
    });
    Body::from_stream(stream)
}

/// Writes the whole workbook into a temporary file on the blocking pool
/// (pages are fetched from there through the runtime), then streams it.
async fn xlsx_body(job: Job) -> Result<Body, ApiError> {
    let handle = tokio::runtime::Handle::current();
    let file = tokio::task::spawn_blocking(move || write_xlsx(&job, &handle)).await.map_err(|e| ApiError::Internal(e.to_string()))??;
    let file = tokio::fs::File::from_std(file);
    let stream = futures_util::stream::unfold(file, |mut file| async move {
        use tokio::io::AsyncReadExt;
        let mut buf = vec![0u8; 64 << 10];
        match file.read(&mut buf).await {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some((Ok::<Bytes, std::io::Error>(Bytes::from(buf)), file))
            }
            Err(e) => Some((Err(e), file)),
        }
    });
    Ok(Body::from_stream(stream))
}

fn write_xlsx(job: &Job, rt: &tokio::runtime::Handle) -> Result<std::fs::File, ApiError> {
    use rust_xlsxwriter::{Workbook, XlsxError};
    let fail = |e: XlsxError| ApiError::Internal(format!("xlsx: {e}"));
    let dir = tempfile::tempdir().map_err(|e| ApiError::Internal(format!("temporary folder: {e}")))?;
    let mut book = Workbook::new();
    book.set_tempdir(dir.path()).map_err(fail)?;
    let headers = job.headers();
    let mut resume = Resume::Start;
    let mut row = SHEET_ROWS;
    let mut sheets = 0;
    while !matches!(resume, Resume::Done) {
        let (rows, next) = rt.block_on(job.page(&resume))?;
        for r in rows {
            if row >= SHEET_ROWS {
                sheets += 1;
                let sheet = book.add_worksheet_with_constant_memory();
                sheet
                    .set_name(format!("{}{}", job.dataset.name(), if sheets > 1 { format!(" {sheets}") } else { String::new() }))
                    .map_err(fail)?;
                for (c, h) in headers.iter().enumerate() {
                    sheet.write_string(0, c as u16, *h).map_err(fail)?;
                }
                row = 0;
            }
            row += 1;
            let sheet = book.worksheet_from_index(sheets - 1).map_err(fail)?;
            for (c, cell) in r.iter().enumerate() {
                match cell {
                    Cell::Text(t) => sheet.write_string(row, c as u16, t).map(|_| ()),
                    Cell::Number(n) => sheet.write_number(row, c as u16, *n).map(|_| ()),
                    Cell::Empty => Ok(()),
                }
                .map_err(fail)?;
            }
        }
        resume = next;
    }
    if sheets == 0 {
        let sheet = book.add_worksheet_with_constant_memory();
        sheet.set_name(job.dataset.name()).map_err(fail)?;
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).map_err(fail)?;
        }
    }
    let mut out = tempfile::tempfile().map_err(|e| ApiError::Internal(format!("temporary file: {e}")))?;
    book.save_to_writer(&mut out).map_err(fail)?;
    use std::io::Seek;
    out.rewind().map_err(|e| ApiError::Internal(format!("temporary file: {e}")))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_choose_dataset_and_format() {
        assert_eq!(parse_file("hazards.xlsx"), Some((Dataset::Hazards, Format::Xlsx)));
        assert_eq!(parse_file("answers.csv"), Some((Dataset::Answers, Format::Csv)));
        assert_eq!(parse_file("answers.pdf"), None);
        assert_eq!(parse_file("secrets.csv"), None);
    }

    #[test]
    fn csv_starts_with_a_byte_order_mark_and_quotes_what_needs_it() {
        let rows = vec![vec![Cell::Text("灭火器, 过期".into()), Cell::Number(3.0), Cell::Empty]];
        let bytes = csv_chunk(Some(&["描述", "数", "空"]), &rows).unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        assert!(text.starts_with('\u{feff}'));
        assert_eq!(text.trim_start_matches('\u{feff}'), "描述,数,空\n\"灭火器, 过期\",3,\n");
    }
}
