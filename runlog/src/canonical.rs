//! Canonical JSON written straight from a value's `Serialize`: object keys sorted at every
//! level, compact, the very bytes of `serde_json::to_vec(&serde_json::to_value(v)?)` (what
//! receipt hashes have always been computed over), without building the `serde_json::Value`.
//!
//! Sealing a 4096-uid receipt spent about half its time building that `Value` (two arrays of
//! 4,096 numbers, every string copied). Here sequences are written as they come; only a
//! struct's fields are held (each one's JSON) until they can be written in key order. Numbers,
//! strings and keys are printed by serde_json itself, so formatting and escaping are the same.
//! What a `Value` represents differently from serde_json's own printer (`f32`, 128-bit
//! integers, maps, whose keys `Value` turns into strings) goes through a `Value`, as before.

use serde::ser::{self, Serialize};
use serde_json::{Error, Value};

/// Writes the canonical JSON of `value` to `out`, leaving out the key `omit` of the top-level
/// object (a receipt's hash covers every field but `hash`).
pub fn write_without<T: Serialize + ?Sized>(
    value: &T,
    omit: Option<&str>,
    out: &mut Vec<u8>,
) -> Result<(), Error> {
    value.serialize(Canonical { out, omit })
}

/// The canonical JSON of `value`.
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    write_without(value, None, &mut out)?;
    Ok(out)
}

struct Canonical<'a> {
    out: &'a mut Vec<u8>,
    /// A key left out of this object (top level only).
    omit: Option<&'a str>,
}

/// serde_json's own compact printing of a leaf (a number, a string, a key).
fn json<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    serde_json::to_writer(out, value)
}

/// Through a `Value`, as the canonical JSON always was: for what a `Value` holds differently
/// from how serde_json prints it directly.
fn via_value<T: Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) -> Result<(), Error> {
    json(out, &serde_json::to_value(value)?)
}

impl<'a> ser::Serializer for Canonical<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Seq<'a>;
    type SerializeTuple = Seq<'a>;
    type SerializeTupleStruct = Seq<'a>;
    type SerializeTupleVariant = Seq<'a>;
    type SerializeMap = ViaValue<'a>;
    type SerializeStruct = Fields<'a>;
    type SerializeStructVariant = Fields<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), Error> {
        json(self.out, &v)
    }
    fn serialize_i8(self, v: i8) -> Result<(), Error> {
        json(self.out, &v)
    }
    fn serialize_i16(self, v: i16) -> Result<(), Error> {
        json(self.out, &v)
    }
    fn serialize_i32(self, v: i32) -> Result<(), Error> {
        json(self.out, &v)
    }
    fn serialize_i64(self, v: i64) -> Result<(), Error> {
        json(self.out, &v)
    }
    fn serialize_i128(self, v: i128) -> Result<(), Error> {
        via_value(self.out, &v)
    }
    fn serialize_u8(self, v: u8) -> Result<(), Error> {
        json(self.out, &v)
    }
    fn serialize_u16(self, v: u16) -> Result<(), Error> {
        json(self.out, &v)
    }
    fn serialize_u32(self, v: u32) -> Result<(), Error> {
        json(self.out, &v)
    }
    fn serialize_u64(self, v: u64) -> Result<(), Error> {
        json(self.out, &v)
    }
    fn serialize_u128(self, v: u128) -> Result<(), Error> {
        via_value(self.out, &v)
    }
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        // A `Value` holds an f32 widened to f64 (and prints it as one).
        via_value(self.out, &v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // Non-finite: `null`, as a `Value` holds it.
        json(self.out, &v)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        json(self.out, &v)
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        json(self.out, v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        via_value(self.out, &serde_bytes_as_value(v))
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        json(self.out, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        // `{"variant":value}`: one key, nothing to sort.
        self.out.push(b'{');
        json(self.out, variant)?;
        self.out.push(b':');
        value.serialize(Canonical {
            out: self.out,
            omit: None,
        })?;
        self.out.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Seq<'a>, Error> {
        self.out.push(b'[');
        Ok(Seq {
            out: self.out,
            first: true,
            close: b"]",
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _name: &'static str, len: usize) -> Result<Seq<'a>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Seq<'a>, Error> {
        self.out.push(b'{');
        json(self.out, variant)?;
        self.out.extend_from_slice(b":[");
        Ok(Seq {
            out: self.out,
            first: true,
            close: b"]}",
        })
    }
    fn serialize_map(self, len: Option<usize>) -> Result<ViaValue<'a>, Error> {
        Ok(ViaValue {
            out: self.out,
            omit: self.omit,
            map: ser::Serializer::serialize_map(serde_json::value::Serializer, len)?,
        })
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Fields<'a>, Error> {
        Ok(Fields {
            out: self.out,
            omit: self.omit,
            fields: Vec::with_capacity(len),
            close: b"}",
        })
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Fields<'a>, Error> {
        // `{"variant":{fields}}`
        self.out.push(b'{');
        json(self.out, variant)?;
        self.out.push(b':');
        Ok(Fields {
            out: self.out,
            omit: None,
            fields: Vec::with_capacity(len),
            close: b"}}",
        })
    }
}

/// What serde_json's `Value` makes of `serialize_bytes`: an array of numbers.
fn serde_bytes_as_value(v: &[u8]) -> Value {
    Value::Array(v.iter().map(|&b| Value::from(b)).collect())
}

/// A sequence, written element by element.
struct Seq<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    close: &'static [u8],
}

impl Seq<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        value.serialize(Canonical {
            out: self.out,
            omit: None,
        })
    }

    fn close(self) -> Result<(), Error> {
        self.out.extend_from_slice(self.close);
        Ok(())
    }
}

