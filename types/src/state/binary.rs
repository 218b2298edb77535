//! The binary state format: a 9-byte header, then the value in postcard's wire format.
//!
//! ```text
//! offset  size  field
//! 0       4     magic: 00 69 6d 72 ("\0imr"; no JSON text starts with a NUL byte)
//! 4       1     format tag: 01 = postcard 1.x wire format (the only one so far)
//! 5       4     schema version: the mechanism's MechanismState::VERSION, u32 little-endian
//! 9       ...   body: the value, postcard 1.x (https://postcard.jamesmunns.com/wire-format)
//! ```
//!
//! Postcard writes a struct as its fields in declaration order with no names; `u8` as one byte; other unsigned
//! integers (`u16`..`u128`, `usize`) as LEB128 varints; signed integers zig-zag, then varint; `f32`/`f64` as their
//! IEEE 754 bits, little-endian (bit-exact, NaN payloads and `-0.0` included); `bool` as 0/1; `Option` as 0, or 1
//! then the value; strings, byte strings, sequences and maps as a varint length, then the items (maps: key, value,
//! in iteration order: use `BTreeMap`); enums as the variant index (varint), then the variant's data; tuples and
//! arrays as their items. Nothing depends on the platform's word size or byte order, so the same value gives the
//! same bytes natively and in Wasm.
//!
//! Because the body names no fields, the types must not use serde features that need a self-describing format
//! (`#[serde(flatten)]`, `#[serde(untagged)]`, `skip_serializing_if`, `deserialize_any`). Adding, removing or
//! reordering a field changes the format: bump the version.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::MechanismError;

/// The first four bytes of every binary state.
pub const MAGIC: [u8; 4] = *b"\0imr";
/// Magic, format tag and schema version.
pub const HEADER_LEN: usize = 9;
/// The format tag of a postcard 1.x body.
pub const TAG_POSTCARD: u8 = 1;

/// The name of a known format tag.
pub fn format_name(tag: u8) -> Option<&'static str> {
    match tag {
        TAG_POSTCARD => Some("postcard 1.x"),
        _ => None,
    }
}

/// The header of a binary state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The format tag (see [`format_name`]); not necessarily a known one.
    pub tag: u8,
    /// The mechanism's state schema version.
    pub version: u32,
}

/// The header, if `bytes` start with [`MAGIC`] and are long enough to hold one.
pub fn header(bytes: &[u8]) -> Option<Header> {
    let h = bytes.get(..HEADER_LEN)?;
    if h[..4] != MAGIC {
        return None;
    }
    Some(Header {
        tag: h[4],
        version: u32::from_le_bytes([h[5], h[6], h[7], h[8]]),
    })
}

/// A postcard output flavor appending to a `Vec` that already holds the header.
struct Appender(Vec<u8>);

impl postcard::ser_flavors::Flavor for Appender {
    type Output = Vec<u8>;

    #[inline]
    fn try_extend(&mut self, data: &[u8]) -> postcard::Result<()> {
        self.0.extend_from_slice(data);
        Ok(())
    }

    #[inline]
    fn try_push(&mut self, data: u8) -> postcard::Result<()> {
        self.0.push(data);
        Ok(())
    }

    fn finalize(self) -> postcard::Result<Vec<u8>> {
        Ok(self.0)
    }
}

/// Encodes `value` in the binary state format with schema `version`.
///
/// ```
/// let bytes = imr_types::state::binary::encode(&(7u16, 0.5f64), 3).unwrap();
/// assert_eq!(bytes[..9], [0, b'i', b'm', b'r', 1, 3, 0, 0, 0]);
/// assert_eq!(bytes[9..], [7, 0, 0, 0, 0, 0, 0, 0xe0, 0x3f]);
/// ```
pub fn encode<T: Serialize + ?Sized>(value: &T, version: u32) -> Result<Vec<u8>, MechanismError> {
    encode_with_capacity(value, version, 256)
}

