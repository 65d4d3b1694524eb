//! SQL written once for both backends: a statement is text plus typed
//! parameters, with placeholders in the backend's dialect (`?N` for SQLite,
//! `$N` for PostgreSQL). The read models build their writes and queries
//! with it, so each backend only executes what it is given and reads the
//! cells back as [`Value`]s.
//!
//! Portable SQL only: integer and text columns, `CAST(... AS BIGINT)` around
//! sums, `LIKE ... ESCAPE '\'` for search (scopes use `below_area`), no
//! `RETURNING` or upserts with backend-specific syntax beyond `ON CONFLICT`.

use crate::Scope;

/// Which placeholder sigil the backend numbers its parameters with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

impl Dialect {
    fn mark(self) -> char {
        match self {
            Dialect::Sqlite => '?',
            Dialect::Postgres => '$',
        }
    }
}

/// A parameter or a cell: text, integer or real, each possibly NULL. The
/// type travels with a NULL, because PostgreSQL checks parameter types.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
    Bytes(Option<Vec<u8>>),
}

impl Value {
    pub fn text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => t.as_deref(),
            _ => None,
        }
    }

    pub fn int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => *i,
            Value::Real(r) => r.map(|r| r as i64),
            Value::Text(_) | Value::Bytes(_) => None,
        }
    }

    pub fn bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => b.as_deref(),
            _ => None,
        }
    }

    pub fn real(&self) -> Option<f64> {
        match self {
            Value::Real(r) => *r,
            Value::Int(i) => i.map(|i| i as f64),
            Value::Text(_) | Value::Bytes(_) => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Text(Some(s.to_string()))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Text(Some(s))
    }
}

impl From<Option<String>> for Value {
    fn from(s: Option<String>) -> Value {
        Value::Text(s)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(Some(i))
    }
}

impl From<Option<i64>> for Value {
    fn from(i: Option<i64>) -> Value {
        Value::Int(i)
    }
}

impl From<u32> for Value {
    fn from(i: u32) -> Value {
        Value::Int(Some(i64::from(i)))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Int(Some(i64::from(b)))
    }
}

impl From<Option<f64>> for Value {
    fn from(r: Option<f64>) -> Value {
        Value::Real(r)
    }
}

impl From<f64> for Value {
    fn from(r: f64) -> Value {
        Value::Real(Some(r))
    }
}

/// One row as read back, cells in the order selected.
pub type Row = Vec<Value>;

/// A statement under construction: text with numbered placeholders and
/// the parameters they stand for.
/// Bound parameters per statement, under SQLite's 32,766 and PostgreSQL's
/// 65,535.
pub const MAX_PARAMS: usize = 30_000;

#[derive(Clone, Debug)]
pub struct Sql {
    dialect: Dialect,
    pub text: String,
    pub params: Vec<Value>,
}

impl Sql {
    pub fn new(dialect: Dialect) -> Sql {
        Sql { dialect, text: String::new(), params: vec![] }
    }

    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// Appends literal SQL (never user input).
    pub fn push(&mut self, sql: &str) -> &mut Sql {
        self.text.push_str(sql);
        self
    }

    /// Appends a placeholder for `v`.
    pub fn bind(&mut self, v: impl Into<Value>) -> &mut Sql {
        self.params.push(v.into());
        let n = self.params.len();
        self.text.push(self.dialect.mark());
        self.text.push_str(&n.to_string());
        self
    }

    /// Records `v` and returns its placeholder without appending it, for
    /// conditions written elsewhere (e.g. `listing::overdue_sql`).
    pub fn placeholder(&mut self, v: impl Into<Value>) -> String {
        self.params.push(v.into());
        format!("{}{}", self.dialect.mark(), self.params.len())
    }