/// `Seq`'s impl of one of serde's sequence-like traits (`$method` is its per-element method).
macro_rules! seq_impl {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for Seq<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                self.element(value)
            }
            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    };
}

seq_impl!(SerializeSeq, serialize_element);
seq_impl!(SerializeTuple, serialize_element);
seq_impl!(SerializeTupleStruct, serialize_field);
seq_impl!(SerializeTupleVariant, serialize_field);

/// A struct's fields, each held as its JSON until all are there, then written in key order.
struct Fields<'a> {
    out: &'a mut Vec<u8>,
    omit: Option<&'a str>,
    fields: Vec<(&'static str, Vec<u8>)>,
    close: &'static [u8],
}

impl Fields<'_> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), Error> {
        if self.omit == Some(key) {
            return Ok(());
        }
        let mut json = Vec::new();
        value.serialize(Canonical {
            out: &mut json,
            omit: None,
        })?;
        self.fields.push((key, json));
        Ok(())
    }

    fn close(mut self) -> Result<(), Error> {
        // A `Value`'s object is a map from `String`: sorted by bytes, a later duplicate wins
        // (a derived struct has none).
        self.fields.sort_by(|a, b| a.0.cmp(b.0));
        self.fields.dedup_by(|later, earlier| {
            let same = later.0 == earlier.0;
            if same {
                std::mem::swap(later, earlier);
            }
            same
        });
        self.out.push(b'{');
        for (i, (key, value)) in self.fields.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            json(self.out, key)?;
            self.out.push(b':');
            self.out.extend_from_slice(value);
        }
        self.out.extend_from_slice(self.close);
        Ok(())
    }
}

/// `Fields`' impl of one of serde's struct-like traits.
macro_rules! fields_impl {
    ($trait:ident) => {
        impl ser::$trait for Fields<'_> {
            type Ok = ();
            type Error = Error;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), Error> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), Error> {
                self.close()
            }
        }
    };
}

fields_impl!(SerializeStruct);
fields_impl!(SerializeStructVariant);

/// A map, built as a `Value` (which turns its keys into strings and sorts them) and printed.
struct ViaValue<'a> {
    out: &'a mut Vec<u8>,
    omit: Option<&'a str>,
    map: <serde_json::value::Serializer as ser::Serializer>::SerializeMap,
}

impl ser::SerializeMap for ViaValue<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.map.serialize_key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.map.serialize_value(value)
    }
    fn end(self) -> Result<(), Error> {
        let mut value = self.map.end()?;
        if let (Some(key), Value::Object(map)) = (self.omit, &mut value) {
            map.remove(key);
        }
        json(self.out, &value)
    }
}

#[cfg(test)]
mod tests;
