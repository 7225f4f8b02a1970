//! The bytes of WAL records and checkpoint bodies of a collection.
//!
//! ```text
//! record      := tag u8, body
//!   tag 1 upsert: u32 LE count, count × point
//!   tag 2 delete: u32 LE count, count × id
//!   tag 3 set payload keys:       u32 LE count, count × id, payload
//!   tag 4 overwrite payload:      u32 LE count, count × id, payload
//!   tag 5 delete payload keys:    u32 LE count, count × id, u32 LE n, n × (u32 LE len, UTF-8)
//!   tag 6 clear payload:          u32 LE count, count × id
//!   tag 7 create payload index:   u32 LE n, n bytes UTF-8 field path, u8 schema code
//!   tag 8 drop payload index:     u32 LE n, n bytes UTF-8 field path (a text index too)
//!   tag 9 create text index:      u32 LE n, n bytes UTF-8 field path, text settings (see
//!                                 `text::TextSettings::encode`)
//!   tag 10 upsert edges:          u32 LE count, count × edge
//!   tag 11 delete edges:          u32 LE count, count × u64 LE edge id
//!   tag 12 time mark:             u32 LE 0, u64 LE unix time in milliseconds (written only with
//!                                 a WAL archive: every record after it up to the next mark was
//!                                 appended at that millisecond; it changes no point)
//!   tag 13 upsert (any vectors):  u32 LE count, count × spaced point
//!   tag 14 upsert (with sparse):  u32 LE count, count × sparse point (written only when a point
//!                                 of the batch carries a sparse vector)
//! checkpoint  := u32 LE dimension, u64 LE count, count × point
//! point       := id, dimension × f32 LE (already normalised for cosine), payload
//! spaced point := id, u8 n, n × (u8 space, dimension of that space × f32 LE), payload
//! sparse point := id, u8 n, n × (u8 space, dimension of that space × f32 LE),
//!                 u8 m, m × (u8 sparse space, sparse vector), payload
//! sparse vector := u32 LE nnz, nnz × u32 LE index (strictly ascending), nnz × f32 LE value
//!                  (finite)
//! id          := 0 u8, u64 LE  |  1 u8, 16 UUID bytes
//! edge        := u64 LE edge id, id source, id target, u32 LE n, n bytes UTF-8 label, payload
//! payload     := see `columns::value_codec`
//! ```

use zerocopy::FromBytes;
use zerocopy::little_endian::{F32, U32, U64};

use super::point_store::{SpaceVectors, SparseVectors, StoredPoint};
use crate::columns::index::IndexSchema;
use crate::columns::{
    DecodeError, FieldPath, Payload, PayloadEdit, decode_payload, encode_payload,
};
use crate::engine::point::PointId;
use crate::graph::{Edge, EdgeId};
use crate::sparse::SparseVector;
use crate::text::TextSettings;

const TAG_UPSERT: u8 = 1;
const TAG_DELETE: u8 = 2;
const TAG_SET_PAYLOAD: u8 = 3;
const TAG_OVERWRITE_PAYLOAD: u8 = 4;
const TAG_DELETE_PAYLOAD_KEYS: u8 = 5;
const TAG_CLEAR_PAYLOAD: u8 = 6;
const TAG_CREATE_INDEX: u8 = 7;
const TAG_DROP_INDEX: u8 = 8;
const TAG_CREATE_TEXT_INDEX: u8 = 9;
const TAG_UPSERT_EDGES: u8 = 10;
const TAG_DELETE_EDGES: u8 = 11;
const TAG_TIME_MARK: u8 = 12;
const TAG_UPSERT_SPACED: u8 = 13;
const TAG_UPSERT_SPARSE: u8 = 14;

/// Most vector spaces (declared dense vectors) a collection may have: a space number is one byte
/// in a tag-13 record.
pub const MAX_SPACES: usize = 255;