    /// `INSERT INTO table (cols) VALUES (...)` with one placeholder per value.
    pub fn insert(dialect: Dialect, table: &str, cols: &[&str], values: Vec<Value>) -> Sql {
        debug_assert_eq!(cols.len(), values.len(), "{table}");
        let mut s = Sql::new(dialect);
        s.push(&format!("INSERT INTO {table} ({}) VALUES (", cols.join(", ")));
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                s.push(", ");
            }
            s.bind(v);
        }
        s.push(")");
        s
    }

    /// `INSERT INTO table (cols) VALUES (...), (...)` for `rows`, in as few
    /// statements as the backends' bound-parameter limits allow.
    pub fn insert_rows(dialect: Dialect, table: &str, cols: &[&str], rows: Vec<Vec<Value>>) -> Vec<Sql> {
        let per = (MAX_PARAMS / cols.len().max(1)).max(1);
        let mut out = vec![];
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let mut s = Sql::new(dialect);
            s.push(&format!("INSERT INTO {table} ({}) VALUES ", cols.join(", ")));
            for (r, row) in rows.by_ref().take(per).enumerate() {
                debug_assert_eq!(cols.len(), row.len(), "{table}");
                s.push(if r == 0 { "(" } else { ", (" });
                for (i, v) in row.into_iter().enumerate() {
                    if i > 0 {
                        s.push(", ");
                    }
                    s.bind(v);
                }
                s.push(")");
            }
            out.push(s);
        }
        out
    }

    /// The condition "in `scope`" over `{alias}.site_id` and `{alias}.area`.
    pub fn scope(&mut self, scope: &Scope, alias: &str) -> &mut Sql {
        if scope.areas.iter().any(|a| a.is_empty()) {
            return self.push("TRUE");
        }
        if scope.areas.is_empty() && scope.sites.is_empty() {
            return self.push("FALSE");
        }
        self.push("(");
        let mut first = true;
        for a in &scope.areas {
            self.push(if first { "" } else { " OR " });
            first = false;
            self.push(&format!("{alias}.area = ")).bind(a.as_str());
            let placeholder = self.placeholder(format!("{a}/"));
            self.push(" OR ").push(&crate::below_area(&format!("{alias}.area"), &placeholder, a));
        }
        for s in &scope.sites {
            self.push(if first { "" } else { " OR " });
            first = false;
            self.push(&format!("{alias}.site_id = ")).bind(s.as_str());
        }
        self.push(")")
    }

    /// `column LIKE '%needle%'`, with the needle's wildcards escaped.
    pub fn contains(&mut self, column: &str, needle: &str) -> &mut Sql {
        self.push(&format!("{column} LIKE ")).bind(format!("%{}%", like_escape(needle))).push(" ESCAPE '\\'")
    }
}

/// Escapes `\`, `%` and `_` for a `LIKE ... ESCAPE '\'` pattern.
pub fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_in_the_dialect() {
        let mut s = Sql::new(Dialect::Postgres);
        s.push("a = ").bind(1i64).push(" AND b = ").bind("x");
        assert_eq!(s.text, "a = $1 AND b = $2");
        let mut s = Sql::new(Dialect::Sqlite);
        s.push("a = ").bind(1i64);
        assert_eq!(s.text, "a = ?1");
    }

    #[test]
    fn many_rows_become_few_statements_under_the_parameter_limit() {
        let row = |n: i64| vec![Value::from(n), Value::from("x")];
        let one = Sql::insert_rows(Dialect::Postgres, "t", &["a", "b"], vec![row(1), row(2)]);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].text, "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4)");
        let per = MAX_PARAMS / 2;
        let many = Sql::insert_rows(Dialect::Sqlite, "t", &["a", "b"], (0..per as i64 + 1).map(row).collect());
        assert_eq!(many.iter().map(|s| s.params.len()).collect::<Vec<_>>(), [2 * per, 2]);
        assert!(Sql::insert_rows(Dialect::Sqlite, "t", &["a"], vec![]).is_empty());
    }

    #[test]
    fn scope_conditions_cover_areas_below_and_listed_sites() {
        let scope = Scope { areas: vec!["zj/jx".into()], sites: vec!["s1".into()] };
        let mut s = Sql::new(Dialect::Sqlite);
        s.scope(&scope, "t");
        assert_eq!(s.text, "(t.area = ?1 OR substr(t.area, 1, 6) = ?2 OR t.site_id = ?3)");
        assert_eq!(s.params[1], Value::from("zj/jx/"));
        let mut none = Sql::new(Dialect::Sqlite);
        none.scope(&Scope::default(), "t");
        assert_eq!(none.text, "FALSE");
    }

    #[test]
    fn search_needles_cannot_smuggle_wildcards() {
        let mut s = Sql::new(Dialect::Sqlite);
        s.contains("search", "50%_a");
        assert_eq!(s.params[0], Value::from("%50\\%\\_a%"));
    }
}
