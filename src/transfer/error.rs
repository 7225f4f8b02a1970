//! [`TransferError`]: why an import or export stopped, naming the line, the source offset or the
//! server answer that stopped it.

use std::path::PathBuf;

/// Why an import or export stopped.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// A URL the client cannot use.
    #[error("{url:?} is not a usable server URL: {reason}")]
    BadUrl {
        /// As given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No connection, or it broke before an answer came.
    #[error("cannot reach the server at {url}: {reason}")]
    Unreachable {
        /// The URL tried.
        url: String,
        /// The innermost cause.
        reason: String,
    },
    /// The server answered with an error status.
    #[error("the server at {url} answered {status}: {message}")]
    Refused {
        /// The URL asked.
        url: String,
        /// HTTP status.
        status: u16,
        /// The error envelope's message, or the start of the body.
        message: String,
    },
    /// A 2xx answer whose body is not what the API promises.
    #[error("the server at {url} gave an answer the client cannot read: {reason}")]
    BadAnswer {
        /// The URL asked.
        url: String,
        /// What could not be read, with its JSON path.
        reason: String,
    },
    /// No source was named.
    #[error("name a source: --from-qdrant, --from-jsonl or --from-fvecs")]
    NoSource,
    /// The collection is not on the server.
    #[error("collection {collection:?} does not exist on {url}{hint}")]
    NoSuchCollection {
        /// The server.
        url: String,
        /// The collection asked for.
        collection: String,
        /// What to do about it (may be empty).
        hint: &'static str,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A line of a JSONL file is not a valid record.
    #[error("line {line} of {path}: {reason}")]
    BadLine {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// What is wrong with it.
        reason: String,
    },
    /// An fvecs file that is not well formed.
    #[error("{path} is not a valid fvecs file: {reason}")]
    BadVectors {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the row or byte offset.
        reason: String,
    },
    /// A page scrolled from the source server holds a point that cannot be imported.
    #[error("the source page starting at offset {offset}: {reason}")]
    BadSourcePage {
        /// The `offset` the page was asked from (`start` for the first page).
        offset: String,
        /// What is wrong, with the JSON path of the point.
        reason: String,
    },
    /// The source's vectors do not fit the target collection.
    #[error(
        "{origin} has vectors of {got} components, but collection {collection:?} holds vectors \
         of {expected}"
    )]
    Dimension {
        /// Where the first such vector came from.
        origin: String,
        /// The target collection.
        collection: String,
        /// The target's dimension.
        expected: usize,
        /// The source's dimension.
        got: usize,
    },
    /// The server refused a batch; nothing of it was applied.
    #[error("the server refused the batch of {origin}: {source}")]
    BatchRefused {
        /// The lines or offsets of the batch.
        origin: String,
        /// The server's answer.
        source: Box<TransferError>,
    },
    /// An import stopped part-way: what was imported before, and how to go on.
    #[error(
        "{source}\nimport stopped: {imported} points were imported before this batch, nothing of \
         this batch was applied{}",
        resume.as_ref().map_or(String::new(), |r| format!("; resume with --resume-from {r}"))
    )]
    Stopped {
        /// Points acknowledged before the failing batch.
        imported: u64,
        /// The offset to resume from (scrolling sources only).
        resume: Option<String>,
        /// Why it stopped.
        source: Box<TransferError>,
    },
}
