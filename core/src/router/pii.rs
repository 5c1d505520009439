//! Personal data replaced by placeholders before a step's text leaves the device, and put back in
//! the answer: e-mail addresses, phone numbers, payment card numbers (Luhn), IBANs (mod 97),
//! street addresses and the names the user lists. The same value always gets the same
//! placeholder ("[EMAIL_1]"), so a model can still refer to it.
//!
//! The number checks are the sensitivity rules' own (`sensitivity.rs`), so what the rules call
//! private is what is hidden.

use super::sensitivity::{digit_runs, is_iban, luhn};

/// The most names a user may list, and their length.
pub const MAX_NAMES: usize = 64;
pub const MAX_NAME_CHARS: usize = 64;

/// Words that end a street address ("12 Elm Street").
const STREET_WORDS: &[&str] = &[
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "lane",
    "ln",
    "boulevard",
    "blvd",
    "drive",
    "dr",
    "way",
    "place",
    "pl",
    "court",
    "ct",
    "square",
    "sq",
    "terrace",
    "close",
    "strasse",
    "straße",
    "weg",
    "gasse",
];

/// One hidden value.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Placeholder {
    pub placeholder: String,
    pub value: String,
}

/// What leaves, and what it hides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stripped {
    pub sent: String,
    pub placeholders: Vec<Placeholder>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Name,
    Email,
    Card,
    Iban,
    Phone,
    Address,
}

impl Kind {
    fn tag(self) -> &'static str {
        match self {
            Kind::Name => "NAME",
            Kind::Email => "EMAIL",
            Kind::Card => "CARD",
            Kind::Iban => "IBAN",
            Kind::Phone => "PHONE",
            Kind::Address => "ADDRESS",
        }
    }
}

/// Replaces the personal data in `text` (and every name in `names`, whole words, any case).
pub fn strip(text: &str, names: &[&str]) -> Stripped {
    let mut spans = Vec::new();
    for name in
        names.iter().take(MAX_NAMES).map(|n| n.trim()).filter(|n| !n.is_empty() && n.chars().count() <= MAX_NAME_CHARS)
    {
        spans.extend(whole_words(text, name).into_iter().map(|(s, e)| (s, e, Kind::Name)));
    }
    spans.extend(emails(text));
    spans.extend(numbers(text));
    spans.extend(addresses(text));
    // Earliest first, the longest of those starting together; overlapping later spans are dropped.
    spans.sort_by_key(|&(start, end, kind)| (start, std::cmp::Reverse(end), kind));
    let mut placeholders: Vec<Placeholder> = Vec::new();
    let mut counts = std::collections::BTreeMap::new();
    let mut sent = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, kind) in spans {
        if start < at {
            continue;
        }
        let value = &text[start..end];
        let placeholder = match placeholders
            .iter()
            .find(|p| p.value == value && p.placeholder.starts_with(&format!("[{}_", kind.tag())))
        {
            Some(known) => known.placeholder.clone(),
            None => {
                let n = counts.entry(kind).or_insert(0);
                *n += 1;
                let placeholder = format!("[{}_{}]", kind.tag(), n);
                placeholders.push(Placeholder { placeholder: placeholder.clone(), value: value.to_string() });
                placeholder
            }
        };
        sent.push_str(&text[at..start]);
        sent.push_str(&placeholder);
        at = end;
    }
    sent.push_str(&text[at..]);
    Stripped { sent, placeholders }
}

/// Puts the hidden values back where a model repeated their placeholders.
pub fn restore(answer: &str, placeholders: &[Placeholder]) -> String {
    placeholders.iter().fold(answer.to_string(), |text, p| text.replace(&p.placeholder, &p.value))
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric()
}

/// Byte spans where `word` occurs as whole words, ignoring case.
fn whole_words(text: &str, word: &str) -> Vec<(usize, usize)> {
    let lower = text.to_lowercase();
    let needle = word.to_lowercase();
    // Lower-casing can change byte lengths outside ASCII; then only exact-case matches are safe.
    let (hay, needle) = if lower.len() == text.len() { (lower, needle) } else { (text.to_string(), word.to_string()) };
    hay.match_indices(&needle)
        .map(|(at, m)| (at, at + m.len()))
        .filter(|&(s, e)| {
            text.is_char_boundary(s)
                && text.is_char_boundary(e)
                && !text[..s].chars().next_back().is_some_and(is_word_char)
                && !text[e..].chars().next().is_some_and(is_word_char)
        })
        .collect()
}

/// Words shaped like user@host.tld.
fn emails(text: &str) -> Vec<(usize, usize, Kind)> {
    words(text)
        .filter(|(_, w)| {
            w.split_once('@').is_some_and(|(user, host)| {
                !user.is_empty() && host.contains('.') && !host.starts_with('.') && !host.ends_with('.')
            })
        })
        .map(|(s, w)| (s, s + w.len(), Kind::Email))
        .collect()
}

