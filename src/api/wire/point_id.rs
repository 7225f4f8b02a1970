//! [`WirePointId`]: an unsigned integer or a UUID string on the wire.

use std::fmt;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::{PartialSchema, ToSchema};

use crate::engine::PointId;

/// A point id as JSON: a non-negative integer (`42`) or a UUID string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WirePointId(pub PointId);

impl Serialize for WirePointId {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            PointId::Num(n) => s.serialize_u64(n),
            PointId::Uuid(u) => s.collect_str(&u.hyphenated()),
        }
    }
}

struct IdVisitor;

impl Visitor<'_> for IdVisitor {
    type Value = WirePointId;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an unsigned integer or a UUID string")
    }

    fn visit_u64<E>(self, n: u64) -> Result<Self::Value, E> {
        Ok(WirePointId(PointId::Num(n)))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        u64::try_from(n)
            .map(|n| WirePointId(PointId::Num(n)))
            .map_err(|_| E::custom(format!("point id {n} is negative")))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        Err(E::custom(format!("point id {n} is not an integer")))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        uuid::Uuid::parse_str(s)
            .map(|u| WirePointId(PointId::Uuid(u)))
            .map_err(|_| E::custom("point id strings must be UUIDs"))
    }
}

impl<'de> Deserialize<'de> for WirePointId {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IdVisitor)
    }
}

impl PartialSchema for WirePointId {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(0)),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::Custom("uuid".into()))),
            )
            .description(Some(
                "A point id: an unsigned 64-bit integer or a UUID string.",
            ))
            .into()
    }
}

impl ToSchema for WirePointId {
    fn name() -> std::borrow::Cow<'static, str> {
        "PointId".into()
    }
}