/// One mutation of a collection: the unit the WAL orders.
#[derive(Debug, Clone, PartialEq)]
pub enum Mutation {
    /// Insert or replace points (each dense vector prepared for its space's metric, by space
    /// number; sparse vectors checked, by sparse space number).
    Upsert(Vec<StoredPoint>),
    /// Delete points by id.
    Delete(Vec<PointId>),
    /// Change part of the payload of these points (ids that do not exist are skipped).
    EditPayload(Vec<PointId>, PayloadEdit),
    /// Index a payload field over every existing and later point.
    CreateIndex(FieldPath, IndexSchema),
    /// Drop the index of a payload field (payload or text).
    DropIndex(FieldPath),
    /// Index the text of a payload field for full-text filters and BM25.
    CreateTextIndex(FieldPath, TextSettings),
    /// Insert or replace edges by id (ids already assigned by the writer, both ends checked when
    /// it logged them).
    UpsertEdges(Vec<(EdgeId, Edge<PointId>)>),
    /// Delete edges by id.
    DeleteEdges(Vec<EdgeId>),
    /// When the records after it were appended (unix milliseconds); point-in-time restore reads
    /// it, applying it changes nothing.
    TimeMark(u64),
}

fn put_u32(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u32::try_from(n).unwrap_or(u32::MAX).to_le_bytes());
}

fn put_id(out: &mut Vec<u8>, id: PointId) {
    match id {
        PointId::Num(n) => {
            out.push(0);
            out.extend_from_slice(&n.to_le_bytes());
        }
        PointId::Uuid(u) => {
            out.push(1);
            out.extend_from_slice(u.as_bytes());
        }
    }
}

/// Appends one point's encoding.
pub fn put_point(out: &mut Vec<u8>, id: PointId, vector: &[f32], payload: &Payload) {
    put_id(out, id);
    for x in vector {
        out.extend_from_slice(&x.to_le_bytes());
    }
    encode_payload(payload, out);
}

/// Appends one edge's encoding.
pub fn put_edge(out: &mut Vec<u8>, id: EdgeId, edge: &Edge<PointId>) {
    out.extend_from_slice(&id.to_le_bytes());
    put_id(out, edge.source);
    put_id(out, edge.target);
    put_u32(out, edge.label.len());
    out.extend_from_slice(edge.label.as_bytes());
    encode_payload(&edge.properties, out);
}

/// Encodes a mutation as a WAL record.
#[must_use]
pub fn encode_mutation(m: &Mutation) -> Vec<u8> {
    let mut out = Vec::new();
    match m {
        // Points carrying exactly the first space's vector keep the original record, so a
        // single-vector collection logs the bytes it always did.
        Mutation::Upsert(points)
            if points
                .iter()
                .all(|p| p.sparse.is_empty() && matches!(p.vectors.as_slice(), [(0, _)])) =>
        {
            out.push(TAG_UPSERT);
            put_u32(&mut out, points.len());
            for p in points {
                put_point(&mut out, p.id, &p.vectors[0].1, &p.payload);
            }
        }
        Mutation::Upsert(points) => {
            let with_sparse = points.iter().any(|p| !p.sparse.is_empty());
            out.push(if with_sparse {
                TAG_UPSERT_SPARSE
            } else {
                TAG_UPSERT_SPACED
            });
            put_u32(&mut out, points.len());
            for p in points {
                put_id(&mut out, p.id);
                put_spaces(&mut out, &p.vectors);
                if with_sparse {
                    put_sparse(&mut out, &p.sparse);
                }
                encode_payload(&p.payload, &mut out);
            }
        }
        Mutation::Delete(ids) => {
            out.push(TAG_DELETE);
            put_ids(&mut out, ids);
        }
        Mutation::EditPayload(ids, edit) => {
            let tag = match edit {
                PayloadEdit::Set(_) => TAG_SET_PAYLOAD,
                PayloadEdit::Overwrite(_) => TAG_OVERWRITE_PAYLOAD,
                PayloadEdit::DeleteKeys(_) => TAG_DELETE_PAYLOAD_KEYS,
                PayloadEdit::Clear => TAG_CLEAR_PAYLOAD,
            };
            out.push(tag);
            put_ids(&mut out, ids);
            match edit {
                PayloadEdit::Set(p) | PayloadEdit::Overwrite(p) => encode_payload(p, &mut out),
                PayloadEdit::DeleteKeys(keys) => {
                    put_u32(&mut out, keys.len());
                    for k in keys {
                        put_u32(&mut out, k.len());
                        out.extend_from_slice(k.as_bytes());
                    }
                }
                PayloadEdit::Clear => {}
            }
        }
        Mutation::CreateIndex(path, schema) => {
            out.push(TAG_CREATE_INDEX);
            put_u32(&mut out, path.as_str().len());
            out.extend_from_slice(path.as_str().as_bytes());
            out.push(schema.code());
        }
        Mutation::DropIndex(path) => {
            out.push(TAG_DROP_INDEX);
            put_u32(&mut out, path.as_str().len());
            out.extend_from_slice(path.as_str().as_bytes());
        }
        Mutation::CreateTextIndex(path, settings) => {
            out.push(TAG_CREATE_TEXT_INDEX);
            put_u32(&mut out, path.as_str().len());
            out.extend_from_slice(path.as_str().as_bytes());
            settings.encode(&mut out);
        }
        Mutation::UpsertEdges(edges) => {
            out.push(TAG_UPSERT_EDGES);
            put_u32(&mut out, edges.len());
            for (id, edge) in edges {
                put_edge(&mut out, *id, edge);
            }
        }
        Mutation::DeleteEdges(ids) => {
            out.push(TAG_DELETE_EDGES);
            put_u32(&mut out, ids.len());
            for id in ids {
                out.extend_from_slice(&id.to_le_bytes());
            }
        }
        Mutation::TimeMark(unix_ms) => {
            out.push(TAG_TIME_MARK);
            put_u32(&mut out, 0);
            out.extend_from_slice(&unix_ms.to_le_bytes());
        }
    }
    out
}

