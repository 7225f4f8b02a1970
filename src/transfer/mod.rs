//! `plait import` and `plait export`: moving points between servers and files over the HTTP API
//! (the commands never open a data directory). Part of the `plait` binary, not the library.
//!
//! - [`source`] is the seam an import reads through: [`jsonl`] (`{"id", "vector", "payload"}`
//!   per line), [`fvecs`] (vectors plus a payload JSONL) and [`scroll_source`] (a collection of a
//!   running Qdrant-compatible server, resumable from an offset).
//! - [`importer`] writes checked batches with `wait=true`; [`exporter`] writes JSONL atomically.
//! - [`client`] speaks HTTP; [`progress`] reports; [`error`] says why a transfer stopped.

mod client;
mod error;
mod exporter;
mod fvecs;
mod importer;
mod jsonl;
mod progress;
mod record;
mod scroll_source;
mod source;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgGroup, Args, Subcommand};
use plait::api::wire::bounds::MAX_POINTS_PER_REQUEST;
use plait::api::wire::point_id::WirePointId;
use plait::engine::point::PointId;

use client::Server;
use error::TransferError;
use importer::Target;
use source::Source;

/// The transfer commands, flattened into the binary's top-level commands.
#[derive(Debug, Subcommand)]
pub enum TransferCommand {
    /// Import points into a collection: from a Qdrant-compatible server, JSONL, or fvecs.
    Import(Box<ImportArgs>),
    /// Export a collection to JSONL (`{"id", "vector", "payload"}` per line).
    Export(ExportArgs),
}

/// Runs one transfer command and returns the exit status: 0 when every point was transferred,
/// 1 after printing why it stopped (the message names the line, offset or server answer, and
/// carries its causes itself).
pub fn run(command: TransferCommand) -> i32 {
    let outcome = match command {
        TransferCommand::Import(args) => import(*args),
        TransferCommand::Export(args) => export(&args),
    };
    match outcome {
        Ok(()) => 0,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e}");
            1
        }
    }
}

/// Arguments of `plait import`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("from").required(true).args(["from_qdrant", "from_jsonl", "from_fvecs"])))]
pub struct ImportArgs {
    /// The target server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The target collection.
    #[arg(long)]
    collection: String,
    /// Read from this Qdrant-compatible server (with --source-collection).
    #[arg(long, value_name = "URL", requires = "source_collection")]
    from_qdrant: Option<String>,
    /// The collection to read on the --from-qdrant server.
    #[arg(long, value_name = "NAME", requires = "from_qdrant")]
    source_collection: Option<String>,
    /// Start the scroll at this point id (the offset a progress line or an error printed).
    #[arg(long, value_name = "OFFSET", requires = "from_qdrant", value_parser = parse_offset)]
    resume_from: Option<PointId>,
    /// Read `{"id", "vector", "payload"}` objects, one per line.
    #[arg(long, value_name = "FILE")]
    from_jsonl: Option<PathBuf>,
    /// Read vectors from an .fvecs file (ids 0, 1, ... unless --payloads names them).
    #[arg(long, value_name = "FILE")]
    from_fvecs: Option<PathBuf>,
    /// With --from-fvecs: a JSONL file whose line n is the payload of row n (its "id", when
    /// present, becomes the point id).
    #[arg(long, value_name = "FILE", requires = "from_fvecs")]
    payloads: Option<PathBuf>,
    /// Create the target collection when it is missing, sized by the first vector.
    #[arg(long)]
    create: bool,
    /// Distance of a collection made by --create: Cosine, Dot, Euclid, Manhattan.
    #[arg(long, default_value = "Cosine", requires = "create")]
    distance: String,
    /// Points per request; each request is acknowledged durable before the next.
    #[arg(long, default_value_t = 256, value_parser = parse_batch)]
    batch: usize,
    /// Seconds between progress lines when stderr is not a terminal.
    #[arg(long, default_value_t = 2.0, value_parser = parse_seconds)]
    progress_every: f64,
}

