//! Email quality checks: is a lead's address well-formed, throwaway, a shared
//! role mailbox, a free webmail account or a company address?
//!
//! The checks are offline and pure: syntax and domain lists only, no DNS or
//! SMTP lookups.

use rustc_hash::{FxHashMap, FxHashSet};
use smol_str::SmolStr;
use std::fmt;
use std::sync::{LazyLock, OnceLock};

/// What an email address tells about a lead.
///
/// The flags other than `present` and `valid` are only ever set for valid
/// addresses: an address that cannot receive mail has no meaningful domain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EmailQuality {
    /// An address was given (not absent, not blank). Separates
    /// [`EmailClass::Missing`] from [`EmailClass::Invalid`].
    pub present: bool,
    /// The address passes the syntax check.
    pub valid: bool,
    /// The domain, trimmed and lower-cased, for valid addresses.
    pub domain: Option<SmolStr>,
    /// The domain (or a parent domain) belongs to a throwaway-mail service.
    pub disposable: bool,
    /// The mailbox is a shared role account (`info@`, `sales@`, `lienhe@`).
    pub role: bool,
    /// The domain is a free webmail provider (`gmail.com`, `yahoo.com.vn`).
    pub free: bool,
    /// Valid, and neither free nor disposable: most likely a company domain.
    pub corporate: bool,
}

/// The single worst thing about an address, for rules and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EmailClass {
    /// No address was given.
    Missing,
    /// The address is malformed.
    Invalid,
    /// A throwaway-mail domain.
    Disposable,
    /// A shared role mailbox.
    Role,
    /// A free webmail account.
    Free,
    /// A company address.
    Corporate,
}

impl EmailClass {
    /// Every class, worst first.
    pub const ALL: [EmailClass; 6] = [
        EmailClass::Missing,
        EmailClass::Invalid,
        EmailClass::Disposable,
        EmailClass::Role,
        EmailClass::Free,
        EmailClass::Corporate,
    ];

    /// The lower-case name used in rules and output.
    pub fn as_str(self) -> &'static str {
        match self {
            EmailClass::Missing => "missing",
            EmailClass::Invalid => "invalid",
            EmailClass::Disposable => "disposable",
            EmailClass::Role => "role",
            EmailClass::Free => "free",
            EmailClass::Corporate => "corporate",
        }
    }
}

impl fmt::Display for EmailClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl EmailQuality {
    /// The worst applicable class: missing, then invalid > disposable > role >
    /// free > corporate.
    pub fn class(&self) -> EmailClass {
        if !self.present {
            EmailClass::Missing
        } else if !self.valid {
            EmailClass::Invalid
        } else if self.disposable {
            EmailClass::Disposable
        } else if self.role {
            EmailClass::Role
        } else if self.free {
            EmailClass::Free
        } else {
            EmailClass::Corporate
        }
    }
}

/// Assesses an email address; `None` or blank text is missing.
pub fn assess(email: Option<&str>) -> EmailQuality {
    assess_with(email, domain_verdict)
}

/// What a (lower-cased) domain says about an address: `None` if it cannot
/// receive mail, else whether it is disposable and whether it is free mail.
type Verdict = Option<(bool, bool)>;

fn domain_verdict(domain: &str) -> Verdict {
    valid_domain(domain).then(|| (is_disposable(domain), is_free(domain)))
}

/// Domain verdicts remembered across the leads scored with it: the contacts
/// of one company share a domain, so scoring many leads checks each domain
/// once (syntax, the disposable list, the free-mail list) instead of once
/// per lead.
#[derive(Debug, Default)]
pub struct DomainCache {
    verdicts: FxHashMap<SmolStr, Verdict>,
}

/// Domains remembered at most, so that a long run over distinct domains
/// keeps bounded memory; the cache starts over when full.
const DOMAIN_CACHE_MAX: usize = 4096;

impl DomainCache {
    fn verdict(&mut self, domain: &str) -> Verdict {
        if let Some(v) = self.verdicts.get(domain) {
            return *v;
        }
        if self.verdicts.len() >= DOMAIN_CACHE_MAX {
            self.verdicts.clear();
        }
        let v = domain_verdict(domain);
        self.verdicts.insert(SmolStr::new(domain), v);
        v
    }
}