fn put_spaces(out: &mut Vec<u8>, vectors: &SpaceVectors) {
    out.push(u8::try_from(vectors.len()).unwrap_or(u8::MAX));
    for (space, v) in vectors {
        out.push(u8::try_from(*space).unwrap_or(u8::MAX));
        for x in v {
            out.extend_from_slice(&x.to_le_bytes());
        }
    }
}

fn put_sparse(out: &mut Vec<u8>, vectors: &SparseVectors) {
    out.push(u8::try_from(vectors.len()).unwrap_or(u8::MAX));
    for (space, v) in vectors {
        out.push(u8::try_from(*space).unwrap_or(u8::MAX));
        put_sparse_vector(out, v);
    }
}

/// Appends one sparse vector's encoding.
pub fn put_sparse_vector(out: &mut Vec<u8>, v: &SparseVector) {
    put_u32(out, v.len());
    for i in v.indices() {
        out.extend_from_slice(&i.to_le_bytes());
    }
    for x in v.values() {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

fn put_ids(out: &mut Vec<u8>, ids: &[PointId]) {
    put_u32(out, ids.len());
    for id in ids {
        put_id(out, *id);
    }
}

/// A bounds-checked cursor over encoded bytes.
#[derive(Debug)]
pub struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// Starts reading `bytes`.
    #[must_use]
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        if self.bytes.len() < n {
            return Err(DecodeError::Truncated);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    /// Reads one little-endian value by a checked cast.
    fn read<T: FromBytes>(&mut self) -> Result<T, DecodeError> {
        let (value, rest) = T::read_from_prefix(self.bytes).map_err(|_| DecodeError::Truncated)?;
        self.bytes = rest;
        Ok(value)
    }

    /// Reads `n` raw bytes.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`].
    pub fn bytes(&mut self, n: usize) -> Result<&'a [u8], DecodeError> {
        self.take(n)
    }

    /// Reads one byte.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`].
    pub fn u8(&mut self) -> Result<u8, DecodeError> {
        Ok(self.take(1)?[0])
    }

    /// Reads a 0/1 flag byte.
    ///
    /// # Errors
    /// [`DecodeError`] on truncation or another value.
    pub fn flag(&mut self) -> Result<bool, DecodeError> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(DecodeError::BadTag(other)),
        }
    }

    /// Reads `dim` f32 LE values.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`].
    pub fn vector(&mut self, dim: usize) -> Result<Vec<f32>, DecodeError> {
        let (raw, rest) = <[F32]>::ref_from_prefix_with_elems(self.bytes, dim)
            .map_err(|_| DecodeError::Truncated)?;
        self.bytes = rest;
        Ok(raw.iter().map(|x| x.get()).collect())
    }

    /// Reads a u32 LE.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`].
    pub fn u32(&mut self) -> Result<u32, DecodeError> {
        Ok(self.read::<U32>()?.get())
    }

    /// Reads a u64 LE.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`].
    pub fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(self.read::<U64>()?.get())
    }

    fn ids(&mut self, count: usize) -> Result<Vec<PointId>, DecodeError> {
        (0..count).map(|_| self.id()).collect()
    }

    fn id(&mut self) -> Result<PointId, DecodeError> {
        match self.u8()? {
            0 => Ok(PointId::Num(self.u64()?)),
            1 => Ok(PointId::Uuid(uuid::Uuid::from_bytes(self.read()?))),
            other => Err(DecodeError::BadTag(other)),
        }
    }

    /// Reads one point of dimension `dim`.
    ///
    /// # Errors
    /// [`DecodeError`] on damaged bytes.
    pub fn point(&mut self, dim: usize) -> Result<(PointId, Vec<f32>, Payload), DecodeError> {
        let id = self.id()?;
        let vector = self.vector(dim)?;
        let (payload, rest) = decode_payload(self.bytes)?;
        self.bytes = rest;
        Ok((id, vector, payload))
    }

    /// Reads one point of a tag-13 record (`sparse` `None`) or a tag-14 record (`sparse`: how
    /// many sparse vectors the collection declares; the point's sparse vectors follow its dense
    /// ones), whose dense spaces have dimensions `dims`.
    fn spaced_point(
        &mut self,
        dims: &[usize],
        sparse: Option<usize>,
    ) -> Result<StoredPoint, DecodeError> {
        let id = self.id()?;
        let n = self.u8()?;
        let mut vectors = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            let space = usize::from(self.u8()?);
            let dim = *dims.get(space).ok_or(DecodeError::BadSpace(space))?;
            vectors.push((space, self.vector(dim)?));
        }
        let mut sparse_vectors = Vec::new();
        if let Some(declared) = sparse {
            for _ in 0..self.u8()? {
                let space = usize::from(self.u8()?);
                if space >= declared {
                    return Err(DecodeError::BadSpace(space));
                }
                sparse_vectors.push((space, self.sparse_vector()?));
            }
        }
        let payload = self.payload()?;
        Ok(StoredPoint {
            id,
            vectors,
            sparse: sparse_vectors,
            payload,
        })
    }

    /// Reads one sparse vector, checked as a client's is (ascending distinct indices, finite
    /// values, within the bounds).
    ///
    /// # Errors
    /// [`DecodeError::Truncated`], or [`DecodeError::BadSparse`] for a vector that breaks a
    /// rule.
    pub fn sparse_vector(&mut self) -> Result<SparseVector, DecodeError> {
        let nnz = self.u32()? as usize;
        if nnz.saturating_mul(8) > self.bytes.len() {
            return Err(DecodeError::Truncated);
        }
        let indices = (0..nnz)
            .map(|_| self.u32())
            .collect::<Result<Vec<_>, _>>()?;
        let values = (0..nnz)
            .map(|_| self.read::<F32>().map(|v| v.get()))
            .collect::<Result<Vec<_>, _>>()?;
        if !indices.is_sorted_by(|a, b| a < b) {
            return Err(DecodeError::BadSparse);
        }
        SparseVector::new(indices, values).map_err(|_| DecodeError::BadSparse)
    }

    /// Reads one edge.
    ///
    /// # Errors
    /// [`DecodeError`] on damaged bytes.
    pub fn edge(&mut self) -> Result<(EdgeId, Edge<PointId>), DecodeError> {
        let id = self.u64()?;
        let source = self.id()?;
        let target = self.id()?;
        let label = self.string()?;
        let properties = self.payload()?;
        Ok((
            id,
            Edge {
                source,
                target,
                label,
                properties,
            },
        ))
    }

    fn payload(&mut self) -> Result<Payload, DecodeError> {
        let (payload, rest) = decode_payload(self.bytes)?;
        self.bytes = rest;
        Ok(payload)
    }

    /// A string: u32 LE byte length, then UTF-8.
    ///
    /// # Errors
    /// [`DecodeError`] when truncated or not UTF-8.
    pub fn string(&mut self) -> Result<String, DecodeError> {
        let len = self.u32()? as usize;
        String::from_utf8(self.take(len)?.to_vec()).map_err(|_| DecodeError::BadUtf8)
    }

    /// A field path of `len` bytes.
    fn field_path(&mut self, len: usize) -> Result<FieldPath, DecodeError> {
        let text = std::str::from_utf8(self.take(len)?).map_err(|_| DecodeError::BadUtf8)?;
        FieldPath::parse(text).map_err(|_| DecodeError::BadIndex)
    }

    /// Text index settings (see `text::TextSettings::encode`).
    ///
    /// # Errors
    /// [`DecodeError::BadIndex`] when they are damaged.
    pub fn text_settings(&mut self) -> Result<TextSettings, DecodeError> {
        let (settings, rest) =
            TextSettings::decode(self.bytes).map_err(|_| DecodeError::BadIndex)?;
        self.bytes = rest;
        Ok(settings)
    }

    /// Whether every byte was consumed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

