//! [`TextIndexes`]: the text indexes of one collection, by field, and their combined image.

use std::collections::BTreeMap;

use super::image::{self, TextImageError};
use super::index::TextIndex;
use super::settings::TextSettings;
use crate::columns::FieldPath;
use crate::slot_index::SlotIndex;

/// Every text index of a collection.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TextIndexes {
    by_field: BTreeMap<FieldPath, TextIndex>,
}

impl TextIndexes {
    /// The text index of `path`, if any.
    #[must_use]
    pub fn get(&self, path: &FieldPath) -> Option<&TextIndex> {
        self.by_field.get(path)
    }

    /// Every index, by field.
    pub fn iter(&self) -> impl Iterator<Item = &TextIndex> {
        self.by_field.values()
    }

    /// Number of text-indexed fields.
    #[must_use]
    pub fn len(&self) -> usize {
        self.by_field.len()
    }

    /// Whether no field has a text index.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.by_field.is_empty()
    }

    /// The text-indexed fields and their settings.
    #[must_use]
    pub fn definitions(&self) -> Vec<(FieldPath, TextSettings)> {
        self.by_field
            .values()
            .map(|i| (i.path().clone(), i.settings().clone()))
            .collect()
    }

    /// Installs an index (replacing one of the same field).
    pub fn install(&mut self, index: TextIndex) {
        self.by_field.insert(index.path().clone(), index);
    }

    /// Drops the text index of `path`; returns whether there was one.
    pub fn drop_index(&mut self, path: &FieldPath) -> bool {
        self.by_field.remove(path).is_some()
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

    /// The indexes an image written by [`TextIndexes::encode`] holds.
    ///
    /// # Errors
    /// [`TextImageError`] when the image is damaged.
    pub fn decode(bytes: &[u8]) -> Result<Vec<TextIndex>, TextImageError> {
        let Some((count, mut rest)) = bytes.split_first_chunk::<4>() else {
            return Err(TextImageError("truncated".into()));
        };
        let mut out = Vec::new();
        for _ in 0..u32::from_le_bytes(*count) {
            let (index, after) = image::decode(rest)?;
            out.push(index);
            rest = after;
        }
        if !rest.is_empty() {
            return Err(TextImageError("trailing bytes".into()));
        }
        Ok(out)
    }

    /// Approximate bytes of heap memory held by each index.
    pub fn heap_bytes(&self) -> impl Iterator<Item = (&FieldPath, usize)> {
        self.by_field.iter().map(|(p, i)| (p, i.heap_bytes()))
    }
}