/// [`assess`], remembering domain verdicts in `cache`.
pub fn assess_cached(email: Option<&str>, cache: &mut DomainCache) -> EmailQuality {
    assess_with(email, |d| cache.verdict(d))
}

/// An address's quality remembered with the address it was assessed for, so
/// that scoring a lead again does not check an unchanged address again: the
/// syntax and role checks cost as much as the rest of a lead's fit rules.
///
/// A cache, not part of the value: memos always compare equal. It is filled
/// once; when the address later changes, the quality is assessed afresh at
/// every use (the memo never answers for an address it was not filled for).
#[derive(Debug, Clone, Default)]
pub struct EmailMemo(OnceLock<(Option<SmolStr>, EmailQuality)>);

impl PartialEq for EmailMemo {
    fn eq(&self, _: &EmailMemo) -> bool {
        true
    }
}

impl EmailMemo {
    /// The quality of `email` (the value of the lead's email attribute),
    /// from the memo when it was filled for this address, else assessed with
    /// `cache` and remembered if the memo is still empty.
    pub fn quality(&self, email: Option<&SmolStr>, cache: &mut DomainCache) -> EmailQuality {
        if let Some((address, quality)) = self.0.get() {
            let same = match (address, email) {
                (Some(a), Some(b)) => crate::words::same_bytes(a.as_bytes(), b.as_bytes()),
                (None, None) => true,
                _ => false,
            };
            if same {
                return quality.clone();
            }
            return assess_cached(email.map(SmolStr::as_str), cache);
        }
        let quality = assess_cached(email.map(SmolStr::as_str), cache);
        // Another thread may have filled it meanwhile, for the same address.
        let _ = self.0.set((email.cloned(), quality.clone()));
        quality
    }
}

fn assess_with(email: Option<&str>, verdict: impl FnOnce(&str) -> Verdict) -> EmailQuality {
    let Some(raw) = email.map(str::trim).filter(|s| !s.is_empty()) else {
        return EmailQuality::default();
    };
    let invalid = EmailQuality {
        present: true,
        ..EmailQuality::default()
    };
    let Some((local, domain)) = split_address(raw) else {
        return invalid;
    };
    // Most domains are already lower-case ASCII; only copy when they are not.
    let domain: std::borrow::Cow<'_, str> = if domain
        .bytes()
        .any(|b| b.is_ascii_uppercase() || !b.is_ascii())
    {
        domain.to_lowercase().into()
    } else {
        domain.into()
    };
    let Some((disposable, free)) = verdict(&domain) else {
        return invalid;
    };
    EmailQuality {
        present: true,
        valid: true,
        role: is_role(local),
        disposable,
        free,
        corporate: !free && !disposable,
        domain: Some(SmolStr::new(&domain)),
    }
}

/// The punctuation a dot-atom local part may hold, as a bit per ASCII code:
/// one test per character instead of a search of the list.
const ATOM_PUNCT: u128 = ascii_set(b"!#$%&'*+-/=?^_`{|}~");

const fn ascii_set(chars: &[u8]) -> u128 {
    let mut set = 0;
    let mut i = 0;
    while i < chars.len() {
        set |= 1 << chars[i];
        i += 1;
    }
    set
}

/// RFC 5321's limit on a forward path, which bounds a usable address.
const MAX_ADDRESS_LEN: usize = 254;
const MAX_LOCAL_LEN: usize = 64;
const MAX_LABEL_LEN: usize = 63;

/// Splits a syntactically valid address into its local part and (not yet
/// lower-cased) domain, checking everything but the domain's labels.
fn split_address(s: &str) -> Option<(&str, &str)> {
    if s.len() > MAX_ADDRESS_LEN {
        return None;
    }
    let (local, domain) = s.split_once('@')?;
    if domain.contains('@') || local.is_empty() || local.len() > MAX_LOCAL_LEN {
        return None;
    }
    // Quoted local parts and comments are legal but never seen in lead data
    // except as paste errors, so the dot-atom form is all we accept.
    let atom_char = |c: char| {
        c.is_ascii_alphanumeric() || (c.is_ascii() && (ATOM_PUNCT >> u32::from(c)) & 1 == 1)
    };
    let dots_ok = !local.starts_with('.') && !local.ends_with('.') && !local.contains("..");
    (dots_ok && local.chars().all(|c| c == '.' || atom_char(c))).then_some((local, domain))
}

