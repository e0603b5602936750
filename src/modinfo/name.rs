//! Export names: shared by a module's metadata and every table holding
//! them, and read from a cache record as slices of one text. A
//! MAIN_MODULE=1 main exports seven thousand names; one allocation and
//! copy each was most of reading its record.

use std::borrow::Borrow;
use std::hash::{Hash, Hasher};
use std::ops::Deref;
use std::sync::Arc;

/// A symbol's name: a slice of a text it shares (with the other names of
/// its module, or alone), cheap to clone.
#[derive(Clone)]
pub struct Name {
    text: Arc<str>,
    /// Where in `text` it lies (32-bit: names are many, and a module's
    /// text is far smaller; a name made alone that is longer is its whole
    /// text, which [`Name::as_str`] falls back to).
    start: u32,
    end: u32,
}

impl Name {
    /// Each item of `items` with its name, the next `len` bytes of `text`
    /// (names cut in turn, sharing one copy of it), or None when they run
    /// past its end or cut a character.
    pub fn cut<T, I>(text: &str, items: I) -> Option<Vec<(Name, T)>>
    where
        I: IntoIterator<Item = (usize, T)>,
        I::IntoIter: ExactSizeIterator,
    {
        let text: Arc<str> = Arc::from(text);
        let items = items.into_iter();
        let mut out = Vec::with_capacity(items.len());
        let mut at = 0usize;
        for (len, item) in items {
            let end = at.checked_add(len)?;
            text.get(at..end)?;
            let name = Name {
                text: text.clone(),
                start: u32::try_from(at).ok()?,
                end: u32::try_from(end).ok()?,
            };
            out.push((name, item));
            at = end;
        }
        Some(out)
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        self.text
            .get(self.start as usize..self.end as usize)
            .unwrap_or(&self.text)
    }
}

impl Deref for Name {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl From<&str> for Name {
    fn from(name: &str) -> Name {
        Name {
            text: Arc::from(name),
            start: 0,
            end: u32::try_from(name.len()).unwrap_or(u32::MAX),
        }
    }
}

impl From<String> for Name {
    fn from(name: String) -> Name {
        Name::from(name.as_str())
    }
}

impl Borrow<str> for Name {
    fn borrow(&self) -> &str {
        self.as_str()
    }
}

impl AsRef<str> for Name {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Name {
    fn eq(&self, other: &Name) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl PartialOrd for Name {
    fn partial_cmp(&self, other: &Name) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Name {
    fn cmp(&self, other: &Name) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl Hash for Name {
    fn hash<H: Hasher>(&self, state: &mut H) {
        // As `str` hashes, so that maps keyed by names are searched by text.
        self.as_str().hash(state);
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cut_from_one_text_read_and_compare_as_their_own() {
        let names: Vec<Name> = Name::cut("mainputsé_x", [(4, 0), (4, 1), (2, 2), (2, 3)])
            .unwrap()
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        let texts: Vec<&str> = names.iter().map(|n| &**n).collect();
        assert_eq!(texts, ["main", "puts", "é", "_x"]);
        assert_eq!(names[1], Name::from("puts"));
        let mut map = std::collections::HashMap::new();
        map.insert(names[0].clone(), 1);
        assert_eq!(map.get("main"), Some(&1));
        assert!(names[3] < names[0]);
        assert_eq!(format!("{} {:?}", names[2], names[2]), "é \"é\"");
    }

    #[test]
    fn lengths_past_the_end_or_inside_a_character_are_refused() {
        assert!(Name::cut("abc", [(2, ()), (2, ())]).is_none());
        assert!(Name::cut("é", [(1, ())]).is_none());
        assert!(Name::cut("abc", [(usize::MAX, ())]).is_none());
        assert_eq!(Name::cut("", [(0, ())]).unwrap()[0].0, Name::from(""));
    }
}