/// [`encode`] into a buffer of `capacity` bytes to start with (a hint: the last state's size avoids regrowing).
pub fn encode_with_capacity<T: Serialize + ?Sized>(
    value: &T,
    version: u32,
    capacity: usize,
) -> Result<Vec<u8>, MechanismError> {
    let mut out = Vec::with_capacity(capacity.max(HEADER_LEN));
    out.extend_from_slice(&MAGIC);
    out.push(TAG_POSTCARD);
    out.extend_from_slice(&version.to_le_bytes());
    postcard::serialize_with_flavor(value, Appender(out))
        .map_err(|e| MechanismError::Failed(format!("cannot encode state: {e}")))
}

/// Decodes a binary state written with schema `version`.
///
/// Errors ([`MechanismError::InvalidInput`]) say what is wrong: no binary header (with a hint when the bytes are
/// JSON), an unknown format tag, another schema version, a body that does not decode (naming the field, e.g.
/// `state.pending.r0040.subs.7.points[2]: ...`), or bytes left over after the value.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], version: u32) -> Result<T, MechanismError> {
    let h = header(bytes).ok_or_else(|| not_binary(bytes))?;
    if h.tag != TAG_POSTCARD {
        return Err(invalid(format!(
            "state: format tag 0x{:02x} is not known to this SDK (known: 0x{TAG_POSTCARD:02x} {})",
            h.tag,
            format_name(TAG_POSTCARD).unwrap_or_default()
        )));
    }
    if h.version != version {
        return Err(invalid(format!(
            "state: schema version {} is not supported (expected {version})",
            h.version
        )));
    }
    decode_body(&bytes[HEADER_LEN..])
}

/// Decodes a postcard body; the whole slice must be the value.
fn decode_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, MechanismError> {
    // Fast path without path tracking; on failure, decode again for an error that names the field.
    match postcard::take_from_bytes::<T>(body) {
        Ok((value, [])) => Ok(value),
        Ok((_, rest)) => Err(invalid(format!(
            "state: {} byte(s) left over after the value (written by another schema?)",
            rest.len()
        ))),
        Err(fast) => {
            let mut de = postcard::Deserializer::from_bytes(body);
            match super::path::deserialize::<_, T>(&mut de) {
                Err((path, e)) => Err(invalid(format!("state{path}: {}", describe(&e)))),
                Ok(_) => Err(invalid(format!("state: {}", describe(&fast)))),
            }
        }
    }
}

/// Postcard's messages, in the words of a state that does not decode.
fn describe(e: &postcard::Error) -> String {
    use postcard::Error as E;
    match e {
        E::DeserializeUnexpectedEnd => "the state ends too early".into(),
        E::DeserializeBadVarint => "malformed or too large integer".into(),
        E::DeserializeBadBool => "a bool that is neither 0 nor 1".into(),
        E::DeserializeBadChar => "an invalid char".into(),
        E::DeserializeBadUtf8 => "a string that is not UTF-8".into(),
        E::DeserializeBadOption => "an option tag that is neither 0 nor 1".into(),
        E::DeserializeBadEnum => "an unknown enum variant".into(),
        E::WontImplement => {
            "the type needs a self-describing format (flatten, untagged, any): use canonical JSON"
                .into()
        }
        other => other.to_string(),
    }
}

fn not_binary(bytes: &[u8]) -> MechanismError {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'[' | b'"')) || bytes.starts_with(b"null") {
        invalid("state: this is JSON, not the binary state format (no \\0imr header)".into())
    } else if bytes.starts_with(&MAGIC) {
        invalid(format!(
            "state: {} byte(s) is too short for the binary header ({HEADER_LEN} bytes)",
            bytes.len()
        ))
    } else {
        invalid("state: not the binary state format (no \\0imr header)".into())
    }
}

fn invalid(msg: String) -> MechanismError {
    MechanismError::InvalidInput(msg)
}