/// Checks a lower-cased domain: at least two labels of letters, digits and
/// inner hyphens, ending in an alphabetic (or punycode) top-level domain.
fn valid_domain(domain: &str) -> bool {
    let Some((_, tld)) = domain.rsplit_once('.') else {
        return false;
    };
    // Letters beyond ASCII are allowed because Vietnamese and other
    // internationalised domains are registered in their Unicode form.
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= MAX_LABEL_LEN
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let tld_ok = tld.chars().count() >= 2
        && (tld.chars().all(char::is_alphabetic)
            || tld.strip_prefix("xn--").is_some_and(|rest| {
                !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            }));
    tld_ok && domain.split('.').all(label_ok)
}

/// mailchecker's list as a set: the crate itself only offers a linear scan
/// per lookup, too slow for scoring millions of leads.
static DISPOSABLE: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| mailchecker::blacklist().into_iter().collect());

/// True if the domain or any parent domain (except the bare top-level domain)
/// is a throwaway-mail service, so `x.33mail.com` counts like `33mail.com`.
fn is_disposable(domain: &str) -> bool {
    let mut rest = domain;
    while let Some((_, parent)) = rest.split_once('.') {
        if DISPOSABLE.contains(rest) {
            return true;
        }
        rest = parent;
    }
    false
}

/// Role mailboxes, written without separators (see [`is_role`]).
const ROLE_MAILBOXES: &[&str] = &[
    // English
    "abuse",
    "account",
    "accounting",
    "accounts",
    "admin",
    "administrator",
    "admissions",
    "billing",
    "booking",
    "bookings",
    "careers",
    "contact",
    "contactus",
    "customercare",
    "customerservice",
    "customersupport",
    "donotreply",
    "enquiries",
    "enquiry",
    "feedback",
    "finance",
    "hello",
    "help",
    "helpdesk",
    "hi",
    "hostmaster",
    "hr",
    "info",
    "information",
    "inquiries",
    "inquiry",
    "invoice",
    "invoices",
    "jobs",
    "legal",
    "mailerdaemon",
    "marketing",
    "media",
    "newsletter",
    "noreply",
    "office",
    "orders",
    "partners",
    "payments",
    "postmaster",
    "press",
    "privacy",
    "purchasing",
    "reception",
    "recruiting",
    "recruitment",
    "sales",
    "security",
    "service",
    "support",
    "team",
    "webmaster",
    "welcome",
    // Vietnamese, written without diacritics as mailbox names are
    "banhang",          // sales
    "chamsockhachhang", // customer care
    "cskh",             // customer care (abbreviation)
    "dathang",          // orders
    "gopy",             // feedback
    "hanhchinh",        // administration
    "hotro",            // support
    "ketoan",           // accounting
    "kinhdoanh",        // business / sales
    "lienhe",           // contact
    "nhansu",           // human resources
    "thongtin",         // information
    "tuvan",            // advice (pre-sales)
    "tuyendung",        // recruitment
    "vanphong",         // office
];

/// True for shared mailboxes. The local part is compared without its `+tag`,
/// without `.`, `-` and `_` (so `no-reply`, `no_reply` and `noreply` agree)
/// and without trailing digits, since numbered role boxes such as
/// `kinhdoanh01@` are common.
fn is_role(local: &str) -> bool {
    let base = local.split('+').next().unwrap_or(local);
    // The local part is at most 64 ASCII bytes (checked by `split_address`),
    // so it is squashed on the stack rather than in a new String.
    let mut buf = [0u8; MAX_LOCAL_LEN];
    let mut n = 0;
    for b in base
        .bytes()
        .filter(|b| !matches!(b, b'.' | b'-' | b'_'))
        .take(MAX_LOCAL_LEN)
    {
        buf[n] = b.to_ascii_lowercase();
        n += 1;
    }
    let squashed = std::str::from_utf8(&buf[..n]).unwrap_or("");
    let stem = squashed.trim_end_matches(|c: char| c.is_ascii_digit());
    let stem = if stem.is_empty() { squashed } else { stem };
    ROLE_SET.contains(stem)
}

