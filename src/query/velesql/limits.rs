//! The bounds on what one request may ask of the parser. Each is checked where the input is
//! read, before the work it bounds, and each refusal names the bound.

/// Longest query text accepted, in bytes.
pub const MAX_QUERY_BYTES: usize = 64 * 1024;

/// Deepest nesting of parentheses, brackets and `NOT`s: the parser recurses once per level.
pub const MAX_NESTING: usize = 64;

/// Most statements in one request.
pub const MAX_STATEMENTS: usize = 64;

/// Most items in one list: an `IN (...)` or `CONTAINS ANY/ALL (...)` list, the rows of `VALUES`
/// or the values of one row, an array or vector literal. A larger vector is sent as a parameter.
pub const MAX_LIST_ITEMS: usize = 4096;

/// Most relationships in one `MATCH` (all its pattern parts together) or `EXISTS (MATCH ...)`:
/// each is one join step of the executor.
pub const MAX_PATTERN_RELATIONSHIPS: usize = 16;

/// Most pattern parts (comma-separated) in one `MATCH`.
pub const MAX_PATTERN_PARTS: usize = 16;

/// Most labels on one node pattern, or edge labels on one relationship.
pub const MAX_PATTERN_LABELS: usize = 64;

/// Most `EXISTS (MATCH ...)` predicates in one statement: each runs a pattern match.
pub const MAX_EXISTS: usize = 8;