/// Card numbers, IBANs and phone numbers.
fn numbers(text: &str) -> Vec<(usize, usize, Kind)> {
    let mut found = Vec::new();
    for (start, word) in words(text) {
        if is_iban(word) {
            found.push((start, start + word.len(), Kind::Iban));
        }
    }
    for run in digit_runs(text) {
        let start = run.as_ptr() as usize - text.as_ptr() as usize;
        let digits: Vec<u32> = run.chars().filter_map(|c| c.to_digit(10)).collect();
        let plus = text[..start].ends_with('+');
        if (13..=19).contains(&digits.len()) && luhn(&digits) {
            found.push((start, start + run.len(), Kind::Card));
        } else if (plus && digits.len() >= 8) || ((9..=15).contains(&digits.len()) && run.contains([' ', '-'])) {
            let from = if plus { start - 1 } else { start };
            found.push((from, start + run.len(), Kind::Phone));
        }
    }
    found
}

/// "12 Elm Street", "221B Baker St.": a house number, one to three capitalised words, a street word.
fn addresses(text: &str) -> Vec<(usize, usize, Kind)> {
    let list: Vec<(usize, &str)> = words(text).collect();
    let mut found = Vec::new();
    for (i, (start, number)) in list.iter().enumerate() {
        let digits = number.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 || digits > 5 || number.len() > digits + 1 {
            continue;
        }
        for len in 1..=3 {
            let Some((end_start, last)) = list.get(i + len + 1) else { break };
            let middle = &list[i + 1..i + len + 1];
            if !middle.iter().all(|(_, w)| w.chars().next().is_some_and(char::is_uppercase)) {
                break;
            }
            let street = last.trim_end_matches('.').to_lowercase();
            if STREET_WORDS.contains(&street.as_str()) {
                found.push((*start, end_start + last.len(), Kind::Address));
                break;
            }
        }
    }
    found
}

/// Whitespace-separated words with their byte offsets, stripped of surrounding punctuation
/// (a trailing dot stays for "St.").
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_whitespace().filter_map(move |raw| {
        let offset = raw.as_ptr() as usize - text.as_ptr() as usize;
        let trimmed_start = raw.trim_start_matches(|c: char| !c.is_alphanumeric() && c != '+');
        let lead = raw.len() - trimmed_start.len();
        let word = trimmed_start.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '.');
        let word = word.trim_end_matches(|c: char| c == '.' && !word.ends_with("St.") && !word.ends_with("Rd."));
        (!word.is_empty()).then_some((offset + lead, word))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_data_is_hidden_and_put_back() {
        let text = "Write to ana@example.org or call +44 20 7946 0958 about card 4111 1111 1111 1111, \
                    IBAN GB82WEST12345698765432, at 12 Elm Street. Ana Lima signs; ask ana@example.org again.";
        let stripped = strip(text, &["Ana Lima"]);
        assert_eq!(
            stripped.sent,
            "Write to [EMAIL_1] or call [PHONE_1] about card [CARD_1], IBAN [IBAN_1], at [ADDRESS_1]. \
             [NAME_1] signs; ask [EMAIL_1] again."
        );
        for secret in ["ana@example", "7946", "4111", "GB82", "Elm", "Lima"] {
            assert!(!stripped.sent.contains(secret), "{secret} left");
        }
        assert_eq!(restore(&stripped.sent, &stripped.placeholders), text);
        assert_eq!(
            restore("Dear [NAME_1], we will call [PHONE_1].", &stripped.placeholders),
            "Dear Ana Lima, we will call +44 20 7946 0958."
        );
    }

    #[test]
    fn ordinary_text_is_left_alone() {
        for text in [
            "Translate the museum opening hours into Japanese",
            "order 4111 1111 1111 1112 shipped",
            "the year 2024 had 366 days",
            "Anabel met Lima's friend",
        ] {
            let stripped = strip(text, &["Ana", "Lima"]);
            assert_eq!(stripped.sent, text.replace("Lima's", "[NAME_1]'s"));
        }
        assert_eq!(strip("12 elm street", &[]).placeholders, []);
        assert_eq!(strip("221B Baker St. is famous", &[]).sent, "[ADDRESS_1] is famous");
    }

    #[test]
    fn names_are_bounded() {
        let long = "x".repeat(MAX_NAME_CHARS + 1);
        assert_eq!(strip(&format!("hi {long}"), &[&long]).placeholders, []);
        let many: Vec<String> = (0..MAX_NAMES + 10).map(|i| format!("Name{i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let text = many.join(" ");
        assert_eq!(strip(&text, &refs).placeholders.len(), MAX_NAMES);
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn restore_undoes_strip(text in "[a-zA-Z0-9 @.+\\-]{0,120}", name in "[A-Z][a-z]{2,8}") {
            let stripped = strip(&text, &[&name]);
            prop_assert_eq!(restore(&stripped.sent, &stripped.placeholders), text);
        }
    }
}
