//! Property keys and event names that events commonly carry, interned: parsing
//! gives each the same shared static text, so that the engine recognises it
//! by where its text is (one subtraction and one table read) instead of
//! comparing its bytes with every key of the same length that a model reads.
//!
//! Any other key or name works as before, through the byte comparison: this
//! only makes the common ones cheaper.

use rustc_hash::FxHashMap;
use smol_str::SmolStr;
use std::sync::LazyLock;

/// The known names, each once.
const NAMES: &[&str] = &[
    // Segment page and context properties.
    "session_id",
    "context.session_id",
    "context.sessionId",
    "path",
    "url",
    "title",
    "referrer",
    "search",
    "name",
    "category",
    "channel",
    "campaign",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "context.campaign.name",
    "context.campaign.source",
    "context.campaign.medium",
    "context.campaign.term",
    "context.campaign.content",
    "context.page.path",
    "context.page.url",
    "context.page.referrer",
    "context.page.title",
    "context.page.search",
    "context.ip",
    "context.userAgent",
    "context.locale",
    "context.library.name",
    "context.library.version",
    // Common track properties.
    "form",
    "asset",
    "webinar",
    "email",
    "plan",
    "sku",
    "product_id",
    "price",
    "quantity",
    "revenue",
    "currency",
    "value",
    "coupon",
    "survey",
    "nps",
    "source",
    "medium",
    "content",
    "button",
    "label",
    "duration",
    // Profile attributes.
    "id",
    "phone",
    "first_name",
    "last_name",
    "job_title",
    "title_level",
    "seniority",
    "department",
    "company",
    "account",
    "industry",
    "company_size",
    "country",
    "city",
    "budget",
    "timeline",
    "need",
    "lead_source",
    "marketing_consent",
    "sales_status",
    "stage",
    "created_at",
    "gender",
    "age",
    // Event names.
    "page",
    "screen",
    "identify",
    "group",
    "alias",
    "Email Opened",
    "Email Clicked",
    "Email Delivered",
    "Email Bounced",
    "Email Unsubscribed",
    "Form Submitted",
    "Asset Downloaded",
    "Webinar Registered",
    "Webinar Attended",
    "App Installed",
    "App Opened",
    "Product Viewed",
    "Product Added",
    "Coupon Applied",
    "Order Completed",
    "Survey Submitted",
    "Chat Started",
    "Signed Up",
    "Trial Started",
    "Demo Requested",
];

/// Every known name, one after the other in one text: a name's offset in it
/// identifies the name.
static TEXT: LazyLock<&'static str> = LazyLock::new(|| NAMES.concat().leak());

/// Each known name as a slice of [`TEXT`].
static INTERNED: LazyLock<FxHashMap<&'static str, &'static str>> = LazyLock::new(|| {
    let text: &'static str = &TEXT;
    let mut at = 0;
    NAMES
        .iter()
        .map(|name| {
            let interned = &text[at..at + name.len()];
            at += name.len();
            (*name, interned)
        })
        .collect()
});

/// `name` as a [`SmolStr`], sharing the static text of a known name.
pub fn intern(name: &str) -> SmolStr {
    match INTERNED.get(name) {
        Some(interned) => SmolStr::new_static(interned),
        None => SmolStr::new(name),
    }
}

/// [`intern`] for an owned name, which it keeps when it is not a known one.
pub fn intern_owned(name: String) -> SmolStr {
    match INTERNED.get(name.as_str()) {
        Some(interned) => SmolStr::new_static(interned),
        None => SmolStr::from(name),
    }
}

/// Where each known name's text starts, for tables indexed by it.
pub(crate) struct Offsets {
    base: usize,
    len: usize,
}

impl Offsets {
    pub(crate) fn get() -> Offsets {
        Offsets {
            base: TEXT.as_ptr() as usize,
            len: TEXT.len(),
        }
    }

    /// How many offsets there are: tables indexed by offset have this length.
    pub(crate) fn count(&self) -> usize {
        self.len
    }

    /// The offset of an interned known name, and of nothing else
    /// (see [`OffsetTable::find`] for the length check that completes it).
    #[inline(always)]
    pub(crate) fn of(&self, s: &str) -> Option<usize> {
        let at = (s.as_ptr() as usize).wrapping_sub(self.base);
        (at < self.len).then_some(at)
    }

    /// The offset of `name` if it is a known name.
    pub(crate) fn of_name(&self, name: &str) -> Option<usize> {
        INTERNED.get(name).and_then(|s| self.of(s))
    }
}

/// Values for the known names, found by the offset of an interned name's text.
#[derive(Debug, Clone)]
pub(crate) struct OffsetTable<T> {
    base: usize,
    /// By offset: the length of the name starting there (`u32::MAX` where
    /// none starts) and its value.
    entries: Box<[(u32, T)]>,
}

impl<T: Copy + Default> OffsetTable<T> {
    /// A table holding `value_of(name)` for each known name.
    pub(crate) fn new(mut value_of: impl FnMut(&str) -> T) -> OffsetTable<T> {
        let offsets = Offsets::get();
        let mut entries: Box<[(u32, T)]> = (0..offsets.count())
            .map(|_| (u32::MAX, T::default()))
            .collect();
        for name in NAMES {
            if let Some(at) = offsets.of_name(name) {
                entries[at] = (name.len() as u32, value_of(name));
            }
        }
        OffsetTable {
            base: offsets.base,
            entries,
        }
    }

    /// The value of `s` when it is an interned known name, `None` when it is
    /// not and must be compared.
    ///
    /// Only [`intern`] makes text that starts inside the known names' text
    /// (its own allocation, never freed); the length check is a guard that
    /// any text starting there is a whole known name.
    #[inline(always)]
    pub(crate) fn find(&self, s: &str) -> Option<T> {
        let at = (s.as_ptr() as usize).wrapping_sub(self.base);
        match self.entries.get(at) {
            Some((len, value)) if *len as usize == s.len() => Some(*value),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_names_are_shared_and_others_are_copied() {
        let a = intern("path");
        let b = intern_owned("path".to_string());
        assert_eq!(a.as_str().as_ptr(), b.as_str().as_ptr());
        assert_eq!(a, "path");
        let other = intern("not_a_known_key");
        assert_eq!(other, "not_a_known_key");
        let table = OffsetTable::new(|n| (n == "path").then_some(7));
        assert_eq!(table.find(&a), Some(Some(7)));
        assert_eq!(table.find(&intern("url")), Some(None));
        assert_eq!(table.find(&other), None);
        assert_eq!(
            table.find("path"),
            None,
            "a literal is compared, not looked up"
        );
    }

    #[test]
    fn names_are_distinct() {
        let mut seen = std::collections::HashSet::new();
        for n in NAMES {
            assert!(seen.insert(n), "{n} twice");
        }
    }

    #[test]
    fn a_prefix_of_a_known_name_is_not_taken_for_it() {
        let text: &'static str = &TEXT;
        let table = OffsetTable::new(|n| (n == "session_id").then_some(1));
        let at = Offsets::get().of_name("session_id").unwrap_or(0);
        assert_eq!(
            table.find(&text[at..at + 7]),
            None,
            "`session` is not `session_id`"
        );
    }
}
