//! [`Name`]: the text of an identifier. Almost every name is short, so a name of up
//! to [`Name::INLINE`] bytes is kept inside the value itself and only a longer one
//! is allocated; building, cloning and dropping a tree's names then costs no
//! allocation in the common case (the SQL translator builds a name for every table,
//! column and function it writes). A `Name` behaves as a `str`: it dereferences to
//! one, and compares, hashes, orders, prints and debug-prints exactly as its text.

use std::borrow::Borrow;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

/// An identifier's text (see the module docs).
#[derive(Clone)]
pub struct Name(Repr);

#[derive(Clone)]
enum Repr {
    /// `len` bytes of `bytes`, valid UTF-8.
    Inline {
        len: u8,
        bytes: [u8; Name::INLINE],
    },
    Heap(Box<str>),
}

impl Name {
    /// The longest name kept without an allocation, in bytes.
    pub const INLINE: usize = 22;

    /// The empty name.
    #[inline]
    pub const fn empty() -> Name {
        Name(Repr::Inline {
            len: 0,
            bytes: [0; Name::INLINE],
        })
    }

    /// A name with the text `s`.
    #[inline]
    pub fn new(s: &str) -> Name {
        if s.len() <= Name::INLINE {
            let mut bytes = [0; Name::INLINE];
            bytes[..s.len()].copy_from_slice(s.as_bytes());
            Name(Repr::Inline {
                len: s.len() as u8,
                bytes,
            })
        } else {
            Name(Repr::Heap(s.into()))
        }
    }

    /// `s` with ASCII letters in lower case (others unchanged), without the
    /// intermediate `String` `str::to_ascii_lowercase` would allocate.
    #[inline]
    pub fn ascii_lowercase(s: &str) -> Name {
        if s.len() <= Name::INLINE {
            let mut bytes = [0; Name::INLINE];
            for (b, c) in bytes.iter_mut().zip(s.bytes()) {
                *b = c.to_ascii_lowercase();
            }
            Name(Repr::Inline {
                len: s.len() as u8,
                bytes,
            })
        } else {
            Name(Repr::Heap(s.to_ascii_lowercase().into_boxed_str()))
        }
    }

    #[inline]
    pub fn as_str(&self) -> &str {
        match &self.0 {
            // SAFETY: `bytes[..len]` is always a copy of a whole `str` (`new`), or
            // of one whose ASCII letters were changed in case (`ascii_lowercase`),
            // which keeps it valid UTF-8.
            Repr::Inline { len, bytes } => unsafe {
                std::str::from_utf8_unchecked(&bytes[..*len as usize])
            },
            Repr::Heap(s) => s,
        }
    }
}

impl Default for Name {
    #[inline]
    fn default() -> Name {
        Name::empty()
    }
}

impl Deref for Name {
    type Target = str;
    #[inline]
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    #[inline]
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl Borrow<str> for Name {
    #[inline]
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Name {
    #[inline]
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl PartialOrd for Name {
    #[inline]
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    #[inline]
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Name {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_str().hash(state)
    }
}

impl PartialEq<str> for Name {
    #[inline]
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Name {
    #[inline]
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Name {
    #[inline]
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Name> for str {
    #[inline]
    fn eq(&self, other: &Name) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Name> for &str {
    #[inline]
    fn eq(&self, other: &Name) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Name> for String {
    #[inline]
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl fmt::Debug for Name {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Name {
    #[inline]
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self.as_str(), f)
    }
}

impl From<&str> for Name {
    #[inline]
    fn from(s: &str) -> Name {
        Name::new(s)
    }
}

impl From<&String> for Name {
    #[inline]
    fn from(s: &String) -> Name {
        Name::new(s)
    }
}

impl From<&Name> for Name {
    #[inline]
    fn from(s: &Name) -> Name {
        s.clone()
    }
}

impl From<String> for Name {
    /// A short `s` is copied inline (and its buffer freed); a long one keeps its
    /// buffer.
    #[inline]
    fn from(s: String) -> Name {
        if s.len() <= Name::INLINE {
            Name::new(&s)
        } else {
            Name(Repr::Heap(s.into_boxed_str()))
        }
    }
}

impl From<Name> for String {
    #[inline]
    fn from(n: Name) -> String {
        match n.0 {
            Repr::Heap(s) => s.into_string(),
            Repr::Inline { .. } => n.as_str().to_owned(),
        }
    }
}

impl From<&Name> for String {
    #[inline]
    fn from(n: &Name) -> String {
        n.as_str().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    fn hash_of<T: Hash + ?Sized>(t: &T) -> u64 {
        let mut h = DefaultHasher::new();
        t.hash(&mut h);
        h.finish()
    }

    #[test]
    fn behaves_as_its_text_at_every_length() {
        let long = "a_rather_long_column_name_é_x";
        for len in 0..=long.len() {
            let Some(s) = long.get(..len) else { continue };
            let n = Name::new(s);
            assert_eq!(n.as_str(), s);
            assert_eq!(&*Name::from(s.to_string()), s);
            assert_eq!(String::from(n.clone()), s);
            assert_eq!(n, *s);
            assert_eq!(format!("{n}"), s);
            assert_eq!(format!("{n:?}"), format!("{s:?}"));
            assert_eq!(hash_of(&n), hash_of(s));
            assert_eq!(n.clone(), n);
            let upper = s.to_uppercase();
            assert_eq!(
                Name::ascii_lowercase(&upper).as_str(),
                upper.to_ascii_lowercase()
            );
        }
        assert!(Name::new("a") < Name::new("b"));
        assert_eq!(Name::default().as_str(), "");
    }

    #[test]
    fn short_names_are_inline_long_ones_on_the_heap() {
        assert!(matches!(
            Name::new(&"x".repeat(Name::INLINE)).0,
            Repr::Inline { .. }
        ));
        assert!(matches!(
            Name::new(&"x".repeat(Name::INLINE + 1)).0,
            Repr::Heap(_)
        ));
        assert!(matches!(
            Name::ascii_lowercase(&"X".repeat(Name::INLINE + 1)).0,
            Repr::Heap(_)
        ));
        assert_eq!(std::mem::size_of::<Name>(), std::mem::size_of::<String>());
    }
}
