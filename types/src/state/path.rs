//! Where in a value a binary state stops decoding: a deserializer wrapper that tracks the path, with struct
//! fields named (postcard writes a struct as a tuple, so a generic tracker could only give positions; the field
//! names come from serde's `deserialize_struct`). Used only after a fast decode failed.

use std::cell::RefCell;
use std::fmt::{self, Write as _};

use serde::de::{self, DeserializeSeed, Deserializer, Visitor};

/// One step from the root to the failing value.
enum Chain<'a> {
    Root,
    Field(&'a Chain<'a>, &'static str),
    Index(&'a Chain<'a>, usize),
    Key(&'a Chain<'a>, String),
    Variant(&'a Chain<'a>, String),
}

impl Chain<'_> {
    fn render(&self, out: &mut String) {
        match self {
            Chain::Root => {}
            Chain::Field(p, name) => {
                p.render(out);
                out.push('.');
                out.push_str(name);
            }
            Chain::Index(p, i) => {
                p.render(out);
                let _ = write!(out, "[{i}]");
            }
            Chain::Key(p, k) => {
                p.render(out);
                out.push('.');
                out.push_str(k);
            }
            Chain::Variant(p, v) => {
                p.render(out);
                out.push_str("::");
                out.push_str(v);
            }
        }
    }
}

/// The innermost path at which an error was seen.
#[derive(Default)]
struct Slot(RefCell<Option<String>>);

impl Slot {
    fn record(&self, chain: &Chain<'_>) {
        let mut s = self.0.borrow_mut();
        if s.is_none() {
            let mut path = String::new();
            chain.render(&mut path);
            *s = Some(path);
        }
    }
}

/// Deserializes a `T` from `de`, returning on error the path (`""` for the root, else `.field[2].key...`).
pub(crate) fn deserialize<'de, D, T>(de: D) -> Result<T, (String, D::Error)>
where
    D: Deserializer<'de>,
    T: de::Deserialize<'de>,
{
    let slot = Slot::default();
    let result = T::deserialize(Track {
        de,
        chain: &Chain::Root,
        slot: &slot,
    });
    result.map_err(|e| (slot.0.into_inner().unwrap_or_default(), e))
}

struct Track<'a, D> {
    de: D,
    chain: &'a Chain<'a>,
    slot: &'a Slot,
}

struct Wrap<'a, X> {
    inner: X,
    chain: &'a Chain<'a>,
    slot: &'a Slot,
    /// A struct's field names (its elements come as a sequence) or an enum's variant names.
    fields: Option<&'static [&'static str]>,
}

impl<'a, X> Wrap<'a, X> {
    fn new(inner: X, chain: &'a Chain<'a>, slot: &'a Slot) -> Self {
        Wrap {
            inner,
            chain,
            slot,
            fields: None,
        }
    }
}

macro_rules! forward_deserialize {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            let (chain, slot) = (self.chain, self.slot);
            self.de
                .$method(Wrap::new(visitor, chain, slot))
                .inspect_err(|_| slot.record(chain))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Track<'_, D> {
    type Error = D::Error;

    forward_deserialize!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (chain, slot) = (self.chain, self.slot);
        self.de
            .deserialize_unit_struct(name, Wrap::new(visitor, chain, slot))
            .inspect_err(|_| slot.record(chain))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (chain, slot) = (self.chain, self.slot);
        self.de
            .deserialize_newtype_struct(name, Wrap::new(visitor, chain, slot))
            .inspect_err(|_| slot.record(chain))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (chain, slot) = (self.chain, self.slot);
        self.de
            .deserialize_tuple(len, Wrap::new(visitor, chain, slot))
            .inspect_err(|_| slot.record(chain))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (chain, slot) = (self.chain, self.slot);
        self.de
            .deserialize_tuple_struct(name, len, Wrap::new(visitor, chain, slot))
            .inspect_err(|_| slot.record(chain))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (chain, slot) = (self.chain, self.slot);
        let mut wrap = Wrap::new(visitor, chain, slot);
        wrap.fields = Some(fields);
        self.de
            .deserialize_struct(name, fields, wrap)
            .inspect_err(|_| slot.record(chain))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let (chain, slot) = (self.chain, self.slot);
        let mut wrap = Wrap::new(visitor, chain, slot);
        wrap.fields = Some(variants);
        self.de
            .deserialize_enum(name, variants, wrap)
            .inspect_err(|_| slot.record(chain))
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit!(
        visit_bool: bool,
        visit_i8: i8,
        visit_i16: i16,
        visit_i32: i32,
        visit_i64: i64,
        visit_i128: i128,
        visit_u8: u8,
        visit_u16: u16,
        visit_u32: u32,
        visit_u64: u64,
        visit_u128: u128,
        visit_f32: f32,
        visit_f64: f64,
        visit_char: char,
        visit_str: &str,
        visit_borrowed_str: &'de str,
        visit_string: String,
        visit_bytes: &[u8],
        visit_borrowed_bytes: &'de [u8],
        visit_byte_buf: Vec<u8>
    );

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(Track {
            de,
            chain: self.chain,
            slot: self.slot,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(Track {
            de,
            chain: self.chain,
            slot: self.slot,
        })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(Seq {
            inner: seq,
            chain: self.chain,
            slot: self.slot,
            fields: self.fields,
            index: 0,
        })
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(Map {
            inner: map,
            chain: self.chain,
            slot: self.slot,
            key: None,
        })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(Enum {
            inner: data,
            chain: self.chain,
            slot: self.slot,
            variants: self.fields,
        })
    }
}

/// A seed whose deserializer is tracked at `chain`.
struct Seed<'a, S> {
    inner: S,
    chain: &'a Chain<'a>,
    slot: &'a Slot,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Seed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(Track {
            de,
            chain: self.chain,
            slot: self.slot,
        })
    }
}