/// Arguments of `plait export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The server.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    url: String,
    /// The collection.
    #[arg(long)]
    collection: String,
    /// The JSONL file to write (replaced only once the export is complete).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Points per page.
    #[arg(long, default_value_t = 256, value_parser = parse_batch)]
    batch: usize,
    /// Seconds between progress lines when stderr is not a terminal.
    #[arg(long, default_value_t = 2.0, value_parser = parse_seconds)]
    progress_every: f64,
}

fn parse_offset(text: &str) -> Result<PointId, String> {
    // Accepted bare or as the JSON of `next_page_offset` (a quoted UUID).
    let bare = text.trim().trim_matches('"');
    bare.parse::<PointId>().map_err(|e| e.to_string())
}

fn parse_batch(text: &str) -> Result<usize, String> {
    let n: usize = text.parse().map_err(|e| format!("{e}"))?;
    if (1..=MAX_POINTS_PER_REQUEST).contains(&n) {
        Ok(n)
    } else {
        Err(format!(
            "must be between 1 and {MAX_POINTS_PER_REQUEST} (the server's bound on one request)"
        ))
    }
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    let s: f64 = text.parse().map_err(|e| format!("{e}"))?;
    if s.is_finite() && (0.0..=86_400.0).contains(&s) {
        Ok(s)
    } else {
        Err("must be between 0 and 86400 seconds".to_owned())
    }
}

/// Runs `plait import`.
///
/// # Errors
/// Why the import stopped: what was imported before, and where to resume.
fn import(args: ImportArgs) -> Result<(), TransferError> {
    let target = Server::new(&args.url)?;
    let mut source: Box<dyn Source> = match (&args.from_qdrant, &args.from_jsonl, &args.from_fvecs)
    {
        (Some(url), _, _) => Box::new(scroll_source::ScrollSource::open(
            url,
            args.source_collection.as_deref().unwrap_or_default(),
            args.resume_from.map(WirePointId),
        )?),
        (_, Some(path), _) => Box::new(jsonl::JsonlSource::open(path)?),
        (_, _, Some(path)) => Box::new(fvecs::FvecsSource::open(path, args.payloads.as_deref())?),
        // clap's required group "from" rules this out; say so rather than panic.
        (None, None, None) => return Err(TransferError::NoSource),
    };
    importer::import(
        source.as_mut(),
        &Target {
            server: &target,
            collection: &args.collection,
            create_with: args.create.then_some(args.distance.as_str()),
        },
        args.batch,
        Duration::from_secs_f64(args.progress_every),
    )
}

/// Runs `plait export`.
///
/// # Errors
/// Why the export stopped; the output file is then left as it was.
fn export(args: &ExportArgs) -> Result<(), TransferError> {
    let server = Server::new(&args.url)?;
    exporter::export(
        &server,
        &args.collection,
        &args.out,
        args.batch,
        Duration::from_secs_f64(args.progress_every),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_are_taken_bare_or_as_json() {
        assert_eq!(parse_offset("30"), Ok(PointId::Num(30)));
        let uuid = "5c56c793-69f3-4fbf-87e6-c4bf54c28c26";
        assert_eq!(parse_offset(uuid), parse_offset(&format!("\"{uuid}\"")));
        assert!(parse_offset(uuid).is_ok());
        assert!(parse_offset("-1").is_err());
        assert!(parse_offset("next").is_err());
    }

    #[test]
    fn batches_are_bounded_by_the_servers_request_bound() {
        assert_eq!(parse_batch("1"), Ok(1));
        assert_eq!(parse_batch("100000"), Ok(MAX_POINTS_PER_REQUEST));
        assert!(parse_batch("0").is_err());
        assert!(parse_batch("100001").is_err());
        assert!(parse_seconds("-1").is_err());
        assert!(parse_seconds("NaN").is_err());
    }
}