/// Decodes a WAL record of a collection whose dense spaces have dimensions `dims` and which
/// declares `sparse_spaces` sparse vectors.
///
/// # Errors
/// [`DecodeError`] on damaged or trailing bytes.
pub fn decode_mutation(
    bytes: &[u8],
    dims: &[usize],
    sparse_spaces: usize,
) -> Result<Mutation, DecodeError> {
    let mut c = Cursor::new(bytes);
    let tag = c.u8()?;
    let count = c.u32()? as usize;
    if count > bytes.len() {
        return Err(DecodeError::Truncated);
    }
    let m = match tag {
        TAG_UPSERT => {
            let dim = *dims.first().ok_or(DecodeError::BadSpace(0))?;
            Mutation::Upsert(
                (0..count)
                    .map(|_| c.point(dim).map(|(id, v, p)| (id, vec![(0, v)], p).into()))
                    .collect::<Result<_, _>>()?,
            )
        }
        TAG_UPSERT_SPACED | TAG_UPSERT_SPARSE => Mutation::Upsert(
            (0..count)
                .map(|_| c.spaced_point(dims, (tag == TAG_UPSERT_SPARSE).then_some(sparse_spaces)))
                .collect::<Result<_, _>>()?,
        ),
        TAG_DELETE => Mutation::Delete(c.ids(count)?),
        TAG_SET_PAYLOAD => Mutation::EditPayload(c.ids(count)?, PayloadEdit::Set(c.payload()?)),
        TAG_OVERWRITE_PAYLOAD => {
            Mutation::EditPayload(c.ids(count)?, PayloadEdit::Overwrite(c.payload()?))
        }
        TAG_DELETE_PAYLOAD_KEYS => {
            let ids = c.ids(count)?;
            let n = c.u32()? as usize;
            if n > bytes.len() {
                return Err(DecodeError::Truncated);
            }
            let keys = (0..n).map(|_| c.string()).collect::<Result<_, _>>()?;
            Mutation::EditPayload(ids, PayloadEdit::DeleteKeys(keys))
        }
        TAG_CLEAR_PAYLOAD => Mutation::EditPayload(c.ids(count)?, PayloadEdit::Clear),
        TAG_CREATE_INDEX => {
            let path = c.field_path(count)?;
            let schema = IndexSchema::from_code(c.u8()?).ok_or(DecodeError::BadIndex)?;
            Mutation::CreateIndex(path, schema)
        }
        TAG_DROP_INDEX => Mutation::DropIndex(c.field_path(count)?),
        TAG_CREATE_TEXT_INDEX => {
            let path = c.field_path(count)?;
            Mutation::CreateTextIndex(path, c.text_settings()?)
        }
        TAG_UPSERT_EDGES => {
            Mutation::UpsertEdges((0..count).map(|_| c.edge()).collect::<Result<_, _>>()?)
        }
        TAG_DELETE_EDGES => {
            Mutation::DeleteEdges((0..count).map(|_| c.u64()).collect::<Result<_, _>>()?)
        }
        TAG_TIME_MARK => Mutation::TimeMark(c.u64()?),
        other => return Err(DecodeError::BadTag(other)),
    };
    if !c.is_empty() {
        return Err(DecodeError::Truncated);
    }
    Ok(m)
}

