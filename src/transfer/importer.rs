//! [`import`]: reads batches from a [`Source`] and writes each to the target with `wait=true`,
//! one at a time, so every point counted as imported is durable on the target. A batch is
//! checked whole before it is sent: a bad record stops the import with nothing of its batch
//! applied.

use std::time::Duration;

use super::client::Server;
use super::error::TransferError;
use super::progress::Progress;
use super::source::Source;

/// Where the points go.
pub struct Target<'a> {
    /// The server.
    pub server: &'a Server,
    /// The collection.
    pub collection: &'a str,
    /// Create the collection from the first batch's dimension when it is missing, with this
    /// distance.
    pub create_with: Option<&'a str>,
}

/// Copies every point of `source` into `target` in batches of `batch`, reporting progress every
/// `every` (when not on a terminal).
pub fn import(
    source: &mut dyn Source,
    target: &Target<'_>,
    batch: usize,
    every: Duration,
) -> Result<(), TransferError> {
    let mut dimension = target.server.dimension(target.collection)?;
    if dimension.is_none() && target.create_with.is_none() {
        return Err(TransferError::NoSuchCollection {
            url: target.server.base().to_owned(),
            collection: target.collection.to_owned(),
            hint: "; pass --create to create it",
        });
    }
    let mut progress = Progress::start("imported", source.total(), every);
    let mut imported = 0u64;
    let mut resume = source.resume_at_start();
    let stopped = |imported, resume: &Option<String>, source| TransferError::Stopped {
        imported,
        resume: resume.clone(),
        source: Box::new(source),
    };
    loop {
        let next = source
            .next_batch(batch)
            .map_err(|e| stopped(imported, &resume, e))?;
        let Some(next) = next else { break };
        let got = next.records.first().map_or(0, |r| r.vector.0.len());
        let expected = match dimension {
            Some(d) => d,
            None => {
                let distance = target.create_with.unwrap_or("Cosine");
                target
                    .server
                    .create(target.collection, got, distance)
                    .map_err(|e| stopped(imported, &resume, e))?;
                dimension = Some(got);
                got
            }
        };
        if got != expected {
            return Err(stopped(
                imported,
                &resume,
                TransferError::Dimension {
                    origin: next.origin,
                    collection: target.collection.to_owned(),
                    expected,
                    got,
                },
            ));
        }
        target
            .server
            .upsert(target.collection, &next.records)
            .map_err(|e| {
                stopped(
                    imported,
                    &resume,
                    TransferError::BatchRefused {
                        origin: next.origin.clone(),
                        source: Box::new(e),
                    },
                )
            })?;
        imported += next.records.len() as u64;
        resume = next.resume_after;
        let note = resume
            .as_ref()
            .map(|r| format!("resume with --resume-from {r}"));
        progress.advance(next.records.len() as u64, note.as_deref());
    }
    let note = dimension
        .is_none()
        .then_some("the source is empty; no collection was created");
    progress.finish(note);
    Ok(())
}