struct Seq<'a, A> {
    inner: A,
    chain: &'a Chain<'a>,
    slot: &'a Slot,
    fields: Option<&'static [&'static str]>,
    index: usize,
}

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for Seq<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        let chain = match self.fields.and_then(|f| f.get(self.index)) {
            Some(name) => Chain::Field(self.chain, name),
            None => Chain::Index(self.chain, self.index),
        };
        self.index += 1;
        self.inner
            .next_element_seed(Seed {
                inner: seed,
                chain: &chain,
                slot: self.slot,
            })
            .inspect_err(|_| self.slot.record(&chain))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

struct Map<'a, A> {
    inner: A,
    chain: &'a Chain<'a>,
    slot: &'a Slot,
    key: Option<String>,
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for Map<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let mut key = None;
        let result = self.inner.next_key_seed(KeySeed {
            inner: seed,
            key: &mut key,
        });
        self.key = key;
        result.inspect_err(|_| self.slot.record(&Chain::Key(self.chain, "<key>".into())))
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value, A::Error> {
        let key = self.key.take().unwrap_or_else(|| "?".into());
        let chain = Chain::Key(self.chain, key);
        self.inner
            .next_value_seed(Seed {
                inner: seed,
                chain: &chain,
                slot: self.slot,
            })
            .inspect_err(|_| self.slot.record(&chain))
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// A map key's seed that remembers the key's text (numbers and strings; other keys as `?`).
struct KeySeed<'k, S> {
    inner: S,
    key: &'k mut Option<String>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<'_, S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<S::Value, D::Error> {
        self.inner.deserialize(KeyDe { de, key: self.key })
    }
}

struct KeyDe<'k, D> {
    de: D,
    key: &'k mut Option<String>,
}

struct KeyVisitor<'k, V> {
    inner: V,
    key: &'k mut Option<String>,
}

macro_rules! forward_key_deserialize {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.de.$method(KeyVisitor { inner: visitor, key: self.key })
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for KeyDe<'_, D> {
    type Error = D::Error;

    forward_key_deserialize!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

macro_rules! remember_visit {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            *self.key = Some(v.to_string());
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for KeyVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    remember_visit!(
        visit_bool: bool,
        visit_i8: i8,
        visit_i16: i16,
        visit_i32: i32,
        visit_i64: i64,
        visit_i128: i128,
        visit_u8: u8,
        visit_u16: u16,
        visit_u32: u32,
        visit_u64: u64,
        visit_u128: u128,
        visit_char: char,
        visit_str: &str,
        visit_borrowed_str: &'de str,
        visit_string: String
    );

    fn visit_f32<E: de::Error>(self, v: f32) -> Result<V::Value, E> {
        *self.key = Some(v.to_string());
        self.inner.visit_f32(v)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        *self.key = Some(v.to_string());
        self.inner.visit_f64(v)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<V::Value, E> {
        self.inner.visit_bytes(v)
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<V::Value, E> {
        self.inner.visit_borrowed_bytes(v)
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<V::Value, E> {
        self.inner.visit_byte_buf(v)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.inner.visit_some(de)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, de: D) -> Result<V::Value, D::Error> {
        self.inner.visit_newtype_struct(de)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.inner.visit_seq(seq)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.inner.visit_map(map)
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.inner.visit_enum(data)
    }
}

struct Enum<'a, A> {
    inner: A,
    chain: &'a Chain<'a>,
    slot: &'a Slot,
    variants: Option<&'static [&'static str]>,
}

impl<'de, 'a, A: de::EnumAccess<'de>> de::EnumAccess<'de> for Enum<'a, A> {
    type Error = A::Error;
    type Variant = Variant<'a, A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), A::Error> {
        let mut name = None;
        let (chain, slot) = (self.chain, self.slot);
        let (value, variant) = self
            .inner
            .variant_seed(KeySeed {
                inner: seed,
                key: &mut name,
            })
            .inspect_err(|_| slot.record(chain))?;
        Ok((
            value,
            Variant {
                inner: variant,
                chain,
                slot,
                // Postcard names a variant by its index: show the variant's name.
                name: match (name, self.variants) {
                    (Some(n), Some(vs)) => n
                        .parse::<usize>()
                        .ok()
                        .and_then(|i| vs.get(i))
                        .map_or(n, |v| (*v).to_string()),
                    (n, _) => n.unwrap_or_else(|| "?".into()),
                },
            },
        ))
    }
}

struct Variant<'a, A> {
    inner: A,
    chain: &'a Chain<'a>,
    slot: &'a Slot,
    name: String,
}

impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for Variant<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, A::Error> {
        let chain = Chain::Variant(self.chain, self.name);
        let slot = self.slot;
        self.inner
            .newtype_variant_seed(Seed {
                inner: seed,
                chain: &chain,
                slot,
            })
            .inspect_err(|_| slot.record(&chain))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        let chain = Chain::Variant(self.chain, self.name);
        let slot = self.slot;
        self.inner
            .tuple_variant(len, Wrap::new(visitor, &chain, slot))
            .inspect_err(|_| slot.record(&chain))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        let chain = Chain::Variant(self.chain, self.name);
        let slot = self.slot;
        let mut wrap = Wrap::new(visitor, &chain, slot);
        wrap.fields = Some(fields);
        self.inner
            .struct_variant(fields, wrap)
            .inspect_err(|_| slot.record(&chain))
    }
}
