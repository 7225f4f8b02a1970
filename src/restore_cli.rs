//! `plait restore`: point-in-time restore of one collection from a WAL archive, offline (see
//! `plait::engine::wal_archive::restore`). Prints what it restored; any refusal is a message
//! and a non-zero exit, with nothing left in the data directory.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use plait::engine::wal_archive::restore::{Request, Target, restore};

/// Arguments of `plait restore`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("target").required(true).args(["to_seq", "to_time"])))]
pub struct RestoreArgs {
    /// The WAL archive directory (the server's --wal-archive).
    #[arg(long)]
    archive: PathBuf,
    /// The collection to restore.
    #[arg(long)]
    collection: String,
    /// Restore through this WAL sequence number (a write's operation_id), inclusive.
    #[arg(long)]
    to_seq: Option<u64>,
    /// Restore to this moment (RFC 3339, e.g. 2026-01-31T12:00:00.250Z): every write
    /// acknowledged before it, none sent after it; millisecond resolution.
    #[arg(long)]
    to_time: Option<String>,
    /// The data directory to create the collection in; it must not have the collection, and no
    /// server may be running on it.
    #[arg(long)]
    data_dir: PathBuf,
    /// The data directory of the stopped server whose live WAL continues the archive (for
    /// targets after its last checkpoint).
    #[arg(long)]
    live_data_dir: Option<PathBuf>,
}

/// Runs `plait restore`.
///
/// # Errors
/// A bad `--to-time`, or the restore's refusal.
pub fn run(args: RestoreArgs) -> anyhow::Result<()> {
    let target = match (args.to_seq, args.to_time) {
        (Some(seq), _) => Target::Seq(seq),
        (None, Some(text)) => {
            let at = chrono::DateTime::parse_from_rfc3339(&text).with_context(|| {
                format!("--to-time {text:?} is not an RFC 3339 time such as 2026-01-31T12:00:00Z")
            })?;
            let unix_ms = u64::try_from(at.timestamp_millis())
                .with_context(|| format!("--to-time {text:?} lies before 1970"))?;
            Target::Time { unix_ms, text }
        }
        (None, None) => anyhow::bail!("give --to-seq or --to-time"),
    };
    let request = Request {
        archive_dir: &args.archive,
        collection: &args.collection,
        target,
        data_dir: &args.data_dir,
        live_data_dir: args.live_data_dir.as_deref(),
    };
    let restored = restore(&request)
        .with_context(|| format!("cannot restore collection {:?}", args.collection))?;
    println!(
        "restored collection {:?} to sequence {} (archived checkpoint {} plus {} WAL records) in {}",
        args.collection,
        restored.seq,
        restored.checkpoint_seq,
        restored.records,
        restored.dir.display()
    );
    Ok(())
}
