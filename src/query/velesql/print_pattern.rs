//! The canonical text of graph patterns: `MATCH` statements and `EXISTS (MATCH ...)`.
//! Relationships print bracketed and their range only when one was written, so the text parses
//! back to the same tree.

use std::fmt::{self, Display, Formatter, Write as _};

use super::ast::{
    Direction, ExistsMatch, MatchQuery, NodePattern, PathPattern, RelDirection, RelPattern,
};
use super::print::{VALUE, list, operand};

impl Display for MatchQuery {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("MATCH ")?;
        list(f, &self.patterns)?;
        write!(f, " FROM {}", self.from)?;
        if let Some(filter) = &self.filter {
            write!(f, " WHERE {filter}")?;
        }
        f.write_str(if self.distinct {
            " RETURN DISTINCT "
        } else {
            " RETURN "
        })?;
        list(f, &self.returns)?;
        if !self.order_by.is_empty() {
            f.write_str(" ORDER BY ")?;
            for (i, key) in self.order_by.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                operand(f, &key.expr, VALUE)?;
                match key.direction {
                    Some(Direction::Asc) => f.write_str(" ASC")?,
                    Some(Direction::Desc) => f.write_str(" DESC")?,
                    None => {}
                }
            }
        }
        if let Some(limit) = &self.limit {
            write!(f, " LIMIT {limit}")?;
        }
        Ok(())
    }
}

impl Display for ExistsMatch {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str("EXISTS (MATCH ")?;
        list(f, &self.patterns)?;
        if let Some(filter) = &self.filter {
            write!(f, " WHERE {filter}")?;
        }
        f.write_char(')')
    }
}

impl Display for PathPattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.start)?;
        for (rel, node) in &self.steps {
            write!(f, "{rel}{node}")?;
        }
        Ok(())
    }
}

impl Display for NodePattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_char('(')?;
        if let Some(var) = &self.var {
            write!(f, "{var}")?;
        }
        for label in &self.labels {
            write!(f, ":{label}")?;
        }
        if !self.props.is_empty() {
            if self.var.is_some() || !self.labels.is_empty() {
                f.write_char(' ')?;
            }
            f.write_char('{')?;
            for (i, (key, value)) in self.props.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{key}: ")?;
                operand(f, value, VALUE)?;
            }
            f.write_char('}')?;
        }
        f.write_char(')')
    }
}

impl Display for RelPattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        f.write_str(if self.direction == RelDirection::Left {
            "<-["
        } else {
            "-["
        })?;
        if let Some(var) = &self.var {
            write!(f, "{var}")?;
        }
        for (i, label) in self.types.iter().enumerate() {
            f.write_str(if i == 0 { ":" } else { "|" })?;
            write!(f, "{label}")?;
        }
        if self.ranged {
            write!(f, "*{}..{}", self.min_hops, self.max_hops)?;
        }
        f.write_str(if self.direction == RelDirection::Right {
            "]->"
        } else {
            "]-"
        })
    }
}
