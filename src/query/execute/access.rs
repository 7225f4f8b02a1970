//! What a statement needs to be allowed to run: the access level and the collection it touches.
//!
//! The query layer knows nothing of keys or tokens; the caller (the HTTP layer) passes a gate
//! in [`super::Request::gate`] and every statement of a request is checked against it before the
//! first one runs, so a request that mixes a permitted read with a forbidden write changes
//! nothing.

use crate::query::velesql::ast::Statement;

/// How much a statement asks of its collection (or of the server, when it names none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Reads points, indexes or settings.
    Read,
    /// Changes points, payloads or indexes of an existing collection.
    Write,
    /// Creates or drops collections.
    Manage,
}

/// What one statement needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need<'a> {
    /// The access level.
    pub level: Level,
    /// The collection touched, as the statement names it; `None` for server-wide statements.
    pub collection: Option<&'a str>,
}

impl<'a> Need<'a> {
    fn on(level: Level, collection: &'a str) -> Self {
        Self {
            level,
            collection: Some(collection),
        }
    }
}

/// What `statement` needs. `EXPLAIN` reads whatever it explains: even with `ANALYZE` it runs
/// only a `SELECT`, and a write is only planned.
#[must_use]
pub fn need_of(statement: &Statement) -> Need<'_> {
    match statement {
        Statement::Select(s) => Need::on(Level::Read, &s.from.name),
        Statement::Match(m) => Need::on(Level::Read, &m.from.name),
        Statement::Insert(i) => Need::on(Level::Write, &i.collection.name),
        Statement::Update(u) => Need::on(Level::Write, &u.collection.name),
        Statement::Delete(d) => Need::on(Level::Write, &d.collection.name),
        Statement::CreateIndex { collection, .. } | Statement::DropIndex { collection, .. } => {
            Need::on(Level::Write, &collection.name)
        }
        Statement::CreateCollection(c) => Need::on(Level::Manage, &c.collection.name),
        Statement::DropCollection { collection, .. } => Need::on(Level::Manage, &collection.name),
        Statement::Describe { collection } => Need::on(Level::Read, &collection.name),
        Statement::ShowCollections => Need {
            level: Level::Read,
            collection: None,
        },
        Statement::Explain { statement, .. } => Need {
            level: Level::Read,
            ..need_of(statement)
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::velesql::parse;

    fn needs(text: &str) -> Vec<(Level, Option<String>)> {
        let statements = parse(text).expect("parses");
        statements
            .iter()
            .map(|s| {
                let n = need_of(s);
                (n.level, n.collection.map(str::to_owned))
            })
            .collect()
    }

    #[test]
    fn each_statement_kind_needs_its_level_on_its_collection() {
        let c = Some("c".to_owned());
        assert_eq!(
            needs("SELECT id FROM c LIMIT 1"),
            vec![(Level::Read, c.clone())]
        );
        assert_eq!(
            needs("DELETE FROM c WHERE id = 1"),
            vec![(Level::Write, c.clone())]
        );
        assert_eq!(
            needs("UPDATE c SET a = 1 WHERE id = 1"),
            vec![(Level::Write, c.clone())]
        );
        assert_eq!(needs("DROP COLLECTION c"), vec![(Level::Manage, c.clone())]);
        assert_eq!(needs("SHOW COLLECTIONS"), vec![(Level::Read, None)]);
        assert_eq!(
            needs("MATCH (a)-[:R]->(b) FROM c RETURN a.id"),
            vec![(Level::Read, c.clone())]
        );
        assert_eq!(
            needs("EXPLAIN DELETE FROM c WHERE id = 1"),
            vec![(Level::Read, c.clone())]
        );
        assert_eq!(
            needs("EXPLAIN ANALYZE DELETE FROM c WHERE id = 1"),
            vec![(Level::Read, c)]
        );
    }
}