/// The role and free-mail lists as sets: one hash instead of a scan of
/// every entry, for every lead scored.
static ROLE_SET: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| ROLE_MAILBOXES.iter().copied().collect());
static FREE_SET: LazyLock<FxHashSet<&'static str>> =
    LazyLock::new(|| FREE_DOMAINS.iter().copied().collect());

/// Free webmail domains, matched exactly.
const FREE_DOMAINS: &[&str] = &[
    "126.com",
    "163.com",
    "aim.com",
    "aol.com",
    "daum.net",
    "fastmail.com",
    "free.fr",
    "googlemail.com",
    "gmail.com",
    "hanmail.net",
    "hey.com",
    "icloud.com",
    "inbox.com",
    "laposte.net",
    "libero.it",
    "live.ca",
    "live.co.uk",
    "live.com",
    "live.com.au",
    "live.de",
    "live.fr",
    "live.it",
    "live.nl",
    "mac.com",
    "mail.com",
    "mail.ru",
    "me.com",
    "msn.com",
    "naver.com",
    "orange.fr",
    "pm.me",
    "proton.me",
    "protonmail.com",
    "qq.com",
    "rediffmail.com",
    "rocketmail.com",
    "sina.com",
    "t-online.de",
    "tuta.io",
    "tutanota.com",
    "vnn.vn",
    "web.de",
    "ya.ru",
    "ymail.com",
    "yeah.net",
    "zoho.com",
    "zohomail.com",
];

/// Providers whose free mail runs under many country domains
/// (`yahoo.com.vn`, `gmx.de`, `hotmail.co.uk`, `yandex.kz`).
const FREE_FAMILIES: &[&str] = &["gmx", "hotmail", "outlook", "yahoo", "yandex"];

/// Second-level labels under which country domains register names
/// (`.com.vn`, `.co.uk`).
const GENERIC_SECOND_LEVELS: &[&str] = &["co", "com", "net", "org"];

