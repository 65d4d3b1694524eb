//! The server's read models: relational rows of every merged inspection and
//! hazard, so supervisors' questions ("which hazards are overdue in this
//! community?") are answered by indexed queries, never by loading
//! documents.
//!
//! - [`derive`] turns a merged document into the statements replacing its
//!   rows; the backend runs them in the document's commit transaction.
//! - [`filter`] parses what a caller asks for ([`params_doc`] states its
//!   rules in the OpenAPI document); [`query`] builds the scoped,
//!   keyset-paged SQL once for both backends; [`Reader`] runs it and returns
//!   [`views`], read out of the rows by [`rows`]; [`overview`] and
//!   [`export`] build on the same.
//! - [`rebuild`] replays every stored document into fresh tables.

pub mod derive;
pub mod export;
pub mod filter;
pub mod overview;
pub mod params_doc;
pub mod query;
pub mod reader;
pub mod rebuild;
pub mod rows;
pub mod tables;
pub mod templates;
pub mod views;

pub use reader::Reader;
pub use templates::TemplateBook;
