//! [`FieldIndexes`]: the payload field indexes of one collection, by field.

use std::collections::BTreeMap;

use super::field_index::FieldIndex;
use super::image::{self, ImageError};
use super::schema::IndexSchema;
use crate::columns::FieldPath;
use crate::slot_index::SlotIndex;

/// Every payload field index of a collection.
#[derive(Debug, Clone, Default)]
pub struct FieldIndexes {
    by_field: BTreeMap<FieldPath, FieldIndex>,
    /// Bumped whenever an index is installed or dropped (plans that depend on the set of
    /// indexes compare it).
    generation: u64,
}

/// Equal when they index the same fields the same way (the generation counts changes, not
/// content).
impl PartialEq for FieldIndexes {
    fn eq(&self, other: &Self) -> bool {
        self.by_field == other.by_field
    }
}

impl FieldIndexes {
    /// The index of `path`, if the field is indexed.
    #[must_use]
    pub fn get(&self, path: &FieldPath) -> Option<&FieldIndex> {
        self.by_field.get(path)
    }

    /// Every index, by field.
    pub fn iter(&self) -> impl Iterator<Item = &FieldIndex> {
        self.by_field.values()
    }

    /// Number of indexed fields.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_field.len()
    }

    /// Whether no field is indexed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_field.is_empty()
    }

    /// The indexed fields and their types.
    #[must_use]
    pub fn definitions(&self) -> Vec<(FieldPath, IndexSchema)> {
        self.by_field
            .values()
            .map(|i| (i.path().clone(), i.schema()))
            .collect()
    }

    /// Installs an index read from an image (replacing one of the same field).
    pub fn install(&mut self, index: FieldIndex) {
        self.by_field.insert(index.path().clone(), index);
        self.generation += 1;
    }

    /// Drops the index of `path`; returns whether there was one.
    pub fn drop_index(&mut self, path: &FieldPath) -> bool {
        self.generation += 1;
        self.by_field.remove(path).is_some()
    }

    /// How many times indexes were installed or dropped: equal generations of the same
    /// collection have the same indexes.
    #[must_use]
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Every index, as the writer maintains them.
    pub fn slot_indexes_mut(&mut self) -> impl Iterator<Item = &mut dyn SlotIndex> {
        self.by_field.values_mut().map(|i| i as &mut dyn SlotIndex)
    }

    /// The image of every index: u32 LE count, then each index's image.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&u32::try_from(self.len()).unwrap_or(u32::MAX).to_le_bytes());
        for index in self.by_field.values() {
            index.encode(&mut out);
        }
        out
    }

    /// The indexes an image written by [`FieldIndexes::encode`] holds.
    ///
    /// # Errors
    /// [`ImageError`] when the image is damaged.
    pub fn decode(bytes: &[u8]) -> Result<Vec<FieldIndex>, ImageError> {
        let Some((count, mut rest)) = bytes.split_first_chunk::<4>() else {
            return Err(ImageError("truncated".into()));
        };
        let count = u32::from_le_bytes(*count);
        let mut out = Vec::new();
        for _ in 0..count {
            let (index, after) = image::decode(rest)?;
            out.push(index);
            rest = after;
        }
        if !rest.is_empty() {
            return Err(ImageError("trailing bytes".into()));
        }
        Ok(out)
    }

    /// Approximate bytes of heap memory held by each index.
    pub fn heap_bytes(&self) -> impl Iterator<Item = (&FieldPath, usize)> {
        self.by_field.iter().map(|(p, i)| (p, i.heap_bytes()))
    }
}