/// True for free webmail: an exact listed domain, a subdomain of `vnn.vn`
/// (VNPT's consumer mail uses regional subdomains such as `hn.vnn.vn`), or a
/// listed family under a public suffix. The family match accepts only
/// suffixes shaped like `.de`, `.com` or `.com.vn`, so that a company's
/// `outlook.acme.com` host is not mistaken for Outlook.com.
fn is_free(domain: &str) -> bool {
    if FREE_SET.contains(domain) || domain.ends_with(".vnn.vn") {
        return true;
    }
    let Some((first, suffix)) = domain.split_once('.') else {
        return false;
    };
    if !FREE_FAMILIES.contains(&first) {
        return false;
    }
    match suffix.split_once('.') {
        None => true,
        Some((second, country)) => {
            GENERIC_SECOND_LEVELS.contains(&second)
                && country.len() == 2
                && country.bytes().all(|b| b.is_ascii_lowercase())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(email: &str) -> EmailClass {
        assess(Some(email)).class()
    }

    #[test]
    fn atom_punctuation_set_holds_exactly_the_listed_characters() {
        for c in (0u8..128).map(char::from) {
            let listed = "!#$%&'*+-/=?^_`{|}~".contains(c);
            assert_eq!((ATOM_PUNCT >> u32::from(c)) & 1 == 1, listed, "{c:?}");
        }
    }

    #[test]
    fn cached_assessment_equals_direct_assessment() {
        let mut cache = DomainCache::default();
        for _ in 0..2 {
            for e in [
                "linh.tran@saigonlogistics.vn",
                "LINH@SaigonLogistics.VN",
                "x@mailinator.com",
                "info@gmail.com",
                "abc@",
                "an@example.c0m",
                "kinhdoanh01@công-ty.vn",
                "",
            ] {
                assert_eq!(assess_cached(Some(e), &mut cache), assess(Some(e)), "{e}");
            }
        }
    }

    #[test]
    fn missing_and_blank_are_missing() {
        assert_eq!(assess(None).class(), EmailClass::Missing);
        assert_eq!(class("   "), EmailClass::Missing);
        assert!(!assess(Some("")).valid);
    }

    #[test]
    fn syntax_errors_are_invalid() {
        for bad in [
            "plainaddress",
            "@example.com",
            "an@@example.com",
            "a@b@example.com",
            "an@example",
            "an@example.c",
            "an@example.c0m",
            "an..nguyen@example.com",
            ".an@example.com",
            "an.@example.com",
            "an@example..com",
            "an@-example.com",
            "an@example-.com",
            "an@exa_mple.com",
            "an nguyen@example.com",
            "an,nguyen@example.com",
            "an@example.com.",
            "nguyễn@example.com",
        ] {
            assert_eq!(class(bad), EmailClass::Invalid, "{bad}");
        }
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(class(&long_local), EmailClass::Invalid);
        let long_total = format!("a@{}com", "b.".repeat(130));
        assert_eq!(class(&long_total), EmailClass::Invalid);
        let long_label = format!("a@{}.com", "b".repeat(64));
        assert_eq!(class(&long_label), EmailClass::Invalid);
    }

    #[test]
    fn domain_is_trimmed_and_lower_cased() {
        let q = assess(Some("  Lan.Tran+crm@ACME.Com.VN "));
        assert!(q.valid && q.corporate && !q.role && !q.free);
        assert_eq!(q.domain.as_deref(), Some("acme.com.vn"));
        assert_eq!(q.class(), EmailClass::Corporate);
    }

    #[test]
    fn unusual_but_valid_addresses() {
        for good in [
            "o'brien@example.ie",
            "a_b-c=d@sub.example.co.uk",
            "x@xn--80ak6aa92e.com",
            "an@công-ty.vn",
            "an@example.xn--p1ai",
        ] {
            assert!(assess(Some(good)).valid, "{good}");
        }
    }

    #[test]
    fn disposable_domains_come_from_mailchecker() {
        assert_eq!(class("lead@mailinator.com"), EmailClass::Disposable);
        assert_eq!(class("lead@YOPMAIL.com"), EmailClass::Disposable);
        assert_eq!(class("lead@x.33mail.com"), EmailClass::Disposable);
        // Disposable is worse than role.
        assert_eq!(class("info@guerrillamail.com"), EmailClass::Disposable);
        assert!(!assess(Some("lead@gmail.com")).disposable);
    }

    #[test]
    fn role_mailboxes() {
        for role in [
            "info@acme.com",
            "Sales@acme.com",
            "no-reply@acme.com",
            "no_reply@acme.com",
            "support+vn@acme.com",
            "lienhe@congty.vn",
            "ketoan@congty.vn",
            "tuyendung@congty.com.vn",
            "kinhdoanh01@congty.vn",
            "cskh@congty.vn",
        ] {
            assert_eq!(class(role), EmailClass::Role, "{role}");
        }
        for person in [
            "lan.tran@acme.com",
            "hoang@congty.vn",
            "information.officer.huy@acme.com",
        ] {
            assert!(!assess(Some(person)).role, "{person}");
        }
        // A role box at a free domain is still a role box.
        assert_eq!(class("lienhe.shop@gmail.com"), EmailClass::Free);
        assert_eq!(class("lienhe@gmail.com"), EmailClass::Role);
        assert!(assess(Some("lienhe@gmail.com")).free);
    }

    #[test]
    fn free_webmail() {
        for free in [
            "ngoc.anh@gmail.com",
            "minh_1990@yahoo.com.vn",
            "lan@outlook.com.vn",
            "huy@hotmail.co.uk",
            "an@gmx.de",
            "an@yandex.ru",
            "an@hn.vnn.vn",
            "an@vnn.vn",
            "an@proton.me",
            "an@qq.com",
        ] {
            let q = assess(Some(free));
            assert!(q.free && !q.corporate, "{free}");
            assert_eq!(q.class(), EmailClass::Free, "{free}");
        }
        for corporate in [
            "an@outlook.acme.com",
            "an@yahoo-partners.com",
            "an@fpt.com.vn",
        ] {
            assert_eq!(class(corporate), EmailClass::Corporate, "{corporate}");
        }
    }

    #[test]
    fn class_names() {
        let names: Vec<&str> = EmailClass::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            names,
            [
                "missing",
                "invalid",
                "disposable",
                "role",
                "free",
                "corporate"
            ]
        );
        assert_eq!(EmailClass::Free.to_string(), "free");
    }
}