/// The time a record marks, when it is a time mark (without decoding any other record).
#[must_use]
pub fn time_mark(bytes: &[u8]) -> Option<u64> {
    match bytes {
        [TAG_TIME_MARK, 0, 0, 0, 0, rest @ ..] => Some(u64::from_le_bytes(rest.try_into().ok()?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::Value;

    #[test]
    fn a_time_mark_round_trips_and_is_recognised_alone() -> Result<(), DecodeError> {
        let bytes = encode_mutation(&Mutation::TimeMark(1_764_556_800_123));
        assert_eq!(bytes.len(), 13);
        assert_eq!(
            decode_mutation(&bytes, &[3], 0)?,
            Mutation::TimeMark(1_764_556_800_123)
        );
        assert_eq!(time_mark(&bytes), Some(1_764_556_800_123));
        let delete = encode_mutation(&Mutation::Delete(vec![PointId::Num(12)]));
        assert_eq!(time_mark(&delete), None);
        Ok(())
    }

    #[test]
    fn mutations_round_trip() {
        let mut p = Payload::new();
        p.insert("k".into(), Value::String("v".into()));
        let up = Mutation::Upsert(vec![
            (PointId::Num(1), vec![(0, vec![1.0, 2.0])], p.clone()).into(),
            (
                PointId::Uuid(uuid::Uuid::from_u128(9)),
                vec![(0, vec![3.0, -4.5])],
                Payload::new(),
            )
                .into(),
        ]);
        let ids = vec![PointId::Num(5), PointId::Uuid(uuid::Uuid::nil())];
        let del = Mutation::Delete(ids.clone());
        let edits = [
            PayloadEdit::Set(p.clone()),
            PayloadEdit::Overwrite(p),
            PayloadEdit::DeleteKeys(vec!["a.b".into(), "ключ".into(), String::new()]),
            PayloadEdit::Clear,
        ]
        .map(|e| Mutation::EditPayload(ids.clone(), e));
        let path = FieldPath::parse("meta.tags[]").expect("path");
        let indexes = [
            Mutation::CreateIndex(path.clone(), IndexSchema::Datetime),
            Mutation::DropIndex(path.clone()),
            Mutation::CreateTextIndex(
                path,
                TextSettings {
                    stemmer: Some("english".into()),
                    custom_stopwords: vec!["x".into()],
                    ..TextSettings::default()
                },
            ),
        ];
        let mut props = Payload::new();
        props.insert("weight".into(), Value::Float(0.5));
        let edges = [
            Mutation::UpsertEdges(vec![
                (
                    3,
                    Edge {
                        source: PointId::Num(1),
                        target: PointId::Uuid(uuid::Uuid::from_u128(9)),
                        label: "hypernym".into(),
                        properties: props,
                    },
                ),
                (
                    u64::MAX,
                    Edge {
                        source: PointId::Num(2),
                        target: PointId::Num(2),
                        label: String::new(),
                        properties: Payload::new(),
                    },
                ),
            ]),
            Mutation::DeleteEdges(vec![0, 3, u64::MAX]),
        ];
        for m in [up, del]
            .into_iter()
            .chain(edits)
            .chain(indexes)
            .chain(edges)
        {
            let bytes = encode_mutation(&m);
            assert_eq!(decode_mutation(&bytes, &[2], 0), Ok(m.clone()));
            for cut in 0..bytes.len() {
                assert!(decode_mutation(&bytes[..cut], &[2], 0).is_err());
            }
        }
    }

    /// Records written before text indexes existed still decode: the bytes below are an
    /// old create-index record (tag 7, "body", keyword) and drop-index record (tag 8, "body").
    #[test]
    fn index_records_of_the_earlier_format_still_decode() {
        let create = [7, 4, 0, 0, 0, b'b', b'o', b'd', b'y', 1];
        let drop = [8, 4, 0, 0, 0, b'b', b'o', b'd', b'y'];
        let path = FieldPath::parse("body").expect("path");
        assert_eq!(
            decode_mutation(&create, &[3], 0),
            Ok(Mutation::CreateIndex(path.clone(), IndexSchema::Keyword))
        );
        assert_eq!(
            decode_mutation(&drop, &[3], 0),
            Ok(Mutation::DropIndex(path))
        );
    }

    /// Records written before edges existed decode as they did: the bytes here are pinned, not
    /// produced by the current encoder.
    #[test]
    fn records_from_before_edges_still_decode() {
        let mut upsert = vec![1u8, 1, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0];
        upsert.extend_from_slice(&1.5f32.to_le_bytes());
        let mut payload = Vec::new();
        encode_payload(&Payload::new(), &mut payload);
        upsert.extend_from_slice(&payload);
        assert_eq!(
            decode_mutation(&upsert, &[1], 0),
            Ok(Mutation::Upsert(vec![
                (PointId::Num(7), vec![(0, vec![1.5])], Payload::new()).into()
            ]))
        );
        let delete = [2u8, 1, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            decode_mutation(&delete, &[1], 0),
            Ok(Mutation::Delete(vec![PointId::Num(7)]))
        );
        assert_eq!(
            decode_mutation(&[15u8, 0, 0, 0, 0], &[1], 0),
            Err(DecodeError::BadTag(15))
        );
    }

    /// Points carrying other vectors than exactly the first space's go in a tag-13 record, with
    /// each vector's space; the dimensions come from the collection.
    #[test]
    fn upserts_of_named_vectors_round_trip_and_single_vectors_keep_tag_1() {
        let m = Mutation::Upsert(vec![
            (
                PointId::Num(1),
                vec![(0, vec![1.0]), (1, vec![2.0, 3.0])],
                Payload::new(),
            )
                .into(),
            (PointId::Num(2), vec![(1, vec![4.0, 5.0])], Payload::new()).into(),
            (PointId::Num(3), Vec::new(), Payload::new()).into(),
        ]);
        let bytes = encode_mutation(&m);
        assert_eq!(bytes[0], 13);
        assert_eq!(decode_mutation(&bytes, &[1, 2], 0), Ok(m));
        for cut in 0..bytes.len() {
            assert!(decode_mutation(&bytes[..cut], &[1, 2], 0).is_err());
        }
        assert_eq!(
            decode_mutation(&bytes, &[1], 0),
            Err(DecodeError::BadSpace(1)),
            "a space the collection does not declare"
        );
        let single = Mutation::Upsert(vec![
            (PointId::Num(1), vec![(0, vec![1.0])], Payload::new()).into(),
        ]);
        assert_eq!(encode_mutation(&single)[0], 1);
    }

    /// A batch where a point carries a sparse vector goes in a tag-14 record; decoding checks
    /// the sparse space against the collection and every vector as a client's is checked.
    #[test]
    fn upserts_with_sparse_vectors_round_trip_and_are_checked() -> Result<(), DecodeError> {
        let sparse =
            |i: Vec<u32>, v: Vec<f32>| SparseVector::new(i, v).map_err(|_| DecodeError::BadSparse);
        let m = Mutation::Upsert(vec![
            StoredPoint {
                id: PointId::Num(1),
                vectors: vec![(0, vec![1.0])],
                sparse: vec![
                    (0, sparse(vec![3, 9], vec![0.5, -1.0])?),
                    (1, sparse(vec![], vec![])?),
                ],
                payload: Payload::new(),
            },
            (PointId::Num(2), vec![(0, vec![2.0])], Payload::new()).into(),
        ]);
        let bytes = encode_mutation(&m);
        assert_eq!(bytes[0], 14);
        assert_eq!(decode_mutation(&bytes, &[1], 2), Ok(m));
        for cut in 0..bytes.len() {
            assert!(decode_mutation(&bytes[..cut], &[1], 2).is_err());
        }
        assert_eq!(
            decode_mutation(&bytes, &[1], 1),
            Err(DecodeError::BadSpace(1)),
            "a sparse space the collection does not declare"
        );
        // Indices out of order: swap the two index words of point 1's first sparse vector.
        let at = bytes
            .windows(8)
            .position(|w| w == [3, 0, 0, 0, 9, 0, 0, 0])
            .ok_or(DecodeError::Truncated)?;
        let mut swapped = bytes.clone();
        swapped[at..at + 8].copy_from_slice(&[9, 0, 0, 0, 3, 0, 0, 0]);
        assert_eq!(
            decode_mutation(&swapped, &[1], 2),
            Err(DecodeError::BadSparse)
        );
        // A NaN value.
        let mut nan = bytes;
        let value_at = at + 8;
        nan[value_at..value_at + 4].copy_from_slice(&f32::NAN.to_le_bytes());
        assert_eq!(decode_mutation(&nan, &[1], 2), Err(DecodeError::BadSparse));
        Ok(())
    }
}
